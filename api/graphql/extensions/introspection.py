"""Introspection for signed-in callers; in production, anonymous callers are refused.

Like graphql-core's NoSchemaIntrospectionCustomRule, but one error per entry point with an
`extensions.code`. `__typename` stays allowed: clients need it to tell union members apart.
"""

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from graphql import GraphQLError, ValidationRule
from graphql.language import FieldNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from api.errors import ErrorCode

# The only fields that lead into the introspection types.
_ENTRY_POINTS = frozenset({"__schema", "__type"})


class NoIntrospectionRule(ValidationRule):
    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in _ENTRY_POINTS:
            self.report_error(
                GraphQLError(
                    "introspection requires signing in",
                    node,
                    extensions={"code": ErrorCode.INTROSPECTION_DISABLED},
                )
            )


class IntrospectionGate(SchemaExtension):
    def __init__(self, may_introspect: Callable[[ExecutionContext], bool]) -> None:
        self.may_introspect = may_introspect

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if not self.may_introspect(context):
            context.validation_rules = (*context.validation_rules, NoIntrospectionRule)
        yield


def _anyone(_context: ExecutionContext) -> bool:
    return True


def introspection_extension(
    *, production: bool, is_signed_in: Callable[[ExecutionContext], bool]
) -> Callable[[], SchemaExtension]:
    """Extension factory for `strawberry.Schema(extensions=[...])`.

    `is_signed_in` should hold for any client or account session, admins included.
    """
    return partial(IntrospectionGate, is_signed_in if production else _anyone)

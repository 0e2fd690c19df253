"""A document of several operations must say which to run (GraphQL spec, "GetOperation").

Strawberry runs the first operation when no name is given, where the spec asks for an error:
`mutation Cancel {...} query Read {...}` sent without `operationName` would cancel. The rule
joins validation only for requests that name no operation, so it is one fixed class and the
validation cache (api.graphql.extensions.validation_cache) still recognises documents that passed.
"""

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, ValidationRule
from strawberry.extensions import SchemaExtension

from api.errors import ErrorCode


class OneOperationUnlessNamed(ValidationRule):
    def enter_document(self, node: DocumentNode, *_args: Any) -> None:
        operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1:
            self.report_error(
                GraphQLError(
                    "Must provide operationName if the document contains several operations.",
                    operations,
                    extensions={"code": ErrorCode.BAD_REQUEST},
                )
            )


class RequireOperationName(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        # Strawberry keeps the name the request gave only here (its public `operation_name`
        # falls back to the first operation's); tests/http/test_refusals.py fails if that changes.
        if context._provided_operation_name is None:
            context.validation_rules = (*context.validation_rules, OneOperationUnlessNamed)
        yield

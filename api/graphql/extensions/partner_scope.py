"""Policy 五(一)3-4: a partner company's staff member reads and corrects their own details, and
does nothing else through the API.

A validation rule, so an operation that asks for anything else is refused whole, before any
resolver runs, with `extensions.code` FORBIDDEN; a field added to the schema later is refused to
partners until it is listed here. What a partner is shown inside the allowed fields is the
consent engine's decision (plugins.builtin.partner, plugins.builtin.owner).
"""

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, ValidationRule
from graphql.language import FieldNode
from strawberry.extensions import SchemaExtension

from api.errors import ErrorCode
from plugins.viewer import ViewerKind

# Their own details and password, their session, and what anyone may read.
PARTNER_QUERIES = frozenset(
    {"me", "currentPolicy", "policyVersions", "policyVersion", "publicNotices", "dataCategories"}
)
# A new phone is proven with a code first (P-SEC-4), as for everyone.
PARTNER_MUTATIONS = frozenset(
    {"updateProfile", "requestPhoneChangeCode", "changePassword", "login", "logout"}
)
REFUSAL = "partner accounts read and correct their own details only"


class PartnerRootFields(ValidationRule):
    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        name = node.name.value
        if name.startswith("__"):
            return
        parent = self.context.get_parent_type()
        schema = self.context.schema
        if parent is schema.query_type:
            allowed = PARTNER_QUERIES
        elif parent is schema.mutation_type:
            allowed = PARTNER_MUTATIONS
        else:
            return
        if name not in allowed:
            self.report_error(
                GraphQLError(REFUSAL, node, extensions={"code": ErrorCode.FORBIDDEN, "field": name})
            )


class PartnerScope(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if context.context.viewer.kind is ViewerKind.PARTNER:
            context.validation_rules = (*context.validation_rules, PartnerRootFields)
        yield

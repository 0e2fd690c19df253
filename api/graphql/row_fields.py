"""Row fields: leaf fields whose value is a plain function of their object, the request context
and the field's response path, with no arguments. They are ordinary Strawberry fields (the
schema, GraphiQL and any execution see them as such); the function itself is kept in the field's
metadata, so `api.graphql.execution` can call it without Strawberry's per-field machinery where
every field of a selection is one (a 100-row page has 700 of them)."""

from collections.abc import Callable
from typing import Any

import strawberry
from graphql.pyutils import Path

from api.graphql.context import Info, RequestContext

ROW_RESOLVER_KEY = "consentql.row_resolver"

# (the object, the request's context, the field's response path) -> the value. It must not
# raise for an expected case: an exception is an unexpected error, located at the field.
RowResolver = Callable[[Any, RequestContext, Path], Any]


def row_field(
    resolve: RowResolver, returns: Any, *, metadata: dict[str, Any] | None = None, **options: Any
) -> Any:
    """A field of `returns` type answered by `resolve`, both through Strawberry and directly."""

    def resolver(root: Any, info: Info) -> Any:
        return resolve(root, info.context, info.path)

    resolver.__annotations__["return"] = returns
    return strawberry.field(
        resolver=resolver, metadata={**(metadata or {}), ROW_RESOLVER_KEY: resolve}, **options
    )


def row_resolver(definition: Any) -> RowResolver | None:
    """The row resolver of a Strawberry field definition, when it has one and nothing (a field
    extension, a permission class) has to run around it."""
    if definition is None or definition.extensions:
        return None
    return definition.metadata.get(ROW_RESOLVER_KEY)

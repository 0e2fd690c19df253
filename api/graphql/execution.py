"""graphql-core execution with a short path for objects whose selection is only row fields
(`api.graphql.row_fields`), such as every row of a personal page.

For each field graphql-core builds a `GraphQLResolveInfo`, Strawberry wraps the resolver in its
own `Info` and extension chain, and both test the result for awaitables: on a 100-row page of
seven fields that machinery costs more than the fields themselves. Here such an object's fields
are answered by their row resolvers directly, each value serialized by its type and every error
located exactly as graphql-core locates it (P-SEC-3: a blocked field is still null with its
error, recorded by `reveal` itself). Any other selection (arguments, objects, lists, a field
without a row resolver, a middleware, incremental delivery) runs through graphql-core unchanged.
"""

from typing import Any, NamedTuple

from graphql import (
    GraphQLID,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.context import RequestContext
from api.graphql.row_fields import RowResolver, row_resolver

STRAWBERRY_DEFINITION = "strawberry-definition"
TYPENAME = "__typename"
# Scalars whose serialization of a `str` is that same `str`.
STRING_SCALARS = (GraphQLString, GraphQLID)


class LeafField(NamedTuple):
    response_name: str
    resolve: RowResolver
    return_type: GraphQLOutputType
    leaf_type: GraphQLLeafType
    non_null: bool
    # Whether a `str` result is already its serialized form.
    strings_as_is: bool
    details: FieldDetailsList
    # graphql-core's own message for a non-null field that resolved to null.
    null_message: str


def typename_of(parent_type: GraphQLObjectType) -> RowResolver:
    name = parent_type.name
    return lambda _source, _context, _path: name


class LeafRowExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A middleware must see every field: then nothing takes the short path.
        self._short_path = manager is None or not manager.middlewares
        # Keyed by the grouped field set's identity: graphql-core collects a selection once per
        # (type, field list) and reuses that very dict for every object of a list; kept alive
        # with its plan, so the identity cannot be reused within this execution.
        self._plans: dict[int, tuple[GroupedFieldSet, tuple[LeafField, ...] | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        planned = self._plans.get(id(grouped_field_set))
        if planned is None:
            plan = self._plan(parent_type, grouped_field_set) if self._short_path else None
            planned = self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        plan = planned[1]
        if plan is None or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self._execute_leaves(parent_type, source_value, path, plan)

    def _execute_leaves(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        plan: tuple[LeafField, ...],
    ) -> dict[str, Any]:
        """What `execute_field` and `complete_value` give for each field, without their info,
        wrappers and awaitable checks (a row resolver is sync by contract)."""
        context: RequestContext = self.context_value
        type_name = parent_type.name
        results: dict[str, Any] = {}
        for field in plan:
            field_path = Path(path, field.response_name, type_name)
            try:
                value = field.resolve(source, context, field_path)
                if value is None:
                    if field.non_null:
                        raise TypeError(field.null_message)
                elif not (field.strings_as_is and type(value) is str):
                    if isinstance(value, Exception):
                        raise value
                    value = self.complete_leaf_value(field.leaf_type, value)
            except Exception as raw_error:
                # Raises for a non-null field, as graphql-core does: its parent becomes null.
                self.handle_field_error(raw_error, field.return_type, field.details, field_path)
                value = None
            results[field.response_name] = value
        return results

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[LeafField, ...] | None:
        """The selection's fields, when every one is a row field or `__typename`."""
        plan = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            field_name = node.name.value
            field_def = self.schema.get_field(parent_type, field_name)
            if field_def is None or field_def.args or node.arguments:
                return None
            if field_name == TYPENAME:
                resolve: RowResolver | None = typename_of(parent_type)
            else:
                resolve = row_resolver(field_def.extensions.get(STRAWBERRY_DEFINITION))
            return_type = field_def.type
            non_null = is_non_null_type(return_type)
            leaf_type = return_type.of_type if non_null else return_type  # type: ignore[union-attr]
            if resolve is None or not is_leaf_type(leaf_type):
                return None
            plan.append(
                LeafField(
                    response_name=response_name,
                    resolve=resolve,
                    return_type=return_type,
                    leaf_type=leaf_type,
                    non_null=non_null,
                    strings_as_is=leaf_type in STRING_SCALARS,
                    details=details,
                    null_message=(
                        f"Cannot return null for non-nullable field {parent_type}.{field_name}."
                    ),
                )
            )
        return tuple(plan)

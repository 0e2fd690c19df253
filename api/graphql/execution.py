"""graphql-core execution with a short path for the simple fields of a selection: row fields
(`api.graphql.row_fields`), such as every personal field of a page, plain attributes (an edge's
`node` and `cursor`) and `__typename`.

For each field graphql-core builds a `GraphQLResolveInfo`, Strawberry wraps the resolver in its
own `Info` and extension chain, and both test the result for awaitables: on a 100-row page of
seven fields that machinery costs more than the fields themselves. Here such fields are answered
directly: a leaf's value serialized by its type, an object's completed by graphql-core's own
sub-selection (which takes this short path again), every error located exactly as graphql-core
locates it (P-SEC-3: a blocked field is still null with its error, recorded by `reveal` itself).
The items of a list of objects (a page's edges) go straight into their selection, their type
checked once per list rather than once per item.
The other fields of the same selection (arguments, lists, resolvers of their own) run through
graphql-core's `execute_field`, their awaitables gathered as graphql-core gathers them; a
middleware or incremental delivery sends the whole selection through graphql-core unchanged.
"""

import weakref
from collections.abc import Awaitable, Sequence
from enum import Enum
from types import CoroutineType
from typing import Any, NamedTuple

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLNamedOutputType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.context import RequestContext
from api.graphql.row_fields import RowResolver, row_resolver

STRAWBERRY_DEFINITION = "strawberry-definition"
TYPENAME = "__typename"
# Scalars whose serialization of a `str` is that same `str`.
STRING_SCALARS = (GraphQLString, GraphQLID)


class Kind(Enum):
    # Answered here: a scalar or enum, or an object whose sub-selection is then executed.
    LEAF = 1
    OBJECT = 2
    # Anything else, through graphql-core's `execute_field`.
    GRAPHQL_CORE = 3


class PlannedField(NamedTuple):
    response_name: str
    kind: Kind
    resolve: RowResolver | None
    field_def: GraphQLField | None
    return_type: GraphQLOutputType | None
    # The return type without its non-null wrapper.
    named_type: GraphQLNamedOutputType | None
    non_null: bool
    # Whether a `str` result is already its serialized form.
    strings_as_is: bool
    details: FieldDetailsList
    # graphql-core's own message for a non-null field that resolved to null.
    null_message: str


def typename_of(parent_type: GraphQLObjectType) -> RowResolver:
    name = parent_type.name
    return lambda _source, _context, _path: name


def attribute_of(definition: Any) -> RowResolver | None:
    """The read of a Strawberry field that is a plain attribute (no resolver, no field
    extension or permission): what Strawberry's own resolver for it does, without its info."""
    if definition is None or not definition.is_basic_field:
        return None
    read, name = definition.default_resolver, definition.python_name
    return lambda source, _context, _path: read(source, name)


def weak_async_helpers(executor: "LeafRowExecutor") -> GraphQLResolveInfoHelpers:
    """graphql-core's helpers for resolvers, holding the executor weakly.

    Its own hold it through bound methods, a cycle between the executor and its helpers that
    keeps the executor, the request's context and all it reached (decisions, subjects, paths)
    alive past the request, for the cyclic collector to find: with ~1,400 such objects per
    request, full collections took about a tenth of the server's time. Without the cycle they
    are freed as soon as the request lets go of them. A resolver uses the helpers only while the
    execution runs, when the executor is alive.
    """
    executor_ref = weakref.ref(executor)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return executor_ref().gather_async_work(values)  # type: ignore[union-attr]

    def track(values: Sequence[Any]) -> None:
        executor_ref().track_async_work(values)  # type: ignore[union-attr]

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


class LeafRowExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = weak_async_helpers(self)
        manager = self.middleware_manager
        # A middleware must see every field, and an exception handler must wrap a plain
        # attribute's read: then nothing takes the short path.
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        self._short_path = (manager is None or not manager.middlewares) and not getattr(
            strawberry_schema, "exception_handlers", ()
        )
        # Keyed by the grouped field set's identity: graphql-core collects a selection once per
        # (type, field list) and reuses that very dict for every object of a list; kept alive
        # with its plan, so the identity cannot be reused within this execution.
        self._plans: dict[int, tuple[GroupedFieldSet, tuple[PlannedField, ...] | None]] = {}
        # The same, per list field (the identity of its field details): the object type of its
        # items and their collected sub-selection, or None when its items need graphql-core.
        self._item_plans: dict[
            int, tuple[FieldDetailsList, tuple[GraphQLObjectType, GroupedFieldSet] | None]
        ] = {}

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
        return self._execute_planned(parent_type, source_value, path, plan)

    def complete_list_item_value(
        self,
        item: Any,
        complete_results: list[Any],
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        item_path: Path,
        position_context: Any,
    ) -> bool:
        """graphql-core's, for an object item (an edge of a page) straight into its selection:
        what `complete_value` and `complete_object_value` would do for it, without their
        checks of the item's type on every one of a page's items (made once per list here)."""
        planned = self._item_plans.get(id(field_details_list))
        if planned is None:
            plan = self._plan_items(item_type, field_details_list) if self._short_path else None
            planned = self._item_plans[id(field_details_list)] = (field_details_list, plan)
        plan = planned[1]
        if (
            plan is None
            or position_context is not None
            or item is None
            or isinstance(item, Exception)
        ):
            return super().complete_list_item_value(
                item,
                complete_results,
                item_type,
                field_details_list,
                info,
                item_path,
                position_context,
            )
        object_type, grouped_field_set = plan
        try:
            completed = self.execute_fields(object_type, item, item_path, grouped_field_set, None)
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            complete_results.append(None)
            return False
        if type(completed) is dict:
            complete_results.append(completed)
            return False
        complete_results.append(
            self._await_completed(completed, item_type, field_details_list, item_path)
        )
        return True

    def _plan_items(
        self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> tuple[GraphQLObjectType, GroupedFieldSet] | None:
        named = item_type.of_type if is_non_null_type(item_type) else item_type  # type: ignore[union-attr]
        if not is_object_type(named) or named.is_type_of is not None:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(named, field_details_list)
        if new_defer_usages:
            return None
        return named, grouped_field_set

    async def _await_completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        """A field's or an item's completion that had to wait, its error located as
        graphql-core locates it."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None

    def _execute_planned(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        plan: tuple[PlannedField, ...],
    ) -> AwaitableOrValue[dict[str, Any]]:
        """What graphql-core's `execute_fields` gives, the simple fields without `execute_field`'s
        info, wrappers and awaitable checks (a row resolver is sync by contract)."""
        context: RequestContext = self.context_value
        type_name = parent_type.name
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for field in plan:
                field_path = Path(path, field.response_name, type_name)
                if field.kind is Kind.GRAPHQL_CORE:
                    value = self.execute_field(parent_type, source, field.details, field_path, None)
                    if value is Undefined:
                        continue
                    awaits = is_awaitable(value)
                else:
                    value = self._complete(field, parent_type, source, context, field_path)
                    # What `_complete` returns when it must wait is always a coroutine.
                    awaits = type(value) is CoroutineType
                results[field.response_name] = value
                if awaits:
                    awaitable_fields.append(field.response_name)
        except Exception:
            if awaitable_fields:
                # As graphql-core: the other fields' awaitables settle, they may fail too.
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather(results, awaitable_fields)

    def _complete(
        self,
        field: PlannedField,
        parent_type: GraphQLObjectType,
        source: Any,
        context: RequestContext,
        path: Path,
    ) -> Any:
        """`execute_field` and `complete_value` for a leaf or an object read without info."""
        try:
            value = field.resolve(source, context, path)  # type: ignore[misc]
            if value is None:
                if field.non_null:
                    raise TypeError(field.null_message)
                return None
            if field.strings_as_is and type(value) is str:
                return value
            if isinstance(value, Exception):
                raise value
            if self.is_awaitable(value):
                info = self._info(field, parent_type, path)
                return self.complete_awaitable_value(
                    field.return_type, field.details, info, path, value, None
                )
            if field.kind is Kind.LEAF:
                return self.complete_leaf_value(field.named_type, value)  # type: ignore[arg-type]
            completed = self._complete_object(field, parent_type, path, value)
            if self.is_awaitable(completed):
                return self._await_completed(completed, field.return_type, field.details, path)  # type: ignore[arg-type]
            return completed
        except Exception as raw_error:
            # Raises for a non-null field, as graphql-core does: its parent becomes null.
            self.handle_field_error(raw_error, field.return_type, field.details, path)  # type: ignore[arg-type]
            return None

    def _complete_object(
        self, field: PlannedField, parent_type: GraphQLObjectType, path: Path, value: Any
    ) -> AwaitableOrValue[dict[str, Any]]:
        object_type: GraphQLObjectType = field.named_type  # type: ignore[assignment]
        if object_type.is_type_of is None:
            return self.collect_and_execute_subfields(object_type, field.details, path, value, None)
        # Only an `is_type_of` needs the info: graphql-core's own completion checks it.
        info = self._info(field, parent_type, path)
        return self.complete_object_value(object_type, field.details, info, path, value, None)

    def _info(self, field: PlannedField, parent_type: GraphQLObjectType, path: Path) -> Any:
        return self.build_resolve_info(
            field.field_def,  # type: ignore[arg-type]
            to_nodes(field.details),
            parent_type,
            path,
        )

    @staticmethod
    async def _gather(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            [name] = awaitable_fields
            results[name] = await results[name]
        else:
            awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[PlannedField, ...] | None:
        """The selection's fields, each planned as answered here or by graphql-core; None when
        none of them is answered here."""
        plan = [
            self._plan_field(parent_type, response_name, details)
            for response_name, details in grouped_field_set.items()
        ]
        if all(field.kind is Kind.GRAPHQL_CORE for field in plan):
            return None
        return tuple(plan)

    def _plan_field(
        self, parent_type: GraphQLObjectType, response_name: str, details: FieldDetailsList
    ) -> PlannedField:
        node = details[0].node
        field_name = node.name.value
        field_def = self.schema.get_field(parent_type, field_name)
        resolve: RowResolver | None = None
        kind = Kind.GRAPHQL_CORE
        return_type = named_type = None
        if field_def is not None and not field_def.args and not node.arguments:
            return_type = field_def.type
            named_type = return_type.of_type if is_non_null_type(return_type) else return_type  # type: ignore[union-attr]
            if field_name == TYPENAME:
                resolve = typename_of(parent_type)
            else:
                definition = field_def.extensions.get(STRAWBERRY_DEFINITION)
                resolve = row_resolver(definition) or attribute_of(definition)
            if resolve is not None and is_leaf_type(named_type):
                kind = Kind.LEAF
            elif resolve is not None and is_object_type(named_type):
                kind = Kind.OBJECT
        return PlannedField(
            response_name=response_name,
            kind=kind,
            resolve=resolve,
            field_def=field_def,
            return_type=return_type,
            named_type=named_type,
            non_null=is_non_null_type(return_type),
            strings_as_is=named_type in STRING_SCALARS,
            details=details,
            null_message=f"Cannot return null for non-nullable field {parent_type}.{field_name}.",
        )

"""Query limits: refuse hostile operations (deep, wide, aliased, costly) before they execute.

Every check runs before execution and refuses with a `GraphQLError` whose `extensions.code` names
the limit. Strawberry's own `QueryDepthLimiter`, `MaxAliasesLimiter` and `MaxTokensLimiter` are not
used: their errors carry no code and always echo the limit, and the first two re-walk a fragment
for every spread, which is exponential for a document whose fragments each spread the next twice.
Here each fragment is measured once per operation.

Measures, per operation, through fragment spreads and inline fragments:
- depth: fields on the deepest path, leaves included (`{ a { b } }` is 2); fragments add no level.
- aliases, directives: every occurrence, counted again for every spread of its fragment.
- root fields: fields selected at the top of the operation.
- cost: roughly the number of objects the response can hold. An object field costs 1, a scalar 0;
  a list field, or any field taking `first`/`last`, multiplies itself and its subtree by the page
  size (the argument, else `default_page_size`). Lists directly inside a paginated object (a
  connection's `edges`) are already covered by that multiplier and count once.
Introspection fields (`__schema`, `__type`, `__typename`) add no depth and no cost.

`first`/`last` given as a variable takes the request's value (graphql-core's `ValidationContext`
knows no variables, so the rule is built per request by `QueryLimiter`); a variable that is not an
integer counts as `max_page_size`, the largest page resolvers serve.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from graphql.language import (
    SKIP,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    Lexer,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    ValueNode,
    VariableNode,
)
from graphql.type.definition import GraphQLField
from strawberry.extensions import SchemaExtension

from api.errors import ErrorCode

_PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class QueryLimits:
    """Limits applied to every operation; the defaults match or beat graphql-armor's."""

    max_depth: int = 6
    max_aliases: int = 15
    max_directives: int = 50
    max_tokens: int = 1000
    # graphql-armor has no such limit. A screen of the portal needs a handful of root fields
    # (account, orders, reservations, consents, policy, contact); ten leaves room for that while
    # bounding how many independent root resolvers, or mutations, one request fans out to.
    max_root_fields: int = 10
    max_cost: int = 5000
    default_page_size: int = 20
    max_page_size: int = 100
    # Development only: production messages must not let a client probe the limits.
    echo_limits: bool = False


def limit_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Extension factories for `strawberry.Schema(extensions=[...])`, one instance per request."""
    return [partial(QueryLimiter, limits)]


class QueryLimiter(SchemaExtension):
    """Bounds the parser by `max_tokens` and adds the per-operation limit rule to validation."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        # The parser stops at the limit, so an oversized document never costs a full parse.
        context.parse_options["max_lexical_tokens"] = self.limits.max_tokens  # type: ignore[typeddict-unknown-key]
        variables = context.variables if isinstance(context.variables, Mapping) else {}
        context.validation_rules = (
            *context.validation_rules,
            _operation_limits_rule(self.limits, _page_size_variables(variables)),
        )
        try:
            yield
        except GraphQLError as error:
            # ParserCache parses inside its own hook, so there the parser's refusal is raised
            # out of the operation instead of being returned.
            self._label_if_too_long(error)
            raise

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is None and context.pre_execution_errors:
            self._label_if_too_long(context.pre_execution_errors[0])

    def _label_if_too_long(self, error: GraphQLError) -> None:
        query = self.execution_context.query
        if query is None or not _exceeds_token_limit(query, self.limits.max_tokens):
            return
        # Strawberry already handed this error object to the response, so it is relabelled in
        # place. Its location would tell where the count ran out, so that goes too.
        error.message = _message(
            ErrorCode.TOO_MANY_TOKENS, None, self.limits.max_tokens, self.limits
        )
        error.extensions = {"code": ErrorCode.TOO_MANY_TOKENS}
        error.locations = error.positions = error.nodes = error.source = None


def _exceeds_token_limit(query: str, limit: int) -> bool:
    """Count lexical tokens the way graphql-core's `max_lexical_tokens` does (no comments)."""
    lexer = Lexer(Source(query))
    try:
        for _ in range(limit + 1):
            if lexer.advance().kind is TokenKind.EOF:
                return False
    except GraphQLError:
        return False  # a lexical error, which the parser's own message already explains
    return True


_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.QUERY_TOO_DEEP: (
        "query is too deep",
        "query depth {value} exceeds the limit of {limit}",
    ),
    ErrorCode.TOO_MANY_ALIASES: (
        "query uses too many aliases",
        "query uses {value} aliases, the limit is {limit}",
    ),
    ErrorCode.TOO_MANY_DIRECTIVES: (
        "query uses too many directives",
        "query uses {value} directives, the limit is {limit}",
    ),
    ErrorCode.TOO_MANY_TOKENS: ("query has too many tokens", "query has more than {limit} tokens"),
    ErrorCode.TOO_MANY_ROOT_FIELDS: (
        "query selects too many root fields",
        "query selects {value} root fields, the limit is {limit}",
    ),
    ErrorCode.QUERY_TOO_COSTLY: (
        "query is too costly",
        "query cost {value} exceeds the limit of {limit}",
    ),
}


def _message(code: ErrorCode, value: int | None, limit: int, limits: QueryLimits) -> str:
    terse, detailed = _MESSAGES[code]
    return detailed.format(value=value, limit=limit) if limits.echo_limits else terse


@dataclass(frozen=True, slots=True)
class _Measure:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    fields: int = 0
    cost: int = 0

    def beside(self, other: "_Measure") -> "_Measure":
        """Combine two selections made at the same level."""
        return _Measure(
            depth=max(self.depth, other.depth),
            aliases=self.aliases + other.aliases,
            directives=self.directives + other.directives,
            fields=self.fields + other.fields,
            cost=self.cost + other.cost,
        )


_NOTHING = _Measure()


# Any variable value but an integer or null: a page size given so counts as `max_page_size`.
_NOT_AN_INTEGER = "not an integer"


def _page_size_variables(variables: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The variables as the limits read them (an integer, null, or neither): a cursor, a name
    or an id all read the same, so requests that differ only there share one rule class, and
    the validation cache (`api.graphql.extensions.validation_cache`) can know the document
    passed."""
    return tuple(
        sorted(
            (name, value if value is None or _is_integer(value) else _NOT_AN_INTEGER)
            for name, value in variables.items()
        )
    )


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@lru_cache(maxsize=256)
def _operation_limits_rule(
    limits: QueryLimits, page_size_variables: tuple[tuple[str, Any], ...]
) -> type[ValidationRule]:
    variables = dict(page_size_variables)

    class OperationLimitsRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> Any:
            measure = _OperationMeasurer(self.context, limits, variables, node).measure()
            checks = (
                (ErrorCode.QUERY_TOO_DEEP, measure.depth, limits.max_depth),
                (ErrorCode.TOO_MANY_ALIASES, measure.aliases, limits.max_aliases),
                (ErrorCode.TOO_MANY_DIRECTIVES, measure.directives, limits.max_directives),
                (ErrorCode.TOO_MANY_ROOT_FIELDS, measure.fields, limits.max_root_fields),
                (ErrorCode.QUERY_TOO_COSTLY, measure.cost, limits.max_cost),
            )
            for code, value, limit in checks:
                if value > limit:
                    self.report_error(
                        GraphQLError(
                            _message(code, value, limit, limits), node, extensions={"code": code}
                        )
                    )
            return SKIP

    return OperationLimitsRule


class _OperationMeasurer:
    """Measures one operation, each named fragment once.

    Rules that run alongside (KnownTypeNames, FieldsOnCorrectType, NoFragmentCycles, ...) report
    what is invalid; here anything unknown simply measures as nothing, and a spread that closes a
    fragment cycle adds nothing, so the walk always ends.
    """

    def __init__(
        self,
        context: ValidationContext,
        limits: QueryLimits,
        variables: Mapping[str, Any],
        operation: OperationDefinitionNode,
    ) -> None:
        self._context = context
        self._limits = limits
        self._operation = operation
        self._variables = {
            definition.variable.name.value: int(definition.default_value.value)
            for definition in operation.variable_definitions or ()
            if isinstance(definition.default_value, IntValueNode)
        } | dict(variables)
        # Keyed by whether the fragment sits right inside a connection, which changes its cost.
        self._fragments: dict[tuple[str, bool], _Measure] = {}
        self._entered: set[str] = set()

    def measure(self) -> _Measure:
        operation = self._operation
        root = self._context.schema.get_root_type(operation.operation)
        measure = self._selections(operation.selection_set, root, in_connection=False)
        directives = len(operation.directives or ()) + sum(
            len(definition.directives or ()) for definition in operation.variable_definitions or ()
        )
        return measure.beside(_Measure(directives=directives))

    def _selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        *,
        in_connection: bool,
    ) -> _Measure:
        measure = _NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found = self._field(selection, parent, in_connection=in_connection)
            elif isinstance(selection, InlineFragmentNode):
                found = self._inline_fragment(selection, parent, in_connection=in_connection)
            elif isinstance(selection, FragmentSpreadNode):
                found = self._spread(selection, in_connection=in_connection)
            else:
                found = _NOTHING
            measure = measure.beside(found)
        return measure

    def _field(
        self, node: FieldNode, parent: GraphQLNamedType | None, *, in_connection: bool
    ) -> _Measure:
        definition = _field_definition(parent, node.name.value)
        if definition is None:
            named, paginated, returns_list = None, False, False
        else:
            named = get_named_type(definition.type)
            paginated = not definition.args.keys().isdisjoint(_PAGE_ARGUMENTS)
            returns_list = is_list_type(get_nullable_type(definition.type))
        below = self._selections(
            node.selection_set, named, in_connection=paginated and not returns_list
        )
        aliases = (1 if node.alias else 0) + below.aliases
        directives = len(node.directives or ()) + below.directives
        if node.name.value.startswith("__"):
            return _Measure(aliases=aliases, directives=directives, fields=1)
        if paginated:
            multiplier = self._page_size(node)
        elif returns_list and not in_connection:
            multiplier = self._limits.default_page_size
        else:
            multiplier = 1
        own = 1 if named is not None and is_composite_type(named) else 0
        return _Measure(
            depth=1 + below.depth,
            aliases=aliases,
            directives=directives,
            fields=1,
            cost=multiplier * (own + below.cost),
        )

    def _inline_fragment(
        self, node: InlineFragmentNode, parent: GraphQLNamedType | None, *, in_connection: bool
    ) -> _Measure:
        if node.type_condition is not None:
            parent = self._context.schema.get_type(node.type_condition.name.value)
        below = self._selections(node.selection_set, parent, in_connection=in_connection)
        return below.beside(_Measure(directives=len(node.directives or ())))

    def _spread(self, node: FragmentSpreadNode, *, in_connection: bool) -> _Measure:
        name = node.name.value
        own = _Measure(directives=len(node.directives or ()))
        key = (name, in_connection)
        if key not in self._fragments:
            fragment = self._context.get_fragment(name)
            if fragment is None or name in self._entered:
                return own
            self._entered.add(name)
            parent = self._context.schema.get_type(fragment.type_condition.name.value)
            below = self._selections(fragment.selection_set, parent, in_connection=in_connection)
            self._entered.discard(name)
            self._fragments[key] = below.beside(_Measure(directives=len(fragment.directives or ())))
        return self._fragments[key].beside(own)

    def _page_size(self, node: FieldNode) -> int:
        sizes = [
            self._argument_page_size(argument.value)
            for argument in node.arguments or ()
            if argument.name.value in _PAGE_ARGUMENTS
        ]
        return max(sizes, default=self._limits.default_page_size)

    def _argument_page_size(self, value: ValueNode) -> int:
        if isinstance(value, VariableNode):
            given = self._variables.get(value.name.value)
            if given is None:
                return self._limits.default_page_size
            if _is_integer(given):
                return max(given, 0)
            return self._limits.max_page_size
        if isinstance(value, IntValueNode):
            return max(int(value.value), 0)
        # `null` means the argument's default; other values fail ValuesOfCorrectTypeRule.
        return self._limits.default_page_size


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None

"""P-SEC-4: hostile queries are refused before execution; introspection and suggestions are gated.

A toy schema stands in for the real one, so each limit can be provoked on its own.
"""

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
import strawberry
import strawberry.schema.schema as strawberry_schema_module
from graphql import get_introspection_query
from strawberry.extensions import ParserCache
from strawberry.types import ExecutionContext

from api.errors import ErrorCode
from api.graphql.extensions.introspection import introspection_extension
from api.graphql.extensions.limits import QueryLimits, limit_extensions
from api.graphql.extensions.suggestions import suggestions_extension
from api.graphql.extensions.validation_cache import PassedDocuments, validation_cache_extension


@strawberry.enum
class Color(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Item:
    id: int

    @strawberry.field
    def name(self) -> str:
        return f"item {self.id}"

    @strawberry.field
    def parent(self) -> "Item":
        return Item(id=self.id + 1)

    @strawberry.field
    def children(self, first: int | None = None) -> list["Item"]:
        return [Item(id=self.id * 10 + n) for n in range(min(first or 2, 2))]

    @strawberry.field
    def siblings(self) -> list["Item"]:
        return [Item(id=self.id)]

    @strawberry.field
    def connection(self, first: int | None = None) -> "ItemConnection":
        return ItemConnection(edges=[ItemEdge(node=Item(id=self.id + 1))])


@strawberry.type
class ItemEdge:
    node: Item


@strawberry.type
class ItemConnection:
    edges: list[ItemEdge]


@strawberry.type
class Query:
    @strawberry.field
    def item(self) -> Item:
        return Item(id=1)

    @strawberry.field
    def items(self, first: int | None = None, last: int | None = None) -> list[Item]:
        return [Item(id=1)]

    @strawberry.field
    def color(self, color: Color) -> Color:
        return color


@dataclass
class Context:
    viewer: str | None  # None, "client" or "admin"


def is_admin(execution_context: ExecutionContext) -> bool:
    return execution_context.context.viewer == "admin"


def is_signed_in(execution_context: ExecutionContext) -> bool:
    return execution_context.context.viewer is not None


def make_schema(limits: QueryLimits | None = None, *, production: bool = True) -> strawberry.Schema:
    return strawberry.Schema(
        Query,
        extensions=[
            *limit_extensions(limits or QueryLimits()),
            introspection_extension(production=production, is_signed_in=is_signed_in),
            suggestions_extension(is_admin),
            validation_cache_extension(),
        ],
    )


SCHEMA = make_schema()
ECHOING = make_schema(QueryLimits(echo_limits=True))


async def run(
    query: str,
    schema: strawberry.Schema = SCHEMA,
    *,
    viewer: str | None = "client",
    variables: dict[str, Any] | None = None,
) -> strawberry.types.ExecutionResult:
    return await schema.execute(query, variable_values=variables, context_value=Context(viewer))


async def codes(query: str, schema: strawberry.Schema = SCHEMA, **kwargs: Any) -> list[str | None]:
    result = await run(query, schema, **kwargs)
    return [(error.extensions or {}).get("code") for error in result.errors or ()]


def nested(field: str, depth: int, leaf: str = "id") -> str:
    return "{ item { " + f"{field} {{ " * (depth - 2) + leaf + " }" * (depth - 2) + " } }"


def measured(message: str) -> int:
    """The measured value from a development message like 'query cost 30 exceeds ...'."""
    return int(next(word for word in message.split() if word.isdigit()))


async def test_p_sec_4_a_query_within_every_limit_runs() -> None:
    query = """
      query Ok($n: Int = 5) {
        item { id name parent { name } children(first: $n) { id } }
        one: items(first: 2) { id @include(if: true) }
        __typename
      }
    """
    result = await run(query)
    assert result.errors is None
    assert result.data["item"]["parent"]["name"] == "item 2"


async def test_p_sec_4_depth_above_six_is_refused_and_six_passes() -> None:
    assert await codes(nested("parent", 6)) == []
    assert await codes(nested("parent", 7)) == [ErrorCode.QUERY_TOO_DEEP]


async def test_p_sec_4_depth_follows_fragment_spreads_and_inline_fragments() -> None:
    query = """
      { item { ...Deep } }
      fragment Deep on Item { parent { ... on Item { parent { ...Deeper } } } }
      fragment Deeper on Item { parent { parent { parent { id } } } }
    """
    result = await run(query, ECHOING)
    assert [measured(error.message) for error in result.errors] == [7]
    assert result.errors[0].extensions == {"code": ErrorCode.QUERY_TOO_DEEP}


async def test_p_sec_4_more_than_fifteen_aliases_are_refused() -> None:
    def aliased(count: int) -> str:
        return "{ item { " + " ".join(f"a{n}: name" for n in range(count)) + " } }"

    assert await codes(aliased(15)) == []
    assert await codes(aliased(16)) == [ErrorCode.TOO_MANY_ALIASES]


async def test_p_sec_4_aliases_count_once_per_spread() -> None:
    query = """
      { item { ...Three a: parent { ...Three } b: parent { ...Three } c: parent { ...Three } } }
      fragment Three on Item { x: id y: id z: id }
    """
    assert await codes(query) == []  # 3 + 4 * 3 = 15
    assert await codes(query.replace("{ ...Three } }", "{ ...Three } d: id }")) == [
        ErrorCode.TOO_MANY_ALIASES
    ]


async def test_p_sec_4_more_than_fifty_directives_are_refused() -> None:
    def directed(count: int) -> str:
        # A directive may appear once per location, so each sits on its own copy of the field.
        return "{ item { " + "id @include(if: true) " * count + "} }"

    assert await codes(directed(50)) == []
    assert await codes(directed(51)) == [ErrorCode.TOO_MANY_DIRECTIVES]


async def test_p_sec_4_more_than_a_thousand_tokens_are_refused_before_parsing() -> None:
    # "{ item {" and "} }" are 5 tokens, each field one more. (Around 900 copies of one field,
    # graphql-core's OverlappingFieldsCanBeMergedRule gives up, hence the two names.)
    assert await codes("{ item { " + "id name " * 497 + "id } }") == []
    result = await run("{ item { " + "id name " * 498 + "} }")
    assert [error.formatted for error in result.errors] == [
        {"message": "query has too many tokens", "extensions": {"code": ErrorCode.TOO_MANY_TOKENS}}
    ]


async def test_p_sec_4_tokens_are_refused_with_a_code_under_the_parser_cache() -> None:
    schema = strawberry.Schema(
        Query, extensions=[lambda: ParserCache(maxsize=8), *limit_extensions(QueryLimits())]
    )
    result = await run("{ item { " + "id name " * 600 + "} }", schema)
    assert [error.formatted for error in result.errors] == [
        {"message": "query has too many tokens", "extensions": {"code": ErrorCode.TOO_MANY_TOKENS}}
    ]


def test_p_sec_4_tokens_are_refused_on_the_synchronous_path_too() -> None:
    result = SCHEMA.execute_sync("{ item { " + "id " * 2000 + "} }", context_value=Context(None))
    assert [error.extensions for error in result.errors] == [{"code": ErrorCode.TOO_MANY_TOKENS}]


async def test_p_sec_4_a_syntax_error_in_a_short_query_keeps_its_own_message() -> None:
    result = await run("{ item { id }")
    assert result.errors[0].message.startswith("Syntax Error")
    assert not result.errors[0].extensions


async def test_p_sec_4_more_than_ten_root_fields_are_refused() -> None:
    def rooted(count: int) -> str:
        return "{ " + " ".join(f"r{n}: item {{ id }}" for n in range(count)) + " }"

    assert await codes(rooted(10)) == []
    assert await codes(rooted(11)) == [ErrorCode.TOO_MANY_ROOT_FIELDS]


async def test_p_sec_4_cost_multiplies_lists_by_first() -> None:
    # 50 items, each with 50 children: 50 * (1 + 50 * 1).
    assert await codes("{ items(first: 50) { children(first: 50) { id } } }") == []
    result = await run("{ items(first: 100) { children(first: 100) { id } } }", ECHOING)
    assert result.errors[0].extensions == {"code": ErrorCode.QUERY_TOO_COSTLY}
    assert measured(result.errors[0].message) == 100 * (1 + 100)


async def test_p_sec_4_cost_uses_last_and_the_default_page_size() -> None:
    result = await run("{ items(last: 100) { siblings { children { id } } } }", ECHOING)
    assert measured(result.errors[0].message) == 100 * (1 + 20 * (1 + 20))


async def test_p_sec_4_cost_takes_a_connections_page_once() -> None:
    query = "{ item { connection(first: 100) { edges { node { children(first: 10) { id } } } } } }"
    result = await run(query, make_schema(QueryLimits(max_cost=0, echo_limits=True)))
    # item 1 + connection 100 * (itself 1 + edges 1 * (1 + node (1 + children 10)))
    assert measured(result.errors[0].message) == 1 + 100 * (1 + 1 + 1 + 10)


async def test_p_sec_4_cost_follows_fragments() -> None:
    query = """
      { items(first: 100) { ...Kids } }
      fragment Kids on Item { ... on Item { children(first: 100) { id } } }
    """
    assert await codes(query) == [ErrorCode.QUERY_TOO_COSTLY]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"n": 5}, []),
        ({"n": 100}, [ErrorCode.QUERY_TOO_COSTLY]),
        ({}, [ErrorCode.QUERY_TOO_COSTLY]),  # the declared default, 100
        ({"n": None}, []),  # null: the default page size, 20 * 21
        ({"n": "5"}, [ErrorCode.QUERY_TOO_COSTLY]),  # not an integer: counted as max_page_size
    ],
)
async def test_p_sec_4_cost_reads_variable_page_sizes(
    variables: dict[str, Any], expected: list[str]
) -> None:
    query = "query($n: Int = 100) { items(first: $n) { children(first: $n) { id } } }"
    assert await codes(query, variables=variables) == expected


async def test_p_sec_4_fragment_cycles_end() -> None:
    query = """
      { item { ...A } }
      fragment A on Item { parent { ...B } }
      fragment B on Item { parent { ...A } }
    """
    result = await run(query)
    assert result.data is None
    assert any("Cannot spread fragment" in error.message for error in result.errors)


async def test_p_sec_4_doubling_fragments_are_measured_in_linear_time() -> None:
    # F0 spreads F1 twice, F1 spreads F2 twice, ...: 2**24 aliases once expanded.
    levels = 24
    fragments = " ".join(
        f"fragment F{n} on Item {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)
    )
    query = "{ item { ...F0 } } " + fragments + f" fragment F{levels} on Item {{ x: id }}"
    started = time.perf_counter()
    assert await codes(query) == [ErrorCode.TOO_MANY_ALIASES]
    assert time.perf_counter() - started < 2


async def test_p_sec_4_production_messages_hide_the_limits() -> None:
    queries = [
        nested("parent", 9),
        "{ item { " + " ".join(f"a{n}: id" for n in range(20)) + " } }",
        "{ item { " + "id @skip(if: false) " * 60 + "} }",
        "{ " + " ".join(f"r{n}: item {{ id }}" for n in range(12)) + " }",
        "{ items(first: 100) { children(first: 100) { id } } }",
        "{ item { " + "id " * 1200 + "} }",
    ]
    for query in queries:
        for error in (await run(query)).errors:
            assert not any(character.isdigit() for character in error.message), error.message


async def test_p_sec_4_development_messages_echo_the_limits() -> None:
    result = await run(nested("parent", 9), ECHOING)
    assert result.errors[0].message == "query depth 9 exceeds the limit of 6"


async def test_p_sec_4_introspection_does_not_count_toward_depth_or_cost() -> None:
    assert await codes(get_introspection_query(descriptions=True)) == []
    deep = "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }"
    assert await codes(deep) == []


async def test_p_sec_4_anonymous_introspection_is_refused_in_production() -> None:
    query = '{ __schema { queryType { name } } __type(name: "Item") { name } }'
    assert await codes(query, viewer=None) == [
        ErrorCode.INTROSPECTION_DISABLED,
        ErrorCode.INTROSPECTION_DISABLED,
    ]
    assert await codes(query, viewer="client") == []
    assert await codes(query, viewer="admin") == []
    assert await codes(query, make_schema(production=False), viewer=None) == []


async def test_p_sec_4_anonymous_callers_keep_typename() -> None:
    result = await run("{ __typename item { __typename } }", viewer=None)
    assert result.errors is None


async def test_p_sec_4_suggestions_are_hidden_from_non_admins() -> None:
    for viewer in (None, "client"):
        result = await run("{ item { nmae } }", viewer=viewer)
        assert result.errors[0].message == "Cannot query field 'nmae' on type 'Item'."


async def test_p_sec_4_suggestions_are_kept_for_admins() -> None:
    result = await run("{ item { nmae } }", viewer="admin")
    assert "Did you mean 'name'?" in result.errors[0].message


async def test_p_sec_4_execution_errors_lose_suggestions_too() -> None:
    query = "query($c: Color!) { color(color: $c) }"
    hidden = await run(query, variables={"c": "REDD"})
    shown = await run(query, variables={"c": "REDD"}, viewer="admin")
    assert "Did you mean" not in hidden.errors[0].message
    assert "'REDD'" in hidden.errors[0].message
    assert "Did you mean the enum value 'RED'?" in shown.errors[0].message


async def test_p_sec_4_a_document_that_passed_is_not_validated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = make_schema()
    validated: list[object] = []
    real_validate = strawberry_schema_module.validate_document

    def counting(*args: Any) -> Any:
        validated.append(args[1])
        return real_validate(*args)

    monkeypatch.setattr(strawberry_schema_module, "validate_document", counting)
    query = "query($n: Int, $c: Color!) { items(first: $n) { id name } color(color: $c) }"
    # Variables that are no page size (here an enum; a cursor alike) share the pass.
    for color in ("RED", "GREEN", "RED"):
        assert await codes(query, schema, variables={"n": 3, "c": color}) == []
    assert len(validated) == 1
    # Another caller brings other rules (no introspection gate for a signed-in client).
    assert await codes(query, schema, viewer=None, variables={"n": 3, "c": "RED"}) == []
    assert len(validated) == 2


async def test_p_sec_4_a_cached_pass_does_not_let_a_larger_page_through() -> None:
    schema = make_schema()
    query = "query($n: Int) { items(first: $n) { children(first: $n) { id } } }"
    assert await codes(query, schema, variables={"n": 5}) == []
    assert await codes(query, schema, variables={"n": 100}) == [ErrorCode.QUERY_TOO_COSTLY]
    assert await codes(query, schema, variables={"n": "100"}) == [ErrorCode.QUERY_TOO_COSTLY]
    assert await codes(query, schema, variables={"n": 5}) == []


async def test_p_sec_4_refusals_are_not_cached_so_suggestions_stay_per_viewer() -> None:
    schema = make_schema()
    for viewer in ("client", "admin", "client"):
        result = await run("{ item { nmae } }", schema, viewer=viewer)
        has_suggestion = "Did you mean 'name'?" in result.errors[0].message
        assert has_suggestion is (viewer == "admin")


def test_the_validation_cache_forgets_the_least_recently_used() -> None:
    passed = PassedDocuments(maxsize=2)
    passed.add(("a",))
    passed.add(("b",))
    assert ("a",) in passed  # now the most recent
    passed.add(("c",))
    assert len(passed) == 2
    assert ("b",) not in passed
    assert ("a",) in passed and ("c",) in passed

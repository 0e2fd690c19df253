"""Relay cursor connections over the primary key, newest first (keyset: page 1000 costs page 1).

`first`/`after` page forward (older rows), `last`/`before` page back (newer rows); `after` and
`before` may bound one window together. The rows of a page are read with one more than asked,
which answers whether more follow in the direction of reading. Whether rows lie on the other
side of the page (`hasPreviousPage` when reading forward, `hasNextPage` when reading back) is
asked of the database only when a cursor was given and the client selects the field: one
statement per list, or per nested list field for all parents at once (api.graphql.loaders), so
the statement count stays flat in the page size.
"""

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from tortoise.queryset import QuerySet, ValuesListQuery

from api.errors import invalid
from models.records import Record
from models.statements import Statement
from plugins.base import Narrowing, narrowed

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Row = TypeVar("Row")
Node = TypeVar("Node")

# Whether rows exist beyond the page on one side, asked only when a client selects it.
Beyond = Callable[[], Awaitable[bool]]
# Whether rows exist newer (True) or older (False) than a key, the key itself included or not.
OtherSide = Callable[[bool, int, bool], Awaitable[bool]]


def known(answer: bool) -> Beyond:
    async def beyond() -> bool:
        return answer

    return beyond


@strawberry.type
class PageInfo:
    start_cursor: str | None = strawberry.field(description="The cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last edge.")
    next_rows: strawberry.Private[Beyond]
    previous_rows: strawberry.Private[Beyond]

    @strawberry.field(description="Whether rows follow the last edge (page on with `after`).")
    async def has_next_page(self) -> bool:
        return await self.next_rows()

    @strawberry.field(
        description="Whether rows precede the first edge (page back with `last` and `before`)."
    )
    async def has_previous_page(self) -> bool:
        return await self.previous_rows()


@strawberry.type
class Edge(Generic[Node]):
    node: Node
    cursor: str


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(kind: str, cursor: str, field: str) -> int:
    try:
        found_kind, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if found_kind == kind:
            return int(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid(field, "not a cursor of this list")


def page_size(value: int | None, field: str) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not 0 < value <= MAX_PAGE_SIZE:
        raise invalid(field, f"{field} must be between 1 and {MAX_PAGE_SIZE}")
    return value


@dataclass(frozen=True)
class PageRequest:
    """What a list field was asked for, checked: hashable, so loaders can group by it."""

    kind: str
    size: int
    # Reading back from `before` (or from the oldest row): `last` was given, or `before` alone.
    backward: bool
    after: int | None
    before: int | None

    @classmethod
    def of(
        cls,
        kind: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> "PageRequest":
        if first is not None and last is not None:
            raise invalid("last", "give first or last, not both")
        backward = last is not None or (before is not None and first is None)
        return cls(
            kind=kind,
            size=page_size(last, "last") if backward else page_size(first, "first"),
            backward=backward,
            after=None if after is None else decode_cursor(kind, after, "after"),
            before=None if before is None else decode_cursor(kind, before, "before"),
        )

    def ordered(self, query: QuerySet) -> QuerySet:
        """`query` inside the cursors, in reading order, nearest rows first (not limited)."""
        if self.after is not None:
            query = query.filter(id__lt=self.after)
        if self.before is not None:
            query = query.filter(id__gt=self.before)
        return query.order_by("id" if self.backward else "-id")

    def page(self, read: Sequence[Row], other_side: OtherSide) -> "Page[Row]":
        """The page from rows read in reading order, one more than the page if there are."""
        rows = list(read[: self.size])
        more = known(len(read) > self.size)
        if self.backward:
            rows.reverse()
        keys: list[int] = [row.id for row in rows]  # type: ignore[attr-defined]
        # Past the page in reading order is known from the read; the other side is asked for.
        other = self._beyond(other_side, not self.backward, keys)
        if self.backward:
            return Page(rows, self, next_rows=other, previous_rows=more)
        return Page(rows, self, next_rows=more, previous_rows=other)

    def _beyond(self, other_side: OtherSide, newer: bool, keys: list[int]) -> Beyond:
        cursor = self.after if newer else self.before
        if cursor is None:
            # The page starts at the end of the list on that side.
            return known(False)
        if not keys:
            return lambda: other_side(newer, cursor, True)
        return lambda: other_side(newer, keys[0] if newer else keys[-1], False)


@dataclass
class Page(Generic[Row]):
    """One page of rows, newest first, and how to learn what lies beyond it."""

    rows: list[Row]
    request: PageRequest
    next_rows: Beyond
    previous_rows: Beyond


def other_side_of(query_of: Callable[[], QuerySet]) -> OtherSide:
    """Asks the list without cursors (made by `query_of` only then) whether rows lie past a
    key."""

    async def other_side(newer: bool, key: int, inclusive: bool) -> bool:
        comparison = ("gt" if newer else "lt") + ("e" if inclusive else "")
        return bool(await query_of().filter(**{f"id__{comparison}": key}).exists())

    return other_side


async def newest_first(query: QuerySet, request: PageRequest) -> Page[Any]:
    """One page of `query` and one row more, in one statement."""
    read = await request.ordered(query).limit(request.size + 1)
    return request.page(read, other_side_of(lambda: query))


R = TypeVar("R", bound=Record)


class RecordPages(Generic[R]):
    """Pages of a table narrowed by filters (`plugins.base.Narrowing`), newest first, read as
    records (`models.records`). The page query is made into SQL once per shape (the filters'
    shapes and the page's size and direction) and run with each request's values (the filters'
    own, the cursors): building a narrowed page query costs more than running it."""

    def __init__(self, record: type[R]) -> None:
        self._record = record
        self._statement = Statement[list[Any]](record.MODEL, self._query)

    async def page(self, narrowings: Sequence[Narrowing], request: PageRequest) -> Page[R]:
        params: dict[str, Any] = {}
        for index, narrowing in enumerate(narrowings):
            params |= {f"{index}:{name}": value for name, value in narrowing.params.items()}
        if request.after is not None:
            params["after"] = request.after
        if request.before is not None:
            params["before"] = request.before
        filters = tuple((n.build, n.shape, tuple(n.params)) for n in narrowings)
        cursors = (request.after is not None, request.before is not None)
        shape = (filters, request.kind, request.size, request.backward, cursors)
        make = self._record.of_row
        read = [make(row) for row in await self._statement.rows(shape, **params)]
        model = self._record.MODEL
        return request.page(read, other_side_of(lambda: narrowed(model.all(), narrowings)))

    def _query(self, shape: tuple[Any, ...], **params: Any) -> ValuesListQuery:
        filters, kind, size, backward, (after, before) = shape
        narrowings = [
            Narrowing(build, filter_shape, {name: params[f"{index}:{name}"] for name in names})
            for index, (build, filter_shape, names) in enumerate(filters)
        ]
        request = PageRequest(
            kind,
            size,
            backward,
            after=params["after"] if after else None,
            before=params["before"] if before else None,
        )
        page = request.ordered(narrowed(self._record.MODEL.all(), narrowings)).limit(size + 1)
        return page.values_list(*self._record.selected())


def connection(page: Page[Row], node: Callable[[Row], Node]) -> Connection[Node]:
    kind = page.request.kind
    edges = [Edge(node=node(row), cursor=encode_cursor(kind, row.id)) for row in page.rows]  # type: ignore[attr-defined]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            next_rows=page.next_rows,
            previous_rows=page.previous_rows,
        ),
    )

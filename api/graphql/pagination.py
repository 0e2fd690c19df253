"""Cursor pagination: opaque cursors over the primary key (keyset, so page 1000 costs page 1)."""

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry
from tortoise.queryset import QuerySet

from api.errors import invalid

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Row = TypeVar("Row")
Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


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


def decode_cursor(kind: str, cursor: str) -> int:
    try:
        found_kind, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if found_kind == kind:
            return int(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid("after", "not a cursor of this list")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 < first <= MAX_PAGE_SIZE:
        raise invalid("first", f"first must be between 1 and {MAX_PAGE_SIZE}")
    return first


def newest_first(query: QuerySet, kind: str, first: int | None, after: str | None) -> QuerySet:
    """One page and one row more (to know whether there is a next page), newest first."""
    if after is not None:
        query = query.filter(id__lt=decode_cursor(kind, after))
    return query.order_by("-id").limit(page_size(first) + 1)


def connection(
    rows: Sequence[Row], kind: str, first: int | None, node: Callable[[Row], Node]
) -> Connection[Node]:
    size = page_size(first)
    page = rows[:size]
    edges = [Edge(node=node(row), cursor=encode_cursor(kind, row.id)) for row in page]  # type: ignore[attr-defined]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None
        ),
    )

"""What every type backed by a table row shares: the row and an opaque id. Rows that hold a
person's data also carry their data subject, which the consent engine decides on; such nodes are
made only by `subject_nodes`, which prepares their decisions first, so a personal field decides
by look-up (P-SEC-3) and no resolver has to remember to prepare."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import strawberry
from graphql.pyutils import Path

from api.graphql.context import RequestContext
from api.graphql.pagination import Connection, Page, connection
from api.graphql.row_fields import row_field
from plugins.subject import Subject


def row_id(node: "RowNode", _context: RequestContext, _path: Path) -> strawberry.ID:
    return strawberry.ID(str(node.row.id))


@strawberry.type
class RowNode:
    row: strawberry.Private[Any]
    id = row_field(row_id, strawberry.ID)


@strawberry.type
class SubjectNode(RowNode):
    subject: strawberry.Private[Subject]


Row = TypeVar("Row")
Node = TypeVar("Node", bound=SubjectNode)


async def subject_nodes(
    context: RequestContext,
    rows: Sequence[Row],
    subject_of: Callable[[Row], Subject],
    build: Callable[[Row, Subject], Node],
) -> list[Node]:
    """One node per row, every subject prepared in one batch (one query per plugin)."""
    subjects = [subject_of(row) for row in rows]
    await context.decisions.prepare(subjects)
    return [build(row, subject) for row, subject in zip(rows, subjects, strict=True)]


async def subject_connection(
    context: RequestContext,
    page: Page[Row],
    subject_of: Callable[[Row], Subject],
    build: Callable[[Row, Subject], Node],
) -> Connection[Node]:
    """A page of subject nodes, every subject prepared in one batch."""
    nodes = iter(await subject_nodes(context, page.rows, subject_of, build))
    return connection(page, lambda _row: next(nodes))

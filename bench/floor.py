"""Strawberry's own floor: the API client's 100-row page served from memory, nothing else.

What a Strawberry app must pay to answer `{ accounts(first: 100) { edges { node { id phone email
name company province city } } } }` at all: uvicorn (one process, the same HTTP stack as
`consentql serve`), a Starlette route, Strawberry's ASGI view (parse, validate, execute, JSON),
graphql-core executing 100 edges x 7 fields through consentql's own `Connection`/`Edge` types
and `connection()` (cursors included), and one async resolver, as consentql's `accounts` is.
The rows are plain objects with plain attributes read by Strawberry's default resolver: no
database, no ORM model, no consent engine, no ledger, no middleware, no authentication, no query
limits. Like consentql, it parses and validates a document once (Strawberry's own ParserCache and
ValidationCache extensions, where consentql has ParserCache and a cache of its own): without them
the floor would parse and validate every request, which consentql does not.

    python -m bench.floor --port 8001 --rows rows.json

`rows.json` holds the page's nodes as a JSON list of objects with the seven fields (bench.peer
writes it from consentql's own answer, so the floor serves the same document).
"""

import argparse
import json
from pathlib import Path

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from api.accounts.types import ACCOUNT_CURSOR
from api.graphql.pagination import Connection, PageRequest, connection


@strawberry.type(name="Account")
class FloorAccount:
    id: strawberry.ID
    phone: str | None
    email: str | None
    name: str | None
    company: str | None
    province: str | None
    city: str | None


@strawberry.type
class Query:
    rows: strawberry.Private[list[FloorAccount]]

    @strawberry.field
    async def accounts(self, first: int | None = None) -> Connection[FloorAccount]:
        request = PageRequest.of(ACCOUNT_CURSOR, first)
        return connection(request.page(self.rows[: request.size + 1], nothing_beyond), identity)


async def nothing_beyond(_newer: bool, _key: int, _inclusive: bool) -> bool:
    # The floor serves the first page only: no cursor, so nothing is asked past it.
    return False


def identity(row: FloorAccount) -> FloorAccount:
    return row


class FloorGraphQL(GraphQL[None, Query]):
    def __init__(self, rows: list[FloorAccount]) -> None:
        schema = strawberry.Schema(
            query=Query,
            extensions=[lambda: ParserCache(maxsize=16), lambda: ValidationCache(maxsize=16)],
        )
        super().__init__(schema, graphql_ide=None)
        self.root = Query(rows=rows)

    async def get_root_value(self, request: Request) -> Query:  # type: ignore[override]
        return self.root


def floor_app(rows: list[FloorAccount]) -> Starlette:
    # Mounted as consentql mounts its view: the ASGI app itself as the route's endpoint.
    return Starlette(routes=[Route("/graphql", FloorGraphQL(rows), methods=["POST"])])


def load_rows(path: Path) -> list[FloorAccount]:
    return [FloorAccount(**node) for node in json.loads(path.read_text(encoding="utf-8"))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--rows", type=Path, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        floor_app(load_rows(args.rows)), host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()

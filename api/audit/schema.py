"""Who accessed my data (P-TRANSPARENCY-1)."""

import strawberry

from api.audit.history import Names, accesses_of
from api.audit.types import AccessEvent
from api.graphql.context import Info
from api.graphql.pagination import Connection, PageRequest, connection, newest_first

ACCESS_CURSOR = "access"


@strawberry.type
class AccessHistoryQueries:
    @strawberry.field(
        description="Reads of my data by API clients and admins, and its transfers to a "
        "successor, newest first."
    )
    async def my_access_history(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AccessEvent]:
        account_id = info.context.actor.account_id
        request = PageRequest.of(ACCESS_CURSOR, first, after, last, before)
        page = await newest_first(await accesses_of(account_id), request)
        names = await Names.of(page.rows)
        own_ref = f"account:{account_id}"
        return connection(page, lambda row: names.access(row, own_ref))  # type: ignore[arg-type,return-value]

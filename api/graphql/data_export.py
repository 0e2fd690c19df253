"""Download everything held about oneself (P-EXPORT-1)."""

import strawberry
from strawberry.scalars import JSON

from api.audit.events import record
from api.graphql.context import Info
from api.privacy.export import export_document


@strawberry.type
class DataExportQueries:
    @strawberry.field(
        description="Everything held about the signed-in person as one JSON document: account, "
        "sign-ins, device logs, orders, reservations, consents with receipts, requests, "
        "notifications and who accessed their data."
    )
    async def export_my_data(self, info: Info) -> JSON:
        context = info.context
        account = await context.account()
        document = await export_document(account)
        await record(context, f"account:{account.id}", "DATA_EXPORTED", {})
        return document

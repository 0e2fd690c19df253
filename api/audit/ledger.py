"""The access ledger: who saw whose data, on what basis (P-SEC-5, P-TRANSPARENCY-1).

Changes (consents, profile, requests) are recorded by `api.audit.events` inside their mutation.

Decisions are gathered through the request; the ledger writes them at the end in one insert, so
a 100-row list costs one statement, not one per field.
"""

from typing import TYPE_CHECKING

from models.audit import append_events

if TYPE_CHECKING:
    from api.graphql.context import RequestContext


class Ledger:
    async def record_reads(self, context: "RequestContext") -> None:
        entries = context.decisions.ledger_entries()
        if not entries:
            return
        await append_events(
            [
                {
                    "request_id": context.request_id,
                    "viewer_kind": str(context.viewer.kind),
                    "viewer_ref": context.viewer.ref,
                    "subject_ref": entry.subject_ref,
                    "action": "READ",
                    "categories_clear": entry.clear,
                    "categories_masked": entry.masked,
                    "categories_blocked": entry.blocked,
                    "basis": entry.basis,
                    "details": {},
                }
                for entry in entries
            ]
        )

"""The access ledger: who saw whose data, on what basis (P-SEC-5, P-TRANSPARENCY-1).

Decisions are gathered through the request; the ledger writes them once it is answered, in one
insert, so a 100-row list costs one statement, not one per field.
"""

from api.actor import Actor
from api.audit.events import read_events
from models.audit import append_events
from plugins.engine import RequestDecisions


class Ledger:
    async def record_reads(self, actor: Actor, decisions: RequestDecisions) -> None:
        entries = decisions.ledger_entries()
        if entries:
            await append_events(read_events(actor, entries))

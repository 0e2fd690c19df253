"""The access ledger's writer: group commit of one process's reads (P-SEC-5, P-TRANSPARENCY-1).

A request that showed personal data hands its entries to `Ledger.record` and waits until the
batch holding them is committed: nothing is shown that is not on record, and a failed write
fails every request of its batch, which then withholds its data
(`api.graphql.extensions.consent_report`).

Concurrent requests of one process share a transaction: while one batch is being written the
next one gathers, and is written as soon as the first is done. An idle process writes a lone
request's entries at once; nothing waits for a timer. Each batch is one link on one chain
(`models.audit_chain`), so processes never wait for each other's ledger writes.
"""

import asyncio
from collections.abc import Sequence

from api.actor import Actor
from api.audit.events import read_contents
from models.audit_chain import Content, append_contents
from plugins.engine import RequestDecisions

Entries = Sequence[Content]


class Ledger:
    """One per application (so one per process), started lazily in the running event loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gathering: list[tuple[Entries, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record_reads(self, actor: Actor, decisions: RequestDecisions) -> None:
        await self.record(read_contents(actor, decisions.ledger_entries()))

    async def record(self, entries: Entries) -> None:
        """Return once `entries` are committed; raise what made their batch fail."""
        if not entries:
            return
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new event loop (each test has its own): what the old one held ended with it.
            self._loop, self._gathering, self._writer = loop, [], None
        committed = loop.create_future()
        self._gathering.append((entries, committed))
        if self._writer is None:
            self._writer = loop.create_task(self._write_batches())
        await committed

    async def _write_batches(self) -> None:
        try:
            while self._gathering:
                batch, self._gathering = self._gathering, []
                try:
                    await append_contents([entry for entries, _ in batch for entry in entries])
                except Exception as error:
                    # This batch's requests withhold their data; the next batch tries afresh.
                    settle(batch, error)
                    continue
                except BaseException as error:
                    # Cancelled: the event loop is going away, with every request waiting.
                    settle([*batch, *self._gathering], error)
                    raise
                settle(batch, None)
        finally:
            self._writer = None


def settle(
    batch: list[tuple[Entries, "asyncio.Future[None]"]], error: BaseException | None
) -> None:
    for _, committed in batch:
        # A request that went away (client disconnect) cancelled its own wait.
        if committed.done():
            continue
        if error is None:
            committed.set_result(None)
        elif isinstance(error, Exception):
            committed.set_exception(error)
        else:
            committed.cancel()

"""`audit verify` and `audit checkpoint`: the proof that the ledger is whole (P-SEC-5).

Verify reads every link of every chain in (chain, position) order beside every entry in (chain,
link, id) order, both streamed along their indexes, and names, with the chain and position:
a link missing, doubled (a fork), out of line with the one before, whose MAC does not verify
under the configured audit keys (changed, or recomputed without the key), or whose entries are
not the ones it covers (changed, removed, added); an entry no link covers; a head that does not
match its chain's last link (a cut tail); a chain missing among its neighbours; the old events'
chain broken or not ending where the cut-over pinned it; and, against the latest checkpoint, a
chain that is shorter than recorded, missing, or whose recorded link is now another one.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.audit import AuditChain, LegacyAuditEvent
from models.audit_chain import (
    ENTRY_SELECT,
    GENESIS_MAC,
    LINK_COLUMNS,
    LINK_SELECT,
    Digest,
    Link,
    audit_keys,
    is_postgres,
    keyset,
    query,
    stored_datetime,
    stored_entry_line,
    utc_iso,
)
from models.audit_checkpoint import (
    Checkpoint,
    CheckpointInvalid,
    Heads,
    append_checkpoint,
    checkpoint_line,
    latest_checkpoint,
)
from models.audit_keys import AuditKeys
from models.audit_legacy import legacy_tail
from models.clock import utcnow

BATCH = 5000
LEGACY = "legacy"
CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class Problem:
    """Something `audit verify` found: where (a chain id, or "legacy" for the events recorded
    before the links, or "checkpoint" for the file) and what."""

    chain: int | str
    position: int | None
    what: str

    def __str__(self) -> str:
        where = self.chain if isinstance(self.chain, str) else f"chain {self.chain}"
        at = "" if self.position is None else f", position {self.position}"
        return f"{where}{at}: {self.what}"


@dataclass
class ChainSummary:
    chain: int
    links: int = 0
    entries: int = 0
    last_position: int = 0
    last_mac: str = GENESIS_MAC
    # The other links' MACs at the last position, where the chain forks: the next link may
    # follow any of them.
    forked: set[str] = field(default_factory=set)
    # Whether the link the checkpoint recorded for this chain was found, MAC and all.
    recorded_found: bool = False


@dataclass
class Report:
    chains: list[ChainSummary] = field(default_factory=list)
    legacy_events: int = 0
    checkpoint: Checkpoint | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "chains": [
                {
                    "chain": chain.chain,
                    "links": chain.links,
                    "entries": chain.entries,
                    "last_position": chain.last_position,
                }
                for chain in self.chains
            ],
            "entries": sum(chain.entries for chain in self.chains),
            "legacy_events": self.legacy_events,
            "checkpoint": (
                {"line": self.checkpoint.line, "taken_at": self.checkpoint.taken_at}
                if self.checkpoint
                else None
            ),
            "problems": [
                {"chain": p.chain, "position": p.position, "problem": p.what} for p in self.problems
            ],
        }


def _link(row: dict[str, Any]) -> Link:
    return Link(
        row["chain_id"],
        row["position"],
        stored_datetime(row["created_at"]),
        row["entries"],
        row["digest"],
        row["prev_mac"],
        row["key_id"],
        row["legacy_position"],
        row["legacy_hash"],
    )


def mac_problem(keys: AuditKeys, link: Link, mac: str) -> str | None:
    if not keys.holds(link.key_id):
        return (
            f"made under audit key {link.key_id}, which is not configured (a retired key "
            "belongs in CONSENTQL_PREVIOUS_AUDIT_KEYS; an unknown one means a forged link)"
        )
    if not keys.verifies(link.key_id, link.message(), mac):
        return "the link's MAC does not verify: the link was changed or made without the key"
    return None


class _Walk:
    """The state of one pass over the links and entries."""

    def __init__(self, keys: AuditKeys, heads: Heads, checkpoint: Checkpoint | None) -> None:
        self.keys = keys
        self.heads = heads
        self.checkpoint = checkpoint
        self.report = Report(checkpoint=checkpoint)
        self.chain: ChainSummary | None = None
        self.cut_over: list[Link] = []

    def problem(self, chain: int | str, position: int | None, what: str) -> None:
        self.report.problems.append(Problem(chain, position, what))

    def open(self, chain_id: int) -> ChainSummary:
        if self.chain is not None:
            self.close(self.chain)
        self.chain = ChainSummary(chain_id)
        self.report.chains.append(self.chain)
        return self.chain

    def close(self, chain: ChainSummary) -> None:
        head = self.heads.get(chain.chain)
        if head is None:
            self.problem(chain.chain, chain.last_position, "the chain's head row is missing")
        elif head[0] > chain.last_position:
            self.problem(
                chain.chain,
                chain.last_position + 1,
                f"links missing from here on: the head says the chain ends at {head[0]}",
            )
        elif head != (chain.last_position, chain.last_mac):
            self.problem(
                chain.chain,
                head[0],
                f"the head (position {head[0]}) does not match the chain's last link "
                f"(position {chain.last_position})",
            )
        if self.checkpoint is not None and chain.chain in self.checkpoint.heads:
            self.compare(chain, self.checkpoint)

    def compare(self, chain: ChainSummary, checkpoint: Checkpoint) -> None:
        position = checkpoint.heads[chain.chain][0]
        taken = f"the checkpoint of {checkpoint.taken_at}"
        if chain.last_position < position:
            self.problem(
                chain.chain,
                position,
                f"the chain ends at {chain.last_position}, {taken} recorded it at {position}",
            )
        elif position and not chain.recorded_found:
            self.problem(chain.chain, position, f"the link is not the one {taken} recorded")

    def link(self, row: dict[str, Any], digest: Digest) -> None:
        link = _link(row)
        chain = self.chain if self.chain and self.chain.chain == link.chain_id else None
        chain = chain or self.open(link.chain_id)
        at = link.position
        forks = chain.links and at == chain.last_position
        if forks:
            self.problem(chain.chain, at, "two links at this position: the chain forks")
        elif at > chain.last_position + 1:
            first = chain.last_position + 1
            missing = f"link {first} is" if first == at - 1 else f"links {first} to {at - 1} are"
            self.problem(chain.chain, first, f"{missing} missing")
        elif link.prev_mac != chain.last_mac and link.prev_mac not in chain.forked:
            self.problem(chain.chain, at, "the link does not follow the one before it")
        if (wrong := mac_problem(self.keys, link, row["mac"])) is not None:
            self.problem(chain.chain, at, wrong)
        if digest.count != link.entries:
            self.problem(
                chain.chain,
                at,
                f"the link covers {link.entries} entries and {digest.count} are there",
            )
        elif digest.hexdigest() != link.digest:
            self.problem(chain.chain, at, "the entries are not the ones the link covers")
        if link.legacy_position is not None:
            self.cut_over.append(link)
        chain.links += 1
        chain.entries += digest.count
        if forks:
            chain.forked.add(row["mac"])
        else:
            chain.last_position, chain.last_mac, chain.forked = at, row["mac"], set()
        recorded = self.checkpoint.heads.get(chain.chain) if self.checkpoint else None
        if recorded == (at, row["mac"]):
            chain.recorded_found = True

    def orphan(self, row: dict[str, Any]) -> None:
        self.problem(
            row["chain_id"],
            row["link_position"],
            f"entry {row['id']} is covered by no link",
        )

    def finish(self) -> None:
        if self.chain is not None:
            self.close(self.chain)
        linked = {chain.chain for chain in self.report.chains}
        for chain_id in sorted(self.heads):
            if chain_id in linked:
                continue
            summary = ChainSummary(chain_id)
            self.report.chains.append(summary)
            self.close(summary)
        known = linked | self.heads.keys()
        for chain_id in range(1, max(known, default=0)):
            if chain_id not in known:
                self.problem(chain_id, None, "the chain is missing (head, links and entries)")
        if self.checkpoint is not None:
            for chain_id, (position, _) in sorted(self.checkpoint.heads.items()):
                if chain_id not in known:
                    self.problem(
                        chain_id,
                        position,
                        f"the chain is missing; the checkpoint of {self.checkpoint.taken_at} "
                        f"recorded it at position {position}",
                    )
        self.report.chains.sort(key=lambda chain: chain.chain)


async def current_heads() -> Heads:
    return {
        chain_id: (position, mac)
        for chain_id, position, mac in await AuditChain.all().values_list(
            "id", "last_position", "last_mac"
        )
    }


@asynccontextmanager
async def snapshot() -> AsyncIterator[BaseDBAsyncClient]:
    """A read-only transaction that sees one moment of the ledger in every statement, so appends
    committed meanwhile neither show as links past their head nor as entries without a link."""
    async with in_transaction() as connection:
        if is_postgres(connection):
            await connection.execute_script(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            )
        yield connection


async def verify_ledger(checkpoint_path: Path | None) -> Report:
    """Everything `audit verify` checks (see the module's docstring); the checkpoint file is
    read when a path is given."""
    keys = audit_keys()
    checkpoint = None
    checkpoint_problem = None
    if checkpoint_path is not None:
        try:
            checkpoint = latest_checkpoint(checkpoint_path, keys)
        except CheckpointInvalid as error:
            checkpoint_problem = Problem(CHECKPOINT, error.line, error.reason)
    async with snapshot() as connection:
        walk = _Walk(keys, await current_heads(), checkpoint)
        if checkpoint_problem is not None:
            walk.report.problems.append(checkpoint_problem)
        entries = keyset(connection, ENTRY_SELECT, ("chain_id", "link_position", "id"), BATCH)
        entry = await anext(entries, None)
        async for row in keyset(connection, LINK_SELECT, ("chain_id", "position", "id"), BATCH):
            key = (row["chain_id"], row["position"])
            while entry is not None and (entry["chain_id"], entry["link_position"]) < key:
                walk.orphan(entry)
                entry = await anext(entries, None)
            digest = Digest()
            while entry is not None and (entry["chain_id"], entry["link_position"]) == key:
                digest.add(stored_entry_line(entry))
                entry = await anext(entries, None)
            walk.link(row, digest)
        while entry is not None:
            walk.orphan(entry)
            entry = await anext(entries, None)
        walk.finish()
        await _verify_legacy(walk)
    return walk.report


async def _verify_legacy(walk: _Walk) -> None:
    report = walk.report
    report.legacy_events = await LegacyAuditEvent.all().count()
    if not report.legacy_events and not walk.cut_over:
        return
    tail = await legacy_tail()
    if tail.broken_at is not None:
        walk.problem(LEGACY, tail.broken_at, "the event does not follow the chain before it")
    if len(walk.cut_over) != 1:
        where = ", ".join(f"chain {link.chain_id} {link.position}" for link in walk.cut_over)
        walk.problem(
            LEGACY,
            tail.position,
            f"the old events must be pinned by one link, and are by {len(walk.cut_over)}"
            + (f" ({where})" if where else ""),
        )
        return
    [pin] = walk.cut_over
    if tail.broken_at is None and (tail.position, tail.hash) != (
        pin.legacy_position,
        pin.legacy_hash,
    ):
        walk.problem(
            LEGACY,
            tail.position,
            f"the old events end at {tail.position}, and the cut-over (chain {pin.chain_id}, "
            f"position {pin.position}) pinned {pin.legacy_position} with another hash"
            if tail.position == pin.legacy_position
            else f"the old events end at {tail.position}, and the cut-over (chain "
            f"{pin.chain_id}, position {pin.position}) pinned {pin.legacy_position}",
        )


@dataclass(frozen=True)
class CheckedHeads:
    heads: Heads
    problems: list[Problem]


# Each head with the link at its position and the chain's highest position, in one statement
# (one snapshot, whatever is appended meanwhile).
HEADS_WITH_LINKS = (
    "SELECT c.id AS head_chain, c.last_position AS head_position, c.last_mac AS head_mac, "
    "(SELECT MAX(position) FROM audit_link m WHERE m.chain_id = c.id) AS highest, "
    + ", ".join(f"l.{column}" for column in ("id", *LINK_COLUMNS))
    + " FROM audit_chain c LEFT JOIN audit_link l "
    "ON l.chain_id = c.id AND l.position = c.last_position ORDER BY c.id"
)


async def check_heads(previous: Checkpoint | None, keys: AuditKeys) -> CheckedHeads:
    """Before a checkpoint is taken: each head must be its chain's last link, with a MAC that
    verifies, and no chain may have lost what the previous checkpoint recorded. (Two queries;
    the entries are left to `audit verify`.)"""
    async with snapshot() as connection:
        rows = await query(connection, HEADS_WITH_LINKS)
        heads = {row["head_chain"]: (row["head_position"], row["head_mac"]) for row in rows}
        problems = []
        for row in rows:
            chain_id, position, mac = row["head_chain"], row["head_position"], row["head_mac"]
            if (row["highest"] or 0) != position or (position and row["mac"] != mac):
                problems.append(
                    Problem(chain_id, position, "the head is not the chain's last link")
                )
            elif position and (wrong := mac_problem(keys, _link(row), mac)) is not None:
                problems.append(Problem(chain_id, position, wrong))
        for chain_id, (position, mac) in sorted((previous.heads if previous else {}).items()):
            taken = f"the checkpoint of {previous.taken_at}" if previous else ""
            if chain_id not in heads or heads[chain_id][0] < position:
                problems.append(
                    Problem(chain_id, position, f"the chain is shorter than {taken} recorded")
                )
            elif position:
                found = await query(
                    connection,
                    "SELECT mac FROM audit_link WHERE chain_id = ? AND position = ?",
                    chain_id,
                    position,
                )
                if not found or found[0]["mac"] != mac:
                    problems.append(
                        Problem(chain_id, position, f"the link {taken} recorded was changed")
                    )
    return CheckedHeads(heads, problems)


async def take_checkpoint(path: Path) -> CheckedHeads:
    """Append the current heads to the checkpoint file, unless something is already wrong (a
    checkpoint must never seal a chain that was cut)."""
    keys = audit_keys()
    try:
        previous = latest_checkpoint(path, keys)
    except CheckpointInvalid as error:
        return CheckedHeads({}, [Problem(CHECKPOINT, error.line, error.reason)])
    checked = await check_heads(previous, keys)
    if not checked.problems:
        append_checkpoint(path, checkpoint_line(checked.heads, utc_iso(utcnow()), keys))
    return checked

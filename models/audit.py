"""The audit log: append-only and hash-chained, so a changed or removed event shows (P-SEC-5).

Each event's hash covers its content and the previous event's hash. A one-row chain head holds
the hash of the last event: appenders lock it, so two workers cannot both chain from the same
event, and `verify_chain` compares it with the last event, so cutting off the tail shows too.
Nothing here updates or deletes an event.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.clock import utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1
VERIFY_BATCH = 1000

# The content a hash covers, in this order; `created_at` is added as ISO 8601 UTC.
HASHED_FIELDS = (
    "request_id",
    "viewer_kind",
    "viewer_ref",
    "subject_ref",
    "action",
    "categories_clear",
    "categories_masked",
    "categories_blocked",
    "basis",
    "details",
)


class AuditEvent(Model):
    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(db_index=True)
    request_id = fields.CharField(max_length=64, null=True)
    viewer_kind = fields.CharField(max_length=16)
    viewer_ref = fields.CharField(max_length=32)
    subject_ref = fields.CharField(max_length=32, db_index=True)
    action = fields.CharField(max_length=32)
    categories_clear = fields.JSONField[list[str]](default=list)
    categories_masked = fields.JSONField[list[str]](default=list)
    categories_blocked = fields.JSONField[list[str]](default=list)
    basis = fields.CharField(max_length=255, default="")
    details = fields.JSONField[dict[str, Any]](default=dict)
    # Unique: a second event chained from the same predecessor (a fork) cannot be stored.
    prev_hash = fields.CharField(max_length=64, unique=True)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_event"


class AuditChainHead(Model):
    """One row (id 1): the hash of the last event, locked by whoever appends."""

    id = fields.IntField(primary_key=True)
    last_hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_chain_head"


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(content: dict[str, Any], created_at: datetime, prev_hash: str) -> str:
    canonical = {name: content.get(name) for name in HASHED_FIELDS}
    canonical["created_at"] = _utc_iso(created_at)
    canonical["prev_hash"] = prev_hash
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _stored_content(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


async def append_events(events: list[dict[str, Any]]) -> None:
    """Append events (keyword arguments of `AuditEvent` without the hashes) in one insert."""
    if not events:
        return
    for event in events:
        if unknown := set(event) - set(HASHED_FIELDS):
            # Anything not hashed must not be stored either, or it could change unnoticed.
            raise ValueError(f"not audit event fields: {sorted(unknown)}")
    created_at = utcnow()
    async with in_transaction():
        head = await AuditChainHead.filter(id=HEAD_ID).select_for_update().first()
        if head is None:
            # The first append ever: a concurrent first append may be creating the head too.
            await AuditChainHead.bulk_create(
                [AuditChainHead(id=HEAD_ID, last_hash=GENESIS_HASH)], ignore_conflicts=True
            )
            head = await AuditChainHead.filter(id=HEAD_ID).select_for_update().get()
        prev_hash = head.last_hash
        rows = []
        for event in events:
            content = {name: event.get(name) for name in HASHED_FIELDS}
            for name in ("categories_clear", "categories_masked", "categories_blocked"):
                content[name] = list(content[name] or [])
            content["details"] = dict(content["details"] or {})
            content["basis"] = content["basis"] or ""
            digest = event_hash(content, created_at, prev_hash)
            rows.append(
                AuditEvent(**content, created_at=created_at, prev_hash=prev_hash, hash=digest)
            )
            prev_hash = digest
        await AuditEvent.bulk_create(rows)
        head.last_hash = prev_hash
        await head.save(update_fields=["last_hash"])


async def verify_chain() -> int | None:
    """The id of the first event whose link is broken, or None when the chain is whole.

    An event is broken when its content does not hash to its stored hash or its `prev_hash` is
    not the previous event's hash. When the tail was cut off, the last remaining event is named
    (0 when no event remains), since the event after it is missing.
    """
    expected_prev = GENESIS_HASH
    last_id = 0
    while True:
        batch = await AuditEvent.filter(id__gt=last_id).order_by("id").limit(VERIFY_BATCH)
        for event in batch:
            if event.prev_hash != expected_prev:
                return event.id
            if event_hash(_stored_content(event), event.created_at, event.prev_hash) != event.hash:
                return event.id
            expected_prev = event.hash
            last_id = event.id
        if len(batch) < VERIFY_BATCH:
            break
    head = await AuditChainHead.filter(id=HEAD_ID).first()
    if head is not None and head.last_hash != expected_prev:
        return last_id
    return None

"""The audit ledger's tables (P-SEC-5, P-TRANSPARENCY-1).

Entries are narrow rows, one per recorded event: a read of one subject by one viewer in one
request, or a change (consent, profile, legal grant, erasure, retention, ...). They carry no hash
of their own. Entries are written in batches; each batch appends one link to one of several
chains, and the link's MAC (`models.audit_chain`) covers its entries (ids and content, in order),
its chain and position, its time and the previous link's MAC. A chain's row is its head: the
position and MAC of its last link, locked by whoever appends to that chain, and by no one else.

Events recorded before the ledger took this shape stay in `audit_event`, verifiable by their own
hash chain (`models.audit_legacy`); the link that began the new scheme pins that chain's last
position and hash. Nothing here updates or deletes an entry or a link.
"""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.personal import personal_data

# What every recorded event holds: identifiers, category names and counts, never a value.
RECORDED = {
    "request_id": "which request",
    "viewer_kind": "who looked or acted, by kind",
    "viewer_ref": "who, by account or client number",
    "subject_ref": "whose record, by number",
    "action": "what happened",
    "categories_clear": "category names, never values",
    "categories_masked": "category names, never values",
    "categories_blocked": "category names, never values",
    "basis": "what permitted it",
    "details": "ids, scopes and counts, never values",
}


class RecordedEvent(Model):
    """What an event records: who, whose data, what was done or seen, on what basis."""

    request_id = fields.CharField(max_length=64, null=True)
    viewer_kind = fields.CharField(max_length=16)
    viewer_ref = fields.CharField(max_length=32)
    # A person's access history and export find their entries by this index.
    subject_ref = fields.CharField(max_length=32, db_index=True)
    action = fields.CharField(max_length=32)
    categories_clear = fields.JSONField[list[str]](default=list)
    categories_masked = fields.JSONField[list[str]](default=list)
    categories_blocked = fields.JSONField[list[str]](default=list)
    basis = fields.CharField(max_length=255, default="")
    details = fields.JSONField[dict[str, Any]](default=dict)

    class Meta:
        abstract = True


@personal_data(
    operational={
        **RECORDED,
        "id": "the entry's number",
        "chain_id": "which chain",
        "link_position": "which link",
        "created_at": "when",
    },
    owner="",
)
class AuditEntry(RecordedEvent):
    # Allocated by the appender before the insert, so the link's MAC can cover them.
    id = fields.BigIntField(primary_key=True)
    # Which link covers the entry: `(chain_id, link_position)` of `AuditLink`.
    chain_id = fields.IntField()
    link_position = fields.BigIntField()
    # The time of the batch (its link's time).
    created_at = fields.DatetimeField()

    class Meta:
        table = "audit_entry"
        # `audit verify` reads the entries of each link in order along this index.
        indexes = (Index(fields=("chain_id", "link_position", "id")),)


@personal_data(
    operational={
        "id": "the chain's number",
        "last_position": "the chain's end",
        "last_mac": "the chain's end",
    },
    owner="",
)
class AuditChain(Model):
    """One chain's head: the position and MAC of its last link. Appenders lock it."""

    id = fields.IntField(primary_key=True, generated=False)
    last_position = fields.BigIntField(default=0)
    last_mac = fields.CharField(max_length=64)

    class Meta:
        table = "audit_chain"


@personal_data(
    operational={
        "id": "the link's number",
        "chain_id": "which chain",
        "position": "its place in the chain",
        "created_at": "when",
        "entries": "how many entries",
        "digest": "the entries' digest",
        "prev_mac": "the chain",
        "key_id": "which audit key",
        "legacy_position": "the old chain's end",
        "legacy_hash": "the old chain's end",
        "mac": "the chain",
    },
    owner="",
)
class AuditLink(Model):
    """One committed batch of entries on one chain."""

    id = fields.BigIntField(primary_key=True)
    chain_id = fields.IntField()
    position = fields.BigIntField()
    created_at = fields.DatetimeField()
    # How many entries the link covers, and the SHA-256 of their canonical lines in id order.
    entries = fields.IntField()
    digest = fields.CharField(max_length=64)
    prev_mac = fields.CharField(max_length=64)
    # The id of the audit key that made `mac` (`models.audit_keys`).
    key_id = fields.CharField(max_length=16)
    # Only on the link that began this scheme: the last position and hash of the chain of events
    # recorded before (`audit_event`), so that chain cannot be cut either.
    legacy_position = fields.BigIntField(null=True)
    legacy_hash = fields.CharField(max_length=64, null=True)
    mac = fields.CharField(max_length=64)

    class Meta:
        table = "audit_link"
        # Two links at one position of one chain would be a fork: refused here, and named by
        # `audit verify` should the constraint be gone.
        unique_together = (("chain_id", "position"),)


# An event recorded before the cut-over, hash-chained by position: read only by `audit verify`.
# Its content was copied into `AuditEntry` (same id) at the cut-over. (No docstring: it would
# become the table's description, which the table did not have before the model was renamed.)
@personal_data(
    operational={
        **RECORDED,
        "id": "the event's place in the old chain",
        "created_at": "when",
        "prev_hash": "the old chain",
        "hash": "the old chain",
    },
    owner="",
)
class LegacyAuditEvent(RecordedEvent):
    id = fields.BigIntField(primary_key=True, generated=False)
    created_at = fields.DatetimeField(db_index=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_event"

"""Every audit event is built here, read or change (P-SEC-5, P-TRANSPARENCY-1).

Changes (consents, profile, requests, grants, clients) are written inside the use case's own
transaction, so a change and its record stand or fall together. Jobs (retention, erasure) write
system events. Reads are written by the ledger once a request is answered (`api.audit.ledger`).
Events carry identifiers, categories and counts, never personal values.
"""

from typing import Any

from api.actor import Actor
from models.audit_chain import NO_DETAILS, Content, append_entries
from plugins.engine import LedgerEntry
from plugins.viewer import ViewerKind

READ = "READ"
# A person's data handed to a successor in a transfer (P-TRANSFER-1): their access history
# lists it next to the reads.
TRANSFERRED = "TRANSFERRED"
SYSTEM_VIEWER = {"viewer_kind": "SYSTEM", "viewer_ref": "privacy"}


def change_event(
    actor: Actor, subject_ref: str, action: str, details: dict[str, Any]
) -> dict[str, Any]:
    viewer = actor.viewer
    return {
        "request_id": actor.request_id,
        "viewer_kind": str(viewer.kind),
        "viewer_ref": viewer.ref,
        "subject_ref": subject_ref,
        "action": action,
        "basis": "role:ADMIN" if viewer.kind is ViewerKind.ADMIN else "owner",
        "details": details,
    }


async def record_change(
    actor: Actor, subject_ref: str, action: str, details: dict[str, Any]
) -> None:
    await append_entries([change_event(actor, subject_ref, action, details)])


def system_event(
    subject_ref: str, action: str, basis: str, details: dict[str, Any]
) -> dict[str, Any]:
    """An event of a job rather than a request; details hold counts, never values."""
    return {
        **SYSTEM_VIEWER,
        "request_id": None,
        "subject_ref": subject_ref,
        "action": action,
        "basis": basis,
        "details": details,
    }


def read_contents(actor: Actor, entries: list[LedgerEntry]) -> list[Content]:
    """One entry per subject a request showed anything of, with what it showed and why."""
    viewer = actor.viewer
    request_id, kind, ref = actor.request_id, str(viewer.kind), viewer.ref
    return [
        (request_id, kind, ref, subject_ref, READ, clear, masked, blocked, basis, NO_DETAILS)
        for subject_ref, clear, masked, blocked, basis in entries
    ]

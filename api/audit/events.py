"""The events the ledger records, built from a request or a job; never personal values.

Reads: one entry per (request, viewer, subject) with the categories shown in clear, masked and
blocked and the basis (P-SEC-5, P-TRANSPARENCY-1), written by the group-commit writer
(`api.audit.ledger`). Changes (consents, recipients, clients, legal grants, requests, erasure,
retention) are written inside the change's own transaction, so a change and its record stand or
fall together.
"""

from typing import TYPE_CHECKING, Any

from models.audit_chain import append_entries
from plugins.viewer import ViewerKind

if TYPE_CHECKING:
    from api.graphql.context import RequestContext

READ = "READ"
SYSTEM_VIEWER = {"viewer_kind": "SYSTEM", "viewer_ref": "privacy"}


def read_events(context: "RequestContext") -> list[dict[str, Any]]:
    viewer = context.viewer
    return [
        {
            "request_id": context.request_id,
            "viewer_kind": str(viewer.kind),
            "viewer_ref": viewer.ref,
            "subject_ref": entry.subject_ref,
            "action": READ,
            "categories_clear": entry.clear,
            "categories_masked": entry.masked,
            "categories_blocked": entry.blocked,
            "basis": entry.basis,
        }
        for entry in context.decisions.ledger_entries()
    ]


def change_event(
    context: "RequestContext", subject_ref: str, action: str, details: dict[str, Any]
) -> dict[str, Any]:
    viewer = context.viewer
    return {
        "request_id": context.request_id,
        "viewer_kind": str(viewer.kind),
        "viewer_ref": viewer.ref,
        "subject_ref": subject_ref,
        "action": action,
        "basis": "role:ADMIN" if viewer.kind is ViewerKind.ADMIN else "owner",
        "details": details,
    }


def system_event(
    subject_ref: str, action: str, basis: str, details: dict[str, Any]
) -> dict[str, Any]:
    """An event of a job rather than a request (retention, erasure, replay); details hold
    counts, never values."""
    return {
        **SYSTEM_VIEWER,
        "request_id": None,
        "subject_ref": subject_ref,
        "action": action,
        "basis": basis,
        "details": details,
    }


async def record(
    context: "RequestContext", subject_ref: str, action: str, details: dict[str, Any]
) -> None:
    """One change event, in the caller's transaction."""
    await append_entries([change_event(context, subject_ref, action, details)])

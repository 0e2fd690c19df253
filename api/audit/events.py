"""Audit events for changes made through the API: consents, recipients, clients, legal grants.

Each is written inside the mutation's transaction, so a change and its record stand or fall
together (P-SEC-5). Events carry identifiers and scopes, never personal values.
"""

from typing import TYPE_CHECKING, Any

from models.audit import append_events
from plugins.viewer import ViewerKind

if TYPE_CHECKING:
    from api.graphql.context import RequestContext


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


async def record(
    context: "RequestContext", subject_ref: str, action: str, details: dict[str, Any]
) -> None:
    await append_events([change_event(context, subject_ref, action, details)])

"""Audit events written by jobs rather than by a request (retention, erasure, replay)."""

from typing import Any

SYSTEM_VIEWER = {"viewer_kind": "SYSTEM", "viewer_ref": "privacy"}


def system_event(subject_ref: str, action: str, basis: str, details: dict[str, Any]) -> dict:
    """Keyword arguments for `models.audit.append_events`; details hold counts, never values."""
    return {
        **SYSTEM_VIEWER,
        "request_id": None,
        "subject_ref": subject_ref,
        "action": action,
        "basis": basis,
        "details": details,
    }

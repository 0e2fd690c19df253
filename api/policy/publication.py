"""Every policy version published as the site notice the policy promises (七(二): "以网站通告的
形式发布"): its full text at a stable URL, what changed against the version before it, and the
controller's contact (P-UPDATE-1, P-CONTACT-1). Served to anyone: a policy holds nothing personal.
"""

import dataclasses
import difflib
from typing import Any
from urllib.parse import quote

from api.errors import not_found
from api.policy.contact import contact_of
from models.clock import utcnow
from models.consent import PolicyVersion

PAGE_PREFIX = "/policy"
JSON_SUFFIX = ".json"


def page_path(version: str) -> str:
    return f"{PAGE_PREFIX}/{quote(version, safe='')}"


def json_path(version: str) -> str:
    return page_path(version) + JSON_SUFFIX


def notice_body(policy: PolicyVersion) -> str:
    """The public notice of a new version: what changed, from when, and where to read it."""
    return (
        f"{policy.summary}\n"
        f"In effect from {policy.effective_at.date().isoformat()}. "
        f"Full text and changes: {page_path(policy.version)}"
    )


async def published_versions() -> list[PolicyVersion]:
    """Every version, in the order they take effect."""
    return await PolicyVersion.all().order_by("effective_at", "id")


def previous_versions(versions: list[PolicyVersion]) -> dict[int, PolicyVersion | None]:
    """Each version's predecessor among `versions` (all of them, in `published_versions` order)."""
    return {
        policy.id: versions[index - 1] if index else None for index, policy in enumerate(versions)
    }


def named(versions: list[PolicyVersion], version: str) -> PolicyVersion:
    """The version of that name among `versions`; NOT_FOUND for an unknown one."""
    for policy in versions:
        if policy.version == version:
            return policy
    raise not_found("policy version")


def in_effect(versions: list[PolicyVersion]) -> PolicyVersion | None:
    """The version in effect now among `versions` (in `published_versions` order)."""
    now = utcnow()
    started = [policy for policy in versions if policy.effective_at <= now]
    return started[-1] if started else None


def text_diff(previous: PolicyVersion | None, policy: PolicyVersion) -> str | None:
    """A unified diff of the text against the version before; None for the first version, or
    when either text was not kept."""
    if previous is None or previous.text is None or policy.text is None:
        return None
    lines = difflib.unified_diff(
        previous.text.splitlines(),
        policy.text.splitlines(),
        fromfile=previous.version,
        tofile=policy.version,
        lineterm="",
    )
    return "\n".join(lines)


def version_document(policy: PolicyVersion, previous: PolicyVersion | None) -> dict[str, Any]:
    """What `/policy/<version>.json` serves."""
    return {
        "version": policy.version,
        "published_at": policy.published_at.isoformat(),
        "effective_at": policy.effective_at.isoformat(),
        "digest": policy.digest,
        "summary": policy.summary,
        "requires_fresh_consent": policy.requires_fresh_consent,
        "text": policy.text,
        "previous_version": previous.version if previous else None,
        "diff": text_diff(previous, policy),
        "contact": dataclasses.asdict(contact_of(policy)),
        "url": page_path(policy.version),
    }

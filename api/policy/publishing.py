"""Publishing a new policy version (P-UPDATE-1).

Every active person is told in the app. When the version requires fresh consent, consents given
under earlier versions stop counting once it takes effect (plugins.builtin.consent): optional
processing for a person pauses until they consent again under it.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from api.errors import ApiError, ErrorCode, invalid
from api.notices.notifications import NotificationSender, active_people, notify
from api.validation import text
from models.clock import utcnow
from models.consent import PolicyVersion, text_digest
from models.privacy import Channel, NotificationTopic

DIGEST = re.compile(r"^[0-9a-f]{64}$")
FRESH_CONSENT_NOTE = "This version asks for your consent again before optional processing goes on."


@dataclass(frozen=True)
class NewVersion:
    version: str
    summary: str
    digest: str
    requires_fresh_consent: bool
    effective_at: datetime


def checked(
    version: str,
    summary: str,
    policy_text: str | None,
    digest: str | None,
    requires_fresh_consent: bool,
    effective_at: datetime | None,
) -> NewVersion:
    if (policy_text is None) == (digest is None):
        raise invalid("text", "give the policy text or its SHA-256 digest, not both")
    if digest is not None and not DIGEST.match(digest):
        raise invalid("digest", "a SHA-256 digest is 64 lower-case hex digits")
    now = utcnow()
    effective = effective_at or now
    if effective < now:
        raise invalid("effectiveAt", "a policy cannot take effect in the past")
    return NewVersion(
        version=text(version, "version", max_length=32),
        summary=text(summary, "summary", max_length=2000),
        digest=digest or text_digest(policy_text or ""),
        requires_fresh_consent=requires_fresh_consent,
        effective_at=effective,
    )


async def publish(new: NewVersion, sender: NotificationSender) -> tuple[PolicyVersion, int]:
    """The controller's contact carries over from the latest version."""
    latest = await PolicyVersion.all().order_by("-effective_at").first()
    if latest is None:
        raise ApiError(ErrorCode.CONFLICT, "no earlier version holds the controller's contact")
    if await PolicyVersion.filter(version=new.version).exists():
        raise ApiError(ErrorCode.CONFLICT, f"version {new.version} exists")
    async with in_transaction():
        policy = await PolicyVersion.create(
            version=new.version,
            published_at=utcnow(),
            effective_at=new.effective_at,
            digest=new.digest,
            summary=new.summary,
            requires_fresh_consent=new.requires_fresh_consent,
            controller=latest.controller,
            contact_phone=latest.contact_phone,
            contact_email=latest.contact_email,
            registered_address=latest.registered_address,
            contact_address=latest.contact_address,
        )
        body = f"{new.summary}\n{FRESH_CONSENT_NOTE}" if new.requires_fresh_consent else new.summary
        notified = await notify(
            sender,
            await active_people(),
            topic=NotificationTopic.POLICY_UPDATE,
            channel=Channel.IN_APP,
            title=f"Privacy policy {new.version}",
            body=body,
            policy_version=policy,
        )
    return policy, notified

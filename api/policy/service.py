"""The privacy policy: the version in effect with the controller's contact (P-CONTACT-1), a
person's acceptance of it, and publishing a new version (P-UPDATE-1).

On publication every active person is told in the app. When the version requires fresh
consent, consents given under earlier versions stop counting once it takes effect
(plugins.builtin.consent): optional processing for a person pauses until they consent again.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.errors import ApiError, ErrorCode, invalid
from api.notices.notifications import NotificationSender, active_people, notify
from api.validation import text
from models.clock import utcnow
from models.consent import PolicyAcceptance, PolicyVersion, text_digest
from models.privacy import Channel, NotificationTopic

DIGEST = re.compile(r"^[0-9a-f]{64}$")
FRESH_CONSENT_NOTE = "This version asks for your consent again before optional processing goes on."
# The policy promises an answer within 15 days (P-CONTACT-1, P-RIGHTS-4).
ANSWER_WITHIN_DAYS = 15


@dataclass
class Contact:
    """The controller and how to reach it, as a policy version names them (P-CONTACT-1)."""

    controller: str
    phone: str
    email: str
    registered_address: str
    contact_address: str
    answer_within_days: int


def contact_of(policy: PolicyVersion) -> Contact:
    return Contact(
        controller=policy.controller,
        phone=policy.contact_phone,
        email=policy.contact_email,
        registered_address=policy.registered_address,
        contact_address=policy.contact_address,
        answer_within_days=ANSWER_WITHIN_DAYS,
    )


async def current_policy() -> PolicyVersion:
    policy = await PolicyVersion.current()
    if policy is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no privacy policy is in effect yet")
    return policy


async def accept_policy(actor: Actor, version: str) -> tuple[PolicyAcceptance, PolicyVersion]:
    """Accepting the version in effect again is a no-op."""
    account_id = actor.account_id
    policy = await current_policy()
    if version.strip() != policy.version:
        raise invalid("version", f"only the version in effect ({policy.version}) is accepted")
    async with in_transaction():
        acceptance, created = await PolicyAcceptance.get_or_create(
            account_id=account_id,
            policy_version=policy,
            defaults={"accepted_at": utcnow(), "channel": "api"},
        )
        if created:
            await record_change(
                actor,
                f"account:{account_id}",
                "POLICY_ACCEPTED",
                {"policy_version": policy.version},
            )
    return acceptance, policy


@dataclass(frozen=True)
class NewVersion:
    version: str
    summary: str
    digest: str
    requires_fresh_consent: bool
    effective_at: datetime


@dataclass(frozen=True)
class PolicyDraft:
    """A version as an admin submits it: the text or its digest, not both."""

    version: str
    summary: str
    text: str | None
    digest: str | None
    requires_fresh_consent: bool
    effective_at: datetime | None


def checked(draft: PolicyDraft) -> NewVersion:
    if (draft.text is None) == (draft.digest is None):
        raise invalid("text", "give the policy text or its SHA-256 digest, not both")
    if draft.digest is not None and not DIGEST.match(draft.digest):
        raise invalid("digest", "a SHA-256 digest is 64 lower-case hex digits")
    now = utcnow()
    effective = draft.effective_at or now
    if effective < now:
        raise invalid("effectiveAt", "a policy cannot take effect in the past")
    return NewVersion(
        version=text(draft.version, "version", max_length=32),
        summary=text(draft.summary, "summary", max_length=2000),
        digest=draft.digest or text_digest(draft.text or ""),
        requires_fresh_consent=draft.requires_fresh_consent,
        effective_at=effective,
    )


async def publish(
    actor: Actor, draft: PolicyDraft, sender: NotificationSender
) -> tuple[PolicyVersion, int]:
    """Admins only; the controller's contact carries over from the latest version."""
    actor.admin_id()
    new = checked(draft)
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

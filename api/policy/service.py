"""The privacy policy: the version in effect (P-CONTACT-1), a person's acceptance of it, and
publishing a new version (P-UPDATE-1).

On publication the version's text goes up as a public notice on the site (api.policy.publication)
and every active person is told in the app. When the version requires fresh
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
from api.policy.acceptance import API, Evidence, record_acceptance
from api.policy.publication import JSON_SUFFIX, notice_body
from api.validation import document_text, text
from models.clock import utcnow
from models.consent import PolicyAcceptance, PolicyVersion, text_digest
from models.privacy import Channel, NotificationTopic, PublicNotice

VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]*$")
# The founding text is about 5,200 characters; a request body is capped at 256 KiB anyway.
MAX_TEXT = 100_000
FRESH_CONSENT_NOTE = "This version asks for your consent again before optional processing goes on."


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
        acceptance, created = await record_acceptance(account_id, policy, Evidence.of(actor, API))
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
    text: str
    digest: str
    requires_fresh_consent: bool
    effective_at: datetime


@dataclass(frozen=True)
class PolicyDraft:
    """A version as an admin submits it. The full text is required: it is what the site notice
    publishes (policy 七(二)); a digest, when given, must be the text's (a check that the text
    arrived as the admin meant it)."""

    version: str
    summary: str
    text: str
    digest: str | None
    requires_fresh_consent: bool
    effective_at: datetime | None


def checked(draft: PolicyDraft) -> NewVersion:
    version = text(draft.version, "version", max_length=32)
    # Part of the version's stable URLs (api.policy.publication).
    if not VERSION.match(version) or version.endswith(JSON_SUFFIX):
        raise invalid("version", "letters, digits, dots and dashes, not ending in .json")
    full_text = document_text(draft.text, "text", max_length=MAX_TEXT)
    digest = text_digest(full_text)
    if draft.digest is not None and draft.digest != digest:
        raise invalid("digest", "the digest is not the SHA-256 of the text")
    now = utcnow()
    effective = draft.effective_at or now
    if effective < now:
        raise invalid("effectiveAt", "a policy cannot take effect in the past")
    return NewVersion(
        version=version,
        summary=text(draft.summary, "summary", max_length=2000),
        text=full_text,
        digest=digest,
        requires_fresh_consent=draft.requires_fresh_consent,
        effective_at=effective,
    )


async def publish(
    actor: Actor, draft: PolicyDraft, sender: NotificationSender
) -> tuple[PolicyVersion, int]:
    """Admins only; the controller's contact carries over from the latest version. The version
    is announced by a public notice on the site (policy 七(二)) and to every person."""
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
            text=new.text,
            summary=new.summary,
            requires_fresh_consent=new.requires_fresh_consent,
            controller=latest.controller,
            contact_phone=latest.contact_phone,
            contact_email=latest.contact_email,
            registered_address=latest.registered_address,
            contact_address=latest.contact_address,
        )
        title = f"Privacy policy {new.version}"
        await PublicNotice.create(
            policy_version=policy,
            title=title,
            body=notice_body(policy),
            published_at=policy.published_at,
        )
        body = f"{new.summary}\n{FRESH_CONSENT_NOTE}" if new.requires_fresh_consent else new.summary
        notified = await notify(
            sender,
            await active_people(),
            topic=NotificationTopic.POLICY_UPDATE,
            # By email, not only in the app: people who never sign in are told too. The
            # notification shows in their app all the same.
            channel=Channel.EMAIL,
            title=title,
            body=body,
            policy_version=policy,
        )
        await record_change(
            actor,
            f"policy:{policy.id}",
            "POLICY_PUBLISHED",
            {"digest": policy.digest, "requires_fresh_consent": policy.requires_fresh_consent},
        )
    return policy, notified

"""Consent receipts after ISO/IEC TS 27560: what a person agreed to, with whom, under which
policy text, kept as evidence they can fetch (P-UPDATE-1, P-CONTACT-1).

Built from the stored consent, its policy version and recipient, so a receipt fetched twice is
the same receipt (its id derives from the consent) and never disagrees with what the engine uses.
The same receipt goes into the person's export and, as GraphQL types, to the API.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from api.policy.contact import Contact, contact_of
from models.consent import MAINLAND_CHINA, Affiliate, Consent, PolicyVersion

RECEIPT_SCHEMA = "ISO/IEC TS 27560:2023"
RECEIPT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://consentql.example/consent-receipt")
ACTIVE = "ACTIVE"
# Given under a policy version that a newer one, asking for fresh consent, has retired, and the
# person has not accepted the newer one yet: it counts again once they do (P-UPDATE-1).
PAUSED = "PAUSED"


@dataclass
class Recipient:
    name: str
    kind: str
    region: str


@dataclass
class Purpose:
    purpose: str
    legal_basis: str
    categories: list[str]
    # None: the controller itself.
    recipient: Recipient | None


@dataclass
class Notice:
    version: str
    digest: str
    effective_at: datetime


@dataclass
class Receipt:
    receipt_id: str
    schema_version: str
    jurisdiction: str
    pii_principal_id: str
    controller: Contact
    notice: Notice
    purposes: list[Purpose]
    collection_method: str
    consent_given_at: datetime
    consent_ended_at: datetime | None
    state: str


def receipt_id(consent: Consent) -> str:
    return str(uuid.uuid5(RECEIPT_NAMESPACE, f"consent:{consent.id}"))


def recipient_of(affiliate: Affiliate | None) -> Recipient | None:
    if affiliate is None:
        return None
    return Recipient(name=affiliate.name, kind=str(affiliate.kind), region=affiliate.region)


def receipt_state(consent: Consent, awaiting: PolicyVersion | None) -> str:
    if consent.ended_reason:
        return consent.ended_reason
    if awaiting is not None and consent.policy_version.effective_at < awaiting.effective_at:
        return PAUSED
    return ACTIVE


def consent_receipt(consent: Consent, awaiting: PolicyVersion | None) -> Receipt:
    """`consent` with `recipient` and `policy_version` fetched; `awaiting` is the policy version
    its person has yet to accept, if any (`PolicyVersion.awaiting_acceptance`)."""
    policy = consent.policy_version
    return Receipt(
        receipt_id=receipt_id(consent),
        schema_version=RECEIPT_SCHEMA,
        jurisdiction=MAINLAND_CHINA,
        pii_principal_id=f"account:{consent.account_id}",
        controller=contact_of(policy),
        notice=Notice(
            version=policy.version, digest=policy.digest, effective_at=policy.effective_at
        ),
        purposes=[
            Purpose(
                purpose=consent.purpose,
                legal_basis="consent",
                categories=list(consent.categories),
                recipient=recipient_of(consent.recipient),
            )
        ],
        collection_method=consent.evidence_channel,
        consent_given_at=consent.granted_at,
        consent_ended_at=consent.withdrawn_at,
        state=receipt_state(consent, awaiting),
    )

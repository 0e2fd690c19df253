"""Consent receipts after ISO/IEC TS 27560: what a person agreed to, with whom, under which
policy text, kept as evidence they can fetch (issue 3 item 7, P-UPDATE-1, P-CONTACT-1).

Built from the stored consent, its policy version and recipient, so a receipt fetched twice is
the same receipt (its id derives from the consent) and never disagrees with what the engine uses.
"""

import uuid
from datetime import datetime

import strawberry

from api.policy.schema import ContactDetails, contact_details
from models.consent import MAINLAND_CHINA, Affiliate, Consent, PolicyVersion

RECEIPT_SCHEMA = "ISO/IEC TS 27560:2023"
RECEIPT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://consentql.example/consent-receipt")
ACTIVE = "ACTIVE"
# Given under a policy version that a newer one, asking for fresh consent, has retired, and the
# person has not accepted the newer one yet: it counts again once they do (P-UPDATE-1).
PAUSED = "PAUSED"


@strawberry.type
class ReceiptRecipient:
    name: str
    kind: str
    region: str


@strawberry.type
class ReceiptPurpose:
    purpose: str
    legal_basis: str
    categories: list[str]
    recipient: ReceiptRecipient | None = strawberry.field(
        description="Who receives the data; null: the controller itself."
    )


@strawberry.type
class ReceiptNotice:
    version: str
    digest: str
    effective_at: datetime


@strawberry.type
class ConsentReceipt:
    receipt_id: str
    schema_version: str
    jurisdiction: str
    pii_principal_id: str = strawberry.field(description="The person, by account reference.")
    controller: ContactDetails
    notice: ReceiptNotice = strawberry.field(description="The policy version consent was given on.")
    purposes: list[ReceiptPurpose]
    collection_method: str
    consent_given_at: datetime
    consent_ended_at: datetime | None
    state: str = strawberry.field(
        description="ACTIVE; PAUSED until a newer policy version is accepted; WITHDRAWN; "
        "PURPOSE_CHANGED."
    )


def receipt_id(consent: Consent) -> str:
    return str(uuid.uuid5(RECEIPT_NAMESPACE, f"consent:{consent.id}"))


def recipient_of(affiliate: Affiliate | None) -> ReceiptRecipient | None:
    if affiliate is None:
        return None
    return ReceiptRecipient(name=affiliate.name, kind=str(affiliate.kind), region=affiliate.region)


def receipt_state(consent: Consent, awaiting: PolicyVersion | None) -> str:
    if consent.ended_reason:
        return consent.ended_reason
    if awaiting is not None and consent.policy_version.effective_at < awaiting.effective_at:
        return PAUSED
    return ACTIVE


def consent_receipt(consent: Consent, awaiting: PolicyVersion | None) -> ConsentReceipt:
    """`consent` with `recipient` and `policy_version` fetched; `awaiting` is the policy version
    its person has yet to accept, if any (`PolicyVersion.awaiting_acceptance`)."""
    policy = consent.policy_version
    return ConsentReceipt(
        receipt_id=receipt_id(consent),
        schema_version=RECEIPT_SCHEMA,
        jurisdiction=MAINLAND_CHINA,
        pii_principal_id=f"account:{consent.account_id}",
        controller=contact_details(policy),
        notice=ReceiptNotice(
            version=policy.version, digest=policy.digest, effective_at=policy.effective_at
        ),
        purposes=[
            ReceiptPurpose(
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

"""Policy versions, recipients, their API clients, consents and legal-access grants.

Who may see a person's data is decided from these rows (by `plugins`), never from process
memory, so every worker reads the same answer on its next request (P-WITHDRAW-1).
"""

import hashlib
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction
from tortoise.validators import RegexValidator

from models.clock import utcnow
from models.personal import Erasure, Format, personal_data, plain

# P-REGION-1: only this recipient region counts as mainland China; HK, MO and TW are outside.
MAINLAND_CHINA = "CN"


class AffiliateKind(StrEnum):
    AFFILIATE = "AFFILIATE"
    THIRD_PARTY = "THIRD_PARTY"


class LegalGround(StrEnum):
    """The eleven grounds of the policy on which data may be used without consent (P-EXEMPT-1)."""

    NATIONAL_SECURITY = "NATIONAL_SECURITY"
    PUBLIC_SAFETY_HEALTH = "PUBLIC_SAFETY_HEALTH"
    CRIMINAL_INVESTIGATION = "CRIMINAL_INVESTIGATION"
    VITAL_INTERESTS = "VITAL_INTERESTS"
    SELF_PUBLISHED = "SELF_PUBLISHED"
    LAWFULLY_PUBLIC = "LAWFULLY_PUBLIC"
    CONTRACT_NECESSITY = "CONTRACT_NECESSITY"
    SERVICE_SECURITY = "SERVICE_SECURITY"
    NEWS_REPORTING = "NEWS_REPORTING"
    DEIDENTIFIED_RESEARCH = "DEIDENTIFIED_RESEARCH"
    OTHER_LAW = "OTHER_LAW"


class ConsentEnd(StrEnum):
    """Why a consent stopped counting; stored in `Consent.ended_reason`."""

    WITHDRAWN = "WITHDRAWN"
    # P-SHARE-2: a recipient that changes its purpose must ask again.
    PURPOSE_CHANGED = "PURPOSE_CHANGED"
    # P-WITHDRAW-1: the person withdrew some categories; a narrower consent replaced this one.
    NARROWED = "NARROWED"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@personal_data(
    operational={
        "id": "the version's number",
        "version": "its name",
        "published_at": "when it was published",
        "effective_at": "when it applies",
        "digest": "SHA-256 of its text",
        "summary": "what changed",
        "requires_fresh_consent": "whether earlier consents pause",
        "controller": "the company that controls the data",
        "contact_phone": "the company's service number",
        "contact_email": "the company's service address",
        "registered_address": "where the company is registered",
        "contact_address": "where to write to the company",
        "text": "the policy's full text, published",
    },
    owner="",
)
class PolicyVersion(Model):
    """A published privacy policy: its text, digest and the controller's contact (P-CONTACT-1)."""

    id = fields.IntField(primary_key=True)
    version = fields.CharField(max_length=32, unique=True)
    published_at = fields.DatetimeField()
    effective_at = fields.DatetimeField(db_index=True)
    digest = fields.CharField(max_length=64)
    # The text served as the site notice (policy 七(二)); None only for a version published,
    # by digest, before texts were kept.
    text = fields.TextField(null=True)
    summary = fields.TextField()
    # P-UPDATE-1: consents given under an earlier version stop counting once this one applies.
    requires_fresh_consent = fields.BooleanField(default=False)
    controller = fields.CharField(max_length=128)
    contact_phone = fields.CharField(max_length=32)
    contact_email = fields.CharField(max_length=254)
    # The policy names two: where the company is registered, and where to write to it.
    registered_address = fields.CharField(max_length=255)
    contact_address = fields.CharField(max_length=255)

    class Meta:
        table = "policy_version"

    @classmethod
    async def current(cls) -> "PolicyVersion | None":
        return await cls.filter(effective_at__lte=utcnow()).order_by("-effective_at").first()

    @classmethod
    async def awaiting_acceptance(cls, account_ids: list[int]) -> "dict[int, PolicyVersion]":
        """The version in effect that asks for fresh consent, for each of these people who has
        not accepted it: their consents given under earlier versions are paused (P-UPDATE-1)."""
        fresh = (
            await cls.filter(requires_fresh_consent=True, effective_at__lte=utcnow())
            .order_by("-effective_at")
            .first()
        )
        if fresh is None:
            return {}
        accepted = set(
            await PolicyAcceptance.filter(
                policy_version_id=fresh.id, account_id__in=account_ids
            ).values_list("account_id", flat=True)
        )
        return {account_id: fresh for account_id in account_ids if account_id not in accepted}


@personal_data(
    plain("evidence_ip", "network.ip", Format.IP, erasure=Erasure.CLEAR),
    plain("evidence_user_agent", "device.info", Format.TEXT, erasure=Erasure.CLEAR),
    operational={
        "id": "the acceptance's number",
        "account_id": "who accepted",
        "policy_version_id": "which version",
        "accepted_at": "when",
        "channel": "through which channel (registration, api, ...)",
    },
    owner="account_id",
    exported=("policy_version_id", "accepted_at", "channel"),
)
class PolicyAcceptance(Model):
    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="policy_acceptances")
    policy_version = fields.ForeignKeyField(
        "models.PolicyVersion", related_name="acceptances", on_delete=fields.RESTRICT
    )
    accepted_at = fields.DatetimeField()
    channel = fields.CharField(max_length=32)
    # Evidence of the acceptance, like a consent's: personal data of the person accepting.
    evidence_ip = fields.CharField(max_length=45, null=True)
    evidence_user_agent = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "policy_acceptance"
        unique_together = (("account", "policy_version"),)


@personal_data(
    operational={
        "id": "the recipient's number",
        "name": "a company's name",
        "kind": "affiliate or third party",
        "region": "where it is (P-REGION-1)",
        "purposes": "what it may ask consent for",
        "created_at": "when it was registered",
    },
    owner="",
)
class Affiliate(Model):
    """A recipient of personal data: an affiliate of ours or a third party (P-SHARE-1)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(AffiliateKind, max_length=12)
    region = fields.CharField(max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", 0)])
    purposes = fields.JSONField[list[str]](default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "affiliate"

    async def change_purposes(self, purposes: list[str]) -> None:
        """P-SHARE-2: consents and clients for a purpose that is dropped end with it."""
        dropped = [purpose for purpose in self.purposes if purpose not in purposes]
        now = utcnow()
        async with in_transaction():
            self.purposes = purposes
            await self.save(update_fields=["purposes"])
            if not dropped:
                return
            await Consent.filter(
                recipient_id=self.id, purpose__in=dropped, withdrawn_at=None
            ).update(withdrawn_at=now, ended_reason=ConsentEnd.PURPOSE_CHANGED)
            await ApiClient.filter(
                affiliate_id=self.id, purpose__in=dropped, revoked_at=None
            ).update(revoked_at=now)


@personal_data(
    operational={
        "id": "the client's number",
        "affiliate_id": "whose client it is",
        "name": "the client's name",
        "purpose": "the one purpose it serves",
        "categories": "the most it may see",
        "token_hash": "the digest of a random token",
        "expires_at": "when it stops working",
        "revoked_at": "when it was revoked",
        "created_at": "when it was issued",
        "previous_token_hash": "the digest of the token a rotation replaced",
        "previous_token_until": "when the replaced token stops working",
        "rotated_at": "when the token was last rotated",
    },
    owner="",
)
class ApiClient(Model):
    """A recipient's credential, bound to one of its purposes (P-SHARE-2), its token hashed.

    (No semicolon in a model docstring's first line: it becomes an SQL comment, and Tortoise's
    SQLite migrator splits statements on semicolons.)
    """

    id = fields.IntField(primary_key=True)
    affiliate = fields.ForeignKeyField("models.Affiliate", related_name="clients")
    name = fields.CharField(max_length=128)
    purpose = fields.CharField(max_length=64)
    categories = fields.JSONField[list[str]](default=list)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # After a rotation the replaced token keeps working until `previous_token_until`, so the
    # affiliate can roll the new one out; one rotation later it is forgotten.
    previous_token_hash = fields.CharField(max_length=64, unique=True, null=True)
    previous_token_until = fields.DatetimeField(null=True)
    rotated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_client"

    async def save(self, *args: Any, **kwargs: Any) -> None:
        # Checked when issued only: a client whose purpose is later dropped must stay revocable.
        if not self._saved_in_db:
            affiliate = await self.affiliate
            if self.purpose not in affiliate.purposes:
                raise ValueError(f"purpose {self.purpose!r} is not one of the recipient's purposes")
        await super().save(*args, **kwargs)


@personal_data(
    plain("evidence_ip", "network.ip", Format.IP, erasure=Erasure.CLEAR),
    plain("evidence_user_agent", "device.info", Format.TEXT, erasure=Erasure.CLEAR),
    operational={
        "id": "the consent's number",
        "account_id": "who consented",
        "recipient_id": "to whom",
        "purpose": "for what",
        "categories": "which data categories",
        "policy_version_id": "under which policy version",
        "granted_at": "when",
        "withdrawn_at": "when it ended",
        "evidence_channel": "through which channel",
        "ended_reason": "why it ended",
    },
    owner="account_id",
    exported=(
        "id",
        "recipient_id",
        "purpose",
        "categories",
        "policy_version_id",
        "granted_at",
        "withdrawn_at",
        "evidence_channel",
        "ended_reason",
    ),
)
class Consent(Model):
    """A person's consent for one recipient (None: ourselves) and one purpose, with evidence.

    Never rewritten on withdrawal beyond `withdrawn_at` and `ended_reason`, so what was lawful
    before stays on record (P-WITHDRAW-1).
    """

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="consents")
    recipient = fields.ForeignKeyField(
        "models.Affiliate", related_name="consents", null=True, on_delete=fields.RESTRICT
    )
    purpose = fields.CharField(max_length=64)
    categories = fields.JSONField[list[str]](default=list)
    policy_version = fields.ForeignKeyField(
        "models.PolicyVersion", related_name="consents", on_delete=fields.RESTRICT
    )
    granted_at = fields.DatetimeField()
    withdrawn_at = fields.DatetimeField(null=True)
    evidence_channel = fields.CharField(max_length=32)
    evidence_ip = fields.CharField(max_length=45, null=True)
    evidence_user_agent = fields.CharField(max_length=255, null=True)
    ended_reason = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "consent"
        indexes = (("account_id", "recipient_id"),)


@personal_data(
    operational={
        "id": "the grant's number",
        "ground": "which of the eleven grounds",
        "reference": "the case number of the legal basis",
        "requested_by_id": "the admin who asked",
        "approved_by_id": "the admin who approved",
        "approved_at": "when",
        "subject_id": "whose data it opens",
        "categories": "which categories",
        "expires_at": "until when",
        "created_at": "when it was asked for",
        "revoked_at": "when it was ended",
    },
    owner="",
)
class LegalAccessGrant(Model):
    """Access without consent on one of the eleven grounds (P-EXEMPT-1), approved by a second
    person, for one subject, some categories, until an expiry."""

    id = fields.IntField(primary_key=True)
    ground = fields.CharEnumField(LegalGround, max_length=24)
    reference = fields.CharField(max_length=128)
    requested_by = fields.ForeignKeyField(
        "models.Account", related_name="legal_grants_requested", on_delete=fields.RESTRICT
    )
    # None until a second admin approves: a requested grant permits nothing before that.
    approved_by = fields.ForeignKeyField(
        "models.Account",
        related_name="legal_grants_approved",
        null=True,
        on_delete=fields.RESTRICT,
    )
    approved_at = fields.DatetimeField(null=True)
    subject = fields.ForeignKeyField("models.Account", related_name="legal_grants")
    categories = fields.JSONField[list[str]](default=list)
    expires_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "legal_access_grant"

    async def save(self, *args: Any, **kwargs: Any) -> None:
        # Four eyes: nobody approves their own request, however the row is written.
        if self.approved_by_id is not None and self.requested_by_id == self.approved_by_id:
            raise ValueError("a legal-access grant needs an approver other than its requester")
        await super().save(*args, **kwargs)

    @staticmethod
    def live() -> Q:
        return Q(revoked_at=None, approved_by_id__isnull=False, expires_at__gt=utcnow())

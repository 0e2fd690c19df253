"""The privacy life cycle: requests with legal due dates, erasure tombstones, incidents, the
notifications and public notices that tell people, and transfers to a successor."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RequestKind(StrEnum):
    ACCESS = "ACCESS"
    CORRECTION = "CORRECTION"
    DELETION = "DELETION"
    WITHDRAW_CONSENT = "WITHDRAW_CONSENT"
    CANCEL_ACCOUNT = "CANCEL_ACCOUNT"
    COMPLAINT_AUTOMATED_DECISION = "COMPLAINT_AUTOMATED_DECISION"
    OTHER = "OTHER"


class RequestStatus(StrEnum):
    RECEIVED = "RECEIVED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)


class DeletionGround(StrEnum):
    """The five grounds on which the policy promises deletion (P-DELETE-1)."""

    UNLAWFUL_PROCESSING = "UNLAWFUL_PROCESSING"
    NO_CONSENT = "NO_CONSENT"
    BREACH_OF_AGREEMENT = "BREACH_OF_AGREEMENT"
    STOPPED_USING = "STOPPED_USING"
    SERVICE_ENDED = "SERVICE_ENDED"


class PrivacyRequest(Model):
    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="privacy_requests")
    kind = fields.CharEnumField(RequestKind, max_length=32)
    status = fields.CharEnumField(RequestStatus, max_length=12, default=RequestStatus.RECEIVED)
    ground = fields.CharEnumField(DeletionGround, max_length=24, null=True)
    # The person's own words, sealed under their data key: erasure makes them unreadable too.
    details_sealed = fields.BinaryField(null=True)
    submitted_at = fields.DatetimeField()
    # The last day (mainland China date) on which the answer is on time.
    due_on = fields.DateField(db_index=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Shown to the person; required for a rejection.
    resolution = fields.TextField(null=True)
    # An ACCESS request is answered with the export document, sealed like the details.
    document_sealed = fields.BinaryField(null=True)

    class Meta:
        table = "privacy_request"
        indexes = (("status", "due_on"),)


class ErasureTombstone(Model):
    """That an account was erased, and nothing about whom: a restored backup is erased again
    from these rows (P-DELETE-2)."""

    id = fields.IntField(primary_key=True)
    # Plain integers, not foreign keys: a tombstone must outlive whatever a restore brings back.
    account_id = fields.IntField(unique=True)
    data_key_id = fields.IntField()
    erased_at = fields.DatetimeField()
    ground = fields.CharField(max_length=32)

    class Meta:
        table = "erasure_tombstone"


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    IN_APP = "IN_APP"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    # Handed to the outbox; a relay delivers it and reports back.
    QUEUED = "QUEUED"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class NotificationTopic(StrEnum):
    POLICY_UPDATE = "POLICY_UPDATE"
    INCIDENT = "INCIDENT"
    # P-TRANSFER-1: the person's data moved to a successor under their consent...
    TRANSFER = "TRANSFER"
    # ...or the successor asks for it, and nothing moves until the person accepts.
    TRANSFER_CONSENT = "TRANSFER_CONSENT"


class Incident(Model):
    """A security incident with the five parts the policy promises to tell (P-SEC-6)."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=128)
    what_happened = fields.TextField()
    possible_impact = fields.TextField()
    measures = fields.TextField()
    advice = fields.TextField()
    remedies = fields.TextField()
    categories = fields.JSONField[list[str]](default=list)
    occurred_at = fields.DatetimeField()
    regulator_reported_at = fields.DatetimeField()
    reported_by = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "incident"


class Notification(Model):
    """One message to one person: what they read in the app, and its delivery status."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="notifications")
    topic = fields.CharEnumField(NotificationTopic, max_length=16)
    channel = fields.CharEnumField(Channel, max_length=8)
    title = fields.CharField(max_length=128)
    body = fields.TextField()
    incident = fields.ForeignKeyField(
        "models.Incident", related_name="notifications", null=True, on_delete=fields.RESTRICT
    )
    policy_version = fields.ForeignKeyField(
        "models.PolicyVersion", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    transfer = fields.ForeignKeyField(
        "models.Transfer", related_name="notifications", null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(DeliveryStatus, max_length=10, default=DeliveryStatus.PENDING)
    created_at = fields.DatetimeField(db_index=True)
    delivered_at = fields.DatetimeField(null=True)
    # Set once, when the person first marks it read; the app's unread count is the rows without.
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
        indexes = (("account_id", "id"),)


class OutboxMessage(Model):
    """A notification waiting for a relay (mail, SMS, push gateway) to deliver it.

    It names the account, not an address: the relay opens the address under the person's key at
    sending time, so an erased person's queued message can no longer reach anyone.
    """

    id = fields.IntField(primary_key=True)
    notification = fields.ForeignKeyField("models.Notification", related_name="outbox")
    channel = fields.CharEnumField(Channel, max_length=8)
    created_at = fields.DatetimeField(db_index=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"


class PublicNotice(Model):
    """A notice on the site, of an incident (P-SEC-6) or of a policy version (P-UPDATE-1).

    Of an incident where telling each person is impractical, and of every new policy version,
    as the policy's section 七(二) promises.
    """

    id = fields.IntField(primary_key=True)
    incident = fields.ForeignKeyField(
        "models.Incident", related_name="public_notices", null=True, on_delete=fields.RESTRICT
    )
    policy_version = fields.ForeignKeyField(
        "models.PolicyVersion", related_name="public_notices", null=True, on_delete=fields.RESTRICT
    )
    title = fields.CharField(max_length=128)
    body = fields.TextField()
    published_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "public_notice"


class TransferReason(StrEnum):
    MERGER = "MERGER"
    ACQUISITION = "ACQUISITION"
    ASSET_SALE = "ASSET_SALE"
    BANKRUPTCY = "BANKRUPTCY"


# The purpose a consent to a successor names (P-TRANSFER-1): its API clients are bound to it.
TRANSFER_PURPOSE = "transfer"


class TransferOutcome(StrEnum):
    MOVED = "MOVED"
    # Asked, not answered yet: nothing of the person has moved.
    NEEDS_CONSENT = "NEEDS_CONSENT"
    REFUSED = "REFUSED"


class Transfer(Model):
    """Personal data handed to a successor (P-TRANSFER-1): a recorded event per recipient.

    The successor's written commitment to be bound by the privacy policy is kept with it (the
    policy's 三(二)2). The commitment and the categories are None only on a transfer recorded
    before they were kept.
    """

    id = fields.IntField(primary_key=True)
    successor = fields.ForeignKeyField(
        "models.Affiliate", related_name="transfers", on_delete=fields.RESTRICT
    )
    reason = fields.CharEnumField(TransferReason, max_length=12)
    reference = fields.CharField(max_length=128)
    recorded_by = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.RESTRICT
    )
    recorded_at = fields.DatetimeField()
    # What moves: the data categories a consent to the successor is asked for.
    categories = fields.JSONField[list[str]](null=True)
    # Who signed for the successor (a name and office: personal data of the signatory), when,
    # the text signed, its SHA-256 and the document's own reference.
    commitment_signed_by = fields.CharField(max_length=128, null=True)
    commitment_signed_at = fields.DatetimeField(null=True)
    commitment_text = fields.TextField(null=True)
    commitment_digest = fields.CharField(max_length=64, null=True)
    commitment_reference = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "transfer"


class TransferSubject(Model):
    """One person in a transfer: moved under their consent, asked, or refused."""

    id = fields.IntField(primary_key=True)
    transfer = fields.ForeignKeyField("models.Transfer", related_name="subjects")
    account = fields.ForeignKeyField("models.Account", related_name="transfers")
    outcome = fields.CharEnumField(TransferOutcome, max_length=16)
    # The consent that covers the move; None while the person has not consented.
    consent = fields.ForeignKeyField(
        "models.Consent", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    # When the person accepted or refused; None for those moved under an earlier consent.
    responded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "transfer_subject"
        unique_together = (("transfer", "account"),)

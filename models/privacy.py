"""The privacy life cycle: requests with legal due dates, erasure tombstones, incidents, the
notifications and public notices that tell people, and transfers to a successor."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.personal import Format, Retention, personal_data, sealed


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


@personal_data(
    sealed(
        "details",
        "privacy.request",
        Format.FREE_TEXT,
        sealed_as="privacy_request.details",
        key="account.data_key",
        retention=Retention.KEEP,
        max_length=2000,
    ),
    # A copy of an export: the export itself does not repeat it.
    sealed(
        "document",
        "privacy.export",
        Format.NONE,
        sealed_as="privacy_request.document",
        key="account.data_key",
        retention=Retention.KEEP,
        export=False,
    ),
    operational={
        "id": "the request's number",
        "account_id": "whose request it is",
        "kind": "what is asked",
        "status": "where it stands",
        "ground": "the deletion ground it names",
        "submitted_at": "when",
        "due_on": "the last day the answer is on time",
        "resolved_at": "when it was answered",
        "resolved_by_id": "the admin who answered",
        "resolution": "the answer, written to the person by the controller",
    },
    owner="account_id",
    exported=(
        "id",
        "kind",
        "status",
        "ground",
        "submitted_at",
        "due_on",
        "resolved_at",
        "resolution",
    ),
)
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


@personal_data(
    operational={
        "id": "the tombstone's number",
        "account_id": "which account number was erased (nothing about whom)",
        "data_key_id": "which key was destroyed",
        "erased_at": "when",
        "ground": "on which ground",
    },
    owner="",
)
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
    # Printed and posted: a print batch in a folder for the print shop.
    LETTER = "LETTER"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    # Handed to the outbox; the delivery job sends it.
    QUEUED = "QUEUED"
    # Shown in the app (IN_APP): the person reads it there.
    DELIVERED = "DELIVERED"
    # Accepted by the next hop: the mail server, the SMS gateway, a print batch.
    SENT = "SENT"
    # Not sent, for good: `failure_reason` says why.
    FAILED = "FAILED"


class NotificationTopic(StrEnum):
    POLICY_UPDATE = "POLICY_UPDATE"
    INCIDENT = "INCIDENT"
    # Something tried with the person's phone or email (P-SEC-4): a registration, a change.
    SECURITY = "SECURITY"
    # P-TRANSFER-1: the person's data moved to a successor under their consent...
    TRANSFER = "TRANSFER"
    # ...or the successor asks for it, and nothing moves until the person accepts.
    TRANSFER_CONSENT = "TRANSFER_CONSENT"


@personal_data(
    operational={
        "id": "the incident's number",
        "title": "what the notice is called",
        "what_happened": "the incident, told to everyone affected",
        "possible_impact": "told to everyone affected",
        "measures": "told to everyone affected",
        "advice": "told to everyone affected",
        "remedies": "told to everyone affected",
        "categories": "which data categories it involved",
        "occurred_at": "when",
        "regulator_reported_at": "when it was reported",
        "reported_by_id": "the admin who recorded it",
        "created_at": "when it was recorded",
    },
    owner="",
)
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


@personal_data(
    operational={
        "id": "the notification's number",
        "account_id": "to whom",
        "topic": "what about",
        "channel": "how",
        "title": "the same words for everyone told of one thing",
        "body": "the same words for everyone told of one thing",
        "incident_id": "which incident",
        "policy_version_id": "which policy version",
        "transfer_id": "which transfer it tells of, or asks consent for",
        "status": "whether it was delivered",
        "created_at": "when",
        "delivered_at": "when it was delivered",
        "read_at": "when the person read it",
        "failure_reason": "why delivery failed for good, as a code, never the server's words",
    },
    owner="account_id",
    exported=(
        "id",
        "topic",
        "channel",
        "title",
        "body",
        "status",
        "created_at",
        "delivered_at",
        "read_at",
        "failure_reason",
    ),
)
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
    # When it was shown in the app (DELIVERED) or handed to the next hop (SENT).
    delivered_at = fields.DatetimeField(null=True)
    # Why it was not sent (FAILED): a short code, never a server's text (it may quote addresses).
    failure_reason = fields.CharField(max_length=128, null=True)
    # Set once, when the person first marks it read; the app's unread count is the rows without.
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
        indexes = (("account_id", "id"),)


@personal_data(
    # The text with a one-time code in it, under the code's own key (models.phone_codes): it goes
    # with its code when that is swept, not by the categories' retention.
    sealed(
        "body",
        "credential.password",
        Format.NONE,
        sealed_as="outbox_message.body",
        key="phone_code.data_key",
        retention=Retention.KEEP,
        export=False,
    ),
    operational={
        "id": "the message's number",
        "notification_id": "which notification (the address is opened only when sending)",
        "phone_code_id": "which one-time code (its number is opened only when sending)",
        "channel": "how",
        "created_at": "when it was queued",
        "sent_at": "when it was sent",
        "failed_at": "when it failed for good",
        "attempts": "how many tries",
        "next_attempt_at": "when to try again",
        "last_error": "the last failure, as a code",
    },
    owner="",
)
class OutboxMessage(Model):
    """A notification or a one-time code waiting for the delivery job (api/notices/delivery.py)
    to send it.

    It names the account or the code, not an address: the job opens the address under the
    person's (or the code's) key at sending time, so an erased person's queued message, or a
    code already used or expired, can no longer reach anyone.
    """

    id = fields.IntField(primary_key=True)
    # Exactly one of the two.
    notification = fields.ForeignKeyField("models.Notification", related_name="outbox", null=True)
    phone_code = fields.ForeignKeyField(
        "models.PhoneCode", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    body_sealed = fields.BinaryField(null=True)
    channel = fields.CharEnumField(Channel, max_length=8)
    created_at = fields.DatetimeField(db_index=True)
    sent_at = fields.DatetimeField(null=True)
    # Given up: the notification is FAILED with the reason.
    failed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0, db_default=0)
    # Not before this time (a retry's backoff); None: as soon as the job runs.
    next_attempt_at = fields.DatetimeField(null=True)
    # The reason of the last failed attempt, a short code like the notification's.
    last_error = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "outbox_message"

    # Installed by the declaration above.
    body: str | None


@personal_data(
    operational={
        "id": "the notice's number",
        "incident_id": "which incident",
        "policy_version_id": "which policy version",
        "title": "public",
        "body": "public",
        "published_at": "when",
    },
    owner="",
)
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


@personal_data(
    operational={
        "id": "the transfer's number",
        "successor_id": "to whom",
        "reason": "why",
        "reference": "the deal or court reference",
        "recorded_by_id": "the admin who recorded it",
        "recorded_at": "when",
        "categories": "which data categories move",
        "commitment_signed_by": "the successor's signatory, as the signed commitment names them",
        "commitment_signed_at": "when the successor signed",
        "commitment_text": "the successor's commitment to be bound by the policy",
        "commitment_digest": "SHA-256 of that text",
        "commitment_reference": "the commitment's reference",
    },
    owner="",
)
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


@personal_data(
    operational={
        "id": "the row's number",
        "transfer_id": "which transfer",
        "account_id": "whose data",
        "outcome": "moved, to be asked, or refused",
        "consent_id": "the consent that covered it",
        "responded_at": "when the person answered",
    },
    owner="account_id",
    exported=("transfer_id", "outcome", "consent_id", "responded_at"),
)
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

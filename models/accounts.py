"""People with an account, their sessions and what sign-in and their devices record."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.keys import DataKeyRecord
from models.personal import (
    Erasure,
    Format,
    Retention,
    RowAction,
    hashed,
    listed_columns,
    lookup_hash,
    personal_data,
    plain,
    sealed,
    sealed_accessors,
)
from models.records import record_type

PHONE_LOOKUP = "phone"
EMAIL_LOOKUP = "email"


def phone_lookup(phone: str) -> str:
    """The keyed hash a normalized phone number is found and kept unique by."""
    return lookup_hash(PHONE_LOOKUP, phone) or ""


def email_lookup(email: str) -> str:
    return lookup_hash(EMAIL_LOOKUP, email) or ""


class Role(StrEnum):
    USER = "USER"
    ADMIN = "ADMIN"
    # Staff of a partner company: reads and corrects their own details, nothing else.
    PARTNER = "PARTNER"


class Duty(StrEnum):
    """What an admin is charged with beyond running the service: a duty opens exactly the data
    it needs (plugins/builtin/duties.py)."""

    # Answering privacy requests (P-RIGHTS-3/4): reads what people wrote in them.
    PRIVACY_REQUESTS = "PRIVACY_REQUESTS"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    ERASED = "ERASED"


@personal_data(
    sealed(
        "phone",
        "contact.phone",
        Format.PHONE,
        sealed_as="account.phone",
        lookup=PHONE_LOOKUP,
        retention=Retention.KEEP,
    ),
    sealed(
        "email",
        "contact.email",
        Format.EMAIL,
        sealed_as="account.email",
        lookup=EMAIL_LOOKUP,
        retention=Retention.KEEP,
    ),
    plain("name", "identity.name", Format.TEXT, erasure=Erasure.BLANK),
    plain("company", "org.company", Format.TEXT, erasure=Erasure.BLANK),
    plain("province", "location.region", Format.TEXT, erasure=Erasure.CLEAR),
    plain("city", "location.region", Format.TEXT, erasure=Erasure.CLEAR),
    hashed(
        "password_hash",
        "credential.password",
        erasure=Erasure.CLEAR,
        retention=Retention.KEEP,
    ),
    operational={
        "id": "the account's number",
        "data_key_id": "which key seals the person's data; key material lives in data_key",
        "role": "what the account may do",
        "duties": "what an admin is charged with",
        "partner_of_id": "the partner company a partner's staff account belongs to",
        "do_not_track": "the person's own Do Not Track choice, which binds every viewer",
        "do_not_track_set_at": "when they expressed it",
        "do_not_track_source": "how: a DNT or GPC signal, or their settings",
        "status": "active, cancelling, cancelled or erased",
        "created_at": "when the account was made",
        "updated_at": "when it last changed",
        "cancelled_at": "when cancellation was asked for (P-CANCEL-1)",
        "erased_at": "when the personal data was erased",
    },
    owner="id",
    exported=(
        "id",
        "role",
        "status",
        "created_at",
        "cancelled_at",
        "do_not_track",
        "do_not_track_set_at",
        "do_not_track_source",
    ),
)
class Account(Model):
    id = fields.IntField(primary_key=True)
    data_key = fields.ForeignKeyField(
        "models.DataKey", related_name=False, on_delete=fields.RESTRICT
    )
    # Phone and email are sealed under the data key (P-SEC-2); the hashes serve look-ups.
    phone_sealed = fields.BinaryField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, unique=True)
    email_sealed = fields.BinaryField(null=True)
    email_hash = fields.CharField(max_length=64, null=True, unique=True)
    name = fields.CharField(max_length=64)
    company = fields.CharField(max_length=128)
    province = fields.CharField(max_length=32, null=True)
    city = fields.CharField(max_length=32, null=True)
    role = fields.CharEnumField(Role, max_length=8, default=Role.USER)
    # Admins only (Duty values); given and taken on the command line.
    duties = fields.JSONField[list[str]](default=list, db_default="[]")
    # The partner company of a PARTNER account; None for everyone else.
    partner_of = fields.ForeignKeyField(
        "models.Affiliate", related_name="partner_accounts", null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(AccountStatus, max_length=12, default=AccountStatus.ACTIVE)
    password_hash = fields.CharField(max_length=255, null=True)
    # The person's Do Not Track / GPC choice, kept from the first signal or set by them, and
    # binding on every later viewer (P-DNT-1); with when and how it was expressed.
    do_not_track = fields.BooleanField(default=False, db_default=False)
    do_not_track_set_at = fields.DatetimeField(null=True)
    do_not_track_source = fields.CharField(max_length=8, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account"

    # Installed by the declaration above: read and written in clear, stored sealed.
    phone: str | None
    email: str | None


# An account as a list of accounts reads it, with the data key that opens its sealed values.
AccountRecord = record_type(
    Account,
    listed_columns(Account),
    related={"data_key": DataKeyRecord},
    attributes=sealed_accessors(Account),
)


async def lock_active_account(account_id: int) -> Account | None:
    """The account row, locked until the transaction ends, if it is still ACTIVE.

    Changes to one person (consent, cancellation) take this lock first, so concurrent calls queue
    and each sees the status the previous one left: nothing is granted after a freeze, and a
    person is cancelled once.
    """
    return (
        await Account.select_for_update().filter(id=account_id, status=AccountStatus.ACTIVE).first()
    )


@personal_data(
    operational={
        "id": "the session's number",
        "token_hash": "the digest of a random token: it names the session, nothing about anyone",
        "account_id": "whose session it is",
        "created_at": "when it began",
        "expires_at": "when it ends by itself",
        "ended_at": "when it was ended",
    },
    owner="account_id",
    exported=("created_at", "expires_at", "ended_at"),
)
class Session(Model):
    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="sessions")
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "session"


@personal_data(
    hashed("login_hash", "activity.logins", erasure=Erasure.BLANK, retention=Retention.ANONYMIZE),
    plain("success", "activity.logins", erasure=Erasure.KEEP),
    plain("ip", "network.ip", Format.IP, erasure=Erasure.KEEP, retention=Retention.CLEAR),
    plain("network_type", "device.info", Format.TEXT, erasure=Erasure.KEEP),
    plain("os", "device.info", Format.TEXT, erasure=Erasure.KEEP),
    plain("client_version", "device.info", Format.TEXT, erasure=Erasure.KEEP),
    plain("created_at", "activity.logins", erasure=Erasure.KEEP),
    sealed(
        "device_phone",
        "contact.phone",
        Format.PHONE,
        sealed_as="login.device_phone",
        key="account.data_key",
    ),
    operational={
        "id": "the record's number",
        "account_id": "whose sign-in it was, when the login named an account",
    },
    owner="account_id",
    row_category="activity.logins",
    on_retention=RowAction.UNLINK,
)
class LoginRecord(Model):
    """Every sign-in attempt (P-COLLECT-2): the password is never stored, only verified."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="login_records", null=True, on_delete=fields.SET_NULL
    )
    # The identifier as typed is personal data of whoever typed it: kept only as a keyed hash.
    login_hash = fields.CharField(max_length=64, db_index=True)
    success = fields.BooleanField()
    ip = fields.CharField(max_length=45, null=True)
    network_type = fields.CharField(max_length=16, null=True)
    device_phone_sealed = fields.BinaryField(null=True)
    os = fields.CharField(max_length=64, null=True)
    client_version = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "login_record"


@personal_data(
    plain("os", "device.info", Format.TEXT, erasure=Erasure.KEEP),
    sealed(
        "device_id",
        "device.id",
        Format.TEXT,
        sealed_as="device.device_id",
        key="account.data_key",
        max_length=128,
    ),
    plain("network_status", "device.info", Format.TEXT, erasure=Erasure.KEEP),
    plain("created_at", "device.info", erasure=Erasure.KEEP),
    operational={
        "id": "the log's number",
        "account_id": "whose device it is",
    },
    owner="account_id",
    row_category="device.info",
    on_retention=RowAction.DELETE,
)
class DeviceLog(Model):
    """Operating system, device ID and network status of a person's device (P-COLLECT-3)."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="device_logs")
    os = fields.CharField(max_length=64, null=True)
    device_id_sealed = fields.BinaryField(null=True)
    network_status = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "device_log"

"""People with an account, their sessions and what sign-in and their devices record."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models import keyring


def phone_lookup(phone: str) -> str:
    """The keyed hash a normalized phone number is found and kept unique by."""
    return keyring.active().lookup_hash(f"phone:{phone}")


def email_lookup(email: str) -> str:
    return keyring.active().lookup_hash(f"email:{email}")


class Role(StrEnum):
    USER = "USER"
    ADMIN = "ADMIN"
    # Staff of a partner company: reads and corrects their own details, nothing else.
    PARTNER = "PARTNER"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    ERASED = "ERASED"


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
    # The partner company of a PARTNER account; None for everyone else.
    partner_of = fields.ForeignKeyField(
        "models.Affiliate", related_name="partner_accounts", null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(AccountStatus, max_length=12, default=AccountStatus.ACTIVE)
    password_hash = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account"

    def phone(self) -> str | None:
        return self.data_key.open(self.phone_sealed, "account.phone")

    def email(self) -> str | None:
        return self.data_key.open(self.email_sealed, "account.email")

    def set_phone(self, phone: str) -> None:
        self.phone_sealed = self.data_key.seal(phone, "account.phone")
        self.phone_hash = phone_lookup(phone)

    def set_email(self, email: str) -> None:
        self.email_sealed = self.data_key.seal(email, "account.email")
        self.email_hash = email_lookup(email)


async def lock_active_account(account_id: int) -> Account | None:
    """The account row, locked until the transaction ends, if it is still ACTIVE.

    Changes to one person (consent, cancellation) take this lock first, so concurrent calls queue
    and each sees the status the previous one left: nothing is granted after a freeze, and a
    person is cancelled once.
    """
    return (
        await Account.select_for_update().filter(id=account_id, status=AccountStatus.ACTIVE).first()
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

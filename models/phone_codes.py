"""One-time codes that prove a phone number (P-SEC-4): sent to the number, entered back.

A code is never kept in clear: only its keyed hash, bound to the number and the purpose. The
number is sealed under a data key issued for this code alone, which is destroyed once the code
is used, dies of wrong tries or expires; what is then left holds nothing readable and is deleted
by the next sweep. The message carrying the code is sealed under the same key
(`OutboxMessage.body`), so a relay opens number and text at sending time, and not after.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import PHONE_LOOKUP
from models.personal import Erasure, Format, Retention, hashed, lookup_hash, personal_data, sealed

CODE_LOOKUP = "phone-code"


class CodePurpose(StrEnum):
    REGISTER = "REGISTER"
    PHONE_CHANGE = "PHONE_CHANGE"


def code_hash(purpose: CodePurpose, phone: str, code: str) -> str:
    """The keyed hash a code is kept as: the same code for another number or purpose differs."""
    return lookup_hash(CODE_LOOKUP, f"{purpose}:{phone}:{code}") or ""


# Not the categories' retention: a code lives ten minutes, and the sweep of expired codes
# (api.accounts.phone_codes.sweep_expired, run with every request for a code and by the retention
# job) deletes it whole.
@personal_data(
    sealed(
        "phone",
        "contact.phone",
        Format.PHONE,
        sealed_as="phone_code.phone",
        # The account's look-up: a code's number is compared with the accounts' without opening.
        lookup=PHONE_LOOKUP,
        retention=Retention.KEEP,
    ),
    hashed("code_hash", "credential.password", erasure=Erasure.CLEAR, retention=Retention.KEEP),
    operational={
        "id": "the code's number",
        "data_key_id": "the key issued for this code alone; destroyed when the code is done",
        "account_id": "who asked to move their account to the number (a phone change)",
        "purpose": "registering, or changing an account's phone",
        "attempts": "wrong codes entered",
        "created_at": "when it was sent",
        "expires_at": "when it stops being accepted",
        "used_at": "when it was entered right",
    },
    owner="account_id",
    exported=("purpose", "created_at", "expires_at", "used_at"),
)
class PhoneCode(Model):
    id = fields.IntField(primary_key=True)
    data_key = fields.ForeignKeyField(
        "models.DataKey", related_name=False, on_delete=fields.RESTRICT
    )
    # Registration codes belong to nobody yet.
    account = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.CASCADE
    )
    purpose = fields.CharEnumField(CodePurpose, max_length=12)
    phone_sealed = fields.BinaryField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    code_hash = fields.CharField(max_length=64, null=True)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "phone_code"

    # Installed by the declaration above.
    phone: str | None

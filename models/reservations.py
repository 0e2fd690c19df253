"""Reservations, with their own copy of the contact details (P-COLLECT-5)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ReservationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class Reservation(Model):
    id = fields.IntField(primary_key=True)
    # A reservation may be made without an account; then it is a person of its own, with its own
    # data key. With an account it is sealed under the account's key, so erasing the person
    # erases their reservations too.
    account = fields.ForeignKeyField(
        "models.Account", related_name="reservations", null=True, on_delete=fields.SET_NULL
    )
    data_key = fields.ForeignKeyField(
        "models.DataKey", related_name=False, on_delete=fields.RESTRICT
    )
    product = fields.CharField(max_length=128)
    phone_sealed = fields.BinaryField(null=True)
    email_sealed = fields.BinaryField(null=True)
    name = fields.CharField(max_length=64)
    company = fields.CharField(max_length=128, null=True)
    province = fields.CharField(max_length=32)
    city = fields.CharField(max_length=32)
    preferred_time = fields.DatetimeField(null=True)
    status = fields.CharEnumField(
        ReservationStatus, max_length=10, default=ReservationStatus.PENDING
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "reservation"
        indexes = (("account_id", "id"),)

    def phone(self) -> str | None:
        return self.data_key.open(self.phone_sealed, "reservation.phone")

    def email(self) -> str | None:
        return self.data_key.open(self.email_sealed, "reservation.email")

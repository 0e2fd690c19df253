"""Reservations, with their own copy of the contact details (P-COLLECT-5)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.personal import Erasure, Format, Retention, RowAction, personal_data, plain, sealed


class ReservationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@personal_data(
    plain("product", "activity.reservations", Format.TEXT, erasure=Erasure.KEEP),
    sealed("phone", "contact.phone", Format.PHONE, sealed_as="reservation.phone"),
    sealed("email", "contact.email", Format.EMAIL, sealed_as="reservation.email"),
    plain(
        "name", "identity.name", Format.TEXT, erasure=Erasure.BLANK, retention=Retention.ANONYMIZE
    ),
    plain("company", "org.company", Format.TEXT, erasure=Erasure.CLEAR, retention=Retention.CLEAR),
    # The province stays after retention: it names no one.
    plain("province", "location.region", Format.TEXT, erasure=Erasure.BLANK),
    plain(
        "city", "location.region", Format.TEXT, erasure=Erasure.BLANK, retention=Retention.ANONYMIZE
    ),
    plain("preferred_time", "activity.reservations", erasure=Erasure.KEEP),
    plain("status", "activity.reservations", erasure=Erasure.KEEP),
    plain("created_at", "activity.reservations", erasure=Erasure.KEEP),
    operational={
        "id": "the reservation's number",
        "account_id": "whose reservation it is, when made signed in",
        "data_key_id": "which key seals its contact copy: the account's, or its own",
    },
    owner="account_id",
    row_category="activity.reservations",
    on_retention=RowAction.UNLINK,
    exported=("id",),
)
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

    # Installed by the declaration above: read and written in clear, stored sealed.
    phone: str | None
    email: str | None

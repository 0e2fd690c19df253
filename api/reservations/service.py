"""Making and cancelling reservations (P-COLLECT-5): anyone may reserve; signed in, it is the
person's own, sealed under their data key, so erasing them erases it too."""

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from api.errors import ApiError, ErrorCode, not_found
from api.validation import email_address, mainland_mobile, text
from models.accounts import Account
from models.keys import DataKey
from models.reservations import Reservation, ReservationStatus


@dataclass(frozen=True)
class NewReservation:
    product: str
    phone: str
    name: str
    email: str
    company: str | None
    province: str
    city: str
    preferred_time: datetime | None


async def create_reservation(owner: Account | None, new: NewReservation) -> Reservation:
    phone = mainland_mobile(new.phone)
    email = email_address(new.email)
    name = text(new.name, "name", max_length=64)
    company = text(new.company or "", "company", max_length=128, required=False) or None
    province = text(new.province, "province", max_length=32)
    city = text(new.city, "city", max_length=32)
    product = text(new.product, "product", max_length=128)
    async with in_transaction():
        # Without an account the reservation is a person of its own, with its own data key.
        data_key = owner.data_key if owner else await DataKey.issue()
        reservation = Reservation(
            account=owner,
            data_key=data_key,
            product=product,
            name=name,
            company=company,
            province=province,
            city=city,
            preferred_time=new.preferred_time,
            phone_sealed=data_key.seal(phone, "reservation.phone"),
            email_sealed=data_key.seal(email, "reservation.email"),
        )
        await reservation.save()
    return reservation


async def cancel_reservation(owner: Account, reservation_id: int) -> Reservation:
    async with in_transaction():
        reservation = (
            await Reservation.filter(id=reservation_id, account_id=owner.id)
            .select_for_update()
            .first()
        )
        if reservation is None:
            raise not_found("reservation")
        if reservation.status == ReservationStatus.CANCELLED:
            raise ApiError(ErrorCode.CONFLICT, "the reservation is already cancelled")
        reservation.status = ReservationStatus.CANCELLED
        await reservation.save(update_fields=["status"])
        await reservation.fetch_related("data_key")
    return reservation

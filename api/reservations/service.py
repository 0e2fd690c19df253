"""Making and cancelling reservations (P-COLLECT-5): anyone may reserve; signed in, it is the
person's own, sealed under their data key, so erasing them erases it too."""

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from api.errors import ApiError, ErrorCode, not_found
from api.validation import checked, optional
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
    phone = checked(Reservation, "phone", new.phone, "phone")
    email = checked(Reservation, "email", new.email, "email")
    name = checked(Reservation, "name", new.name, "name")
    company = optional(Reservation, "company", new.company, "company")
    province = checked(Reservation, "province", new.province, "province")
    city = checked(Reservation, "city", new.city, "city")
    product = checked(Reservation, "product", new.product, "product")
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
        )
        reservation.phone = phone
        reservation.email = email
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

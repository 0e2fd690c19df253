"""Reservations, signed in or anonymous, with their own copy of the contact (P-COLLECT-5)."""

from datetime import datetime

import strawberry
from tortoise.transactions import in_transaction

from api.errors import ApiError, ErrorCode, not_found
from api.graphql.context import Info, RequestContext
from api.graphql.ids import parse_id
from api.graphql.nodes import SubjectNode
from api.graphql.pagination import Connection, connection, newest_first
from api.graphql.personal import personal
from api.validation import email_address, mainland_mobile, text
from models.accounts import Account
from models.keys import DataKey
from models.reservations import Reservation, ReservationStatus
from plugins.subject import Subject

RESERVATION_CURSOR = "reservation"

ReservationStatusEnum = strawberry.enum(ReservationStatus, name="ReservationStatus")


@strawberry.type(name="Reservation")
class ReservationNode(SubjectNode):
    product = personal("activity.reservations", "row.product", str)
    phone = personal("contact.phone", lambda node: node.row.phone(), str)
    email = personal("contact.email", lambda node: node.row.email(), str)
    name = personal("identity.name", "row.name", str)
    company = personal("org.company", "row.company", str)
    province = personal("location.region", "row.province", str, mask="province")
    city = personal("location.region", "row.city", str)
    preferred_time = personal("activity.reservations", "row.preferred_time", datetime)
    status = personal("activity.reservations", "row.status", ReservationStatusEnum)
    created_at = personal("activity.reservations", "row.created_at", datetime)


async def reservation_connection(
    context: RequestContext, rows: list[Reservation], owner: Account, first: int | None
) -> Connection[ReservationNode]:
    subjects = {row.id: Subject.of_reservation(row, owner) for row in rows}
    await context.decisions.prepare(list(subjects.values()))
    return connection(
        rows,
        RESERVATION_CURSOR,
        first,
        lambda row: ReservationNode(row=row, subject=subjects[row.id]),
    )


@strawberry.input
class CreateReservationInput:
    product: str
    phone: str
    name: str
    email: str
    company: str | None = None
    province: str
    city: str
    preferred_time: datetime | None = None


@strawberry.type
class ReservationQueries:
    @strawberry.field(description="The signed-in person's reservations, newest first.")
    async def reservations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReservationNode]:
        owner = await info.context.account()
        query = Reservation.filter(account_id=owner.id).select_related("data_key")
        rows = await newest_first(query, RESERVATION_CURSOR, first, after)
        return await reservation_connection(info.context, rows, owner, first)


@strawberry.type
class ReservationMutations:
    @strawberry.mutation(description="Anyone may reserve; signed in, it is linked to the account.")
    async def create_reservation(
        self, info: Info, input: CreateReservationInput
    ) -> ReservationNode:
        owner = await info.context.account() if info.context.session else None
        phone = mainland_mobile(input.phone)
        email = email_address(input.email)
        name = text(input.name, "name", max_length=64)
        company = text(input.company or "", "company", max_length=128, required=False) or None
        province = text(input.province, "province", max_length=32)
        city = text(input.city, "city", max_length=32)
        product = text(input.product, "product", max_length=128)
        async with in_transaction():
            data_key = owner.data_key if owner else await DataKey.issue()
            reservation = Reservation(
                account=owner,
                data_key=data_key,
                product=product,
                name=name,
                company=company,
                province=province,
                city=city,
                preferred_time=input.preferred_time,
                phone_sealed=data_key.seal(phone, "reservation.phone"),
                email_sealed=data_key.seal(email, "reservation.email"),
            )
            await reservation.save()
        # Without an account the caller is anonymous and gets the id back, never the personal
        # fields (P-DISCLOSE-1), even their own: nothing proves who sent them.
        subject = Subject.of_reservation(reservation, owner)
        await info.context.decisions.prepare([subject])
        return ReservationNode(row=reservation, subject=subject)

    @strawberry.mutation
    async def cancel_reservation(self, info: Info, id: strawberry.ID) -> ReservationNode:
        owner = await info.context.account()
        async with in_transaction():
            reservation = (
                await Reservation.filter(id=parse_id(id, "reservation"), account_id=owner.id)
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
        subject = Subject.of_reservation(reservation, owner)
        await info.context.decisions.prepare([subject])
        return ReservationNode(row=reservation, subject=subject)

"""Reservations, signed in or anonymous, with their own copy of the contact (P-COLLECT-5)."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.pagination import Connection, PageRequest, newest_first
from api.reservations.service import NewReservation, cancel_reservation, create_reservation
from api.reservations.types import (
    RESERVATION_CURSOR,
    ReservationNode,
    reservation_connection,
    reservation_nodes,
)
from models.reservations import Reservation


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
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReservationNode]:
        owner = await info.context.account()
        query = Reservation.filter(account_id=owner.id).select_related("data_key")
        request = PageRequest.of(RESERVATION_CURSOR, first, after, last, before)
        page = await newest_first(query, request)
        return await reservation_connection(info.context, page, owner)


@strawberry.type
class ReservationMutations:
    @strawberry.mutation(description="Anyone may reserve; signed in, it is linked to the account.")
    async def create_reservation(
        self, info: Info, input: CreateReservationInput
    ) -> ReservationNode:
        context = info.context
        owner = await context.account() if context.session else None
        reservation = await create_reservation(
            owner,
            NewReservation(
                product=input.product,
                phone=input.phone,
                name=input.name,
                email=input.email,
                company=input.company,
                province=input.province,
                city=input.city,
                preferred_time=input.preferred_time,
            ),
        )
        # Without an account the caller is anonymous and gets the id back, never the personal
        # fields (P-DISCLOSE-1), even their own: nothing proves who sent them.
        [node] = await reservation_nodes(context, [reservation], owner)
        return node

    @strawberry.mutation
    async def cancel_reservation(self, info: Info, id: strawberry.ID) -> ReservationNode:
        owner = await info.context.account()
        reservation = await cancel_reservation(owner, parse_id(id, "reservation"))
        [node] = await reservation_nodes(info.context, [reservation], owner)
        return node

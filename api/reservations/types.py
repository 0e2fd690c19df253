"""The Reservation type: what was reserved, and its own copy of the contact (P-COLLECT-5)."""

from datetime import datetime

import strawberry

from api.graphql.context import RequestContext
from api.graphql.nodes import SubjectNode, subject_connection, subject_nodes
from api.graphql.pagination import Connection, Page
from api.graphql.personal import personal
from models.accounts import Account
from models.reservations import Reservation, ReservationStatus
from plugins.subject import Subject

RESERVATION_CURSOR = "reservation"

ReservationStatusEnum = strawberry.enum(ReservationStatus, name="ReservationStatus")


@strawberry.type(name="Reservation")
class ReservationNode(SubjectNode):
    product = personal(Reservation, "product", str)
    phone = personal(Reservation, "phone", str)
    email = personal(Reservation, "email", str)
    name = personal(Reservation, "name", str)
    company = personal(Reservation, "company", str)
    province = personal(Reservation, "province", str, mask="province")
    city = personal(Reservation, "city", str)
    preferred_time = personal(Reservation, "preferred_time", datetime)
    status = personal(Reservation, "status", ReservationStatusEnum)
    created_at = personal(Reservation, "created_at", datetime)


def reservation_node(row: Reservation, subject: Subject) -> ReservationNode:
    return ReservationNode(row=row, subject=subject)


async def reservation_nodes(
    context: RequestContext, rows: list[Reservation], owner: Account | None
) -> list[ReservationNode]:
    """Reservations of one owner (None: made without an account), each a subject of its own."""
    return await subject_nodes(
        context, rows, lambda row: Subject.of_reservation(row, owner), reservation_node
    )


async def reservation_connection(
    context: RequestContext, page: Page[Reservation], owner: Account
) -> Connection[ReservationNode]:
    return await subject_connection(
        context,
        page,
        lambda row: Subject.of_reservation(row, owner),
        reservation_node,
    )

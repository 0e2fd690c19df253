"""What sign-in and devices record about a person (P-COLLECT-2, P-COLLECT-3)."""

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

import strawberry

from api.graphql.context import RequestContext
from api.graphql.nodes import SubjectNode, subject_connection, subject_nodes
from api.graphql.pagination import Connection, Page
from api.graphql.personal import personal
from models.accounts import Account, DeviceLog, LoginRecord
from plugins.subject import Subject

LOGIN_CURSOR = "login"
DEVICE_CURSOR = "device"


@strawberry.type(name="LoginRecord")
class LoginRecordNode(SubjectNode):
    success = personal(LoginRecord, "success", bool)
    ip = personal(LoginRecord, "ip", str)
    network_type = personal(LoginRecord, "network_type", str)
    os = personal(LoginRecord, "os", str)
    client_version = personal(LoginRecord, "client_version", str)
    created_at = personal(LoginRecord, "created_at", datetime)
    device_phone = personal(
        LoginRecord,
        "device_phone",
        str,
        description="The phone number of the signing-in device, if it sent one.",
    )


@strawberry.type(name="DeviceLog")
class DeviceLogNode(SubjectNode):
    os = personal(DeviceLog, "os", str)
    network_status = personal(DeviceLog, "network_status", str)
    created_at = personal(DeviceLog, "created_at", datetime)
    device_id = personal(DeviceLog, "device_id", str)


def owned_by(rows: Sequence[LoginRecord | DeviceLog], owner: Account) -> None:
    """The rows of one person, loaded without their account: given it, with its data key, so
    their sealed values open (models.personal.SealedValue)."""
    for row in rows:
        row.account = owner


Row = TypeVar("Row", LoginRecord, DeviceLog)
Node = TypeVar("Node", LoginRecordNode, DeviceLogNode)


async def activity_connection(
    context: RequestContext, page: Page[Row], owner: Account, node: type[Node]
) -> Connection[Node]:
    """A page of what sign-in or a device recorded of one person: every row is theirs."""
    owned_by(page.rows, owner)
    subject = Subject.of_account(owner)
    return await subject_connection(
        context, page, lambda _row: subject, lambda row, s: node(row=row, subject=s)
    )


async def login_record_connection(
    context: RequestContext, page: Page[LoginRecord], owner: Account
) -> Connection[LoginRecordNode]:
    return await activity_connection(context, page, owner, LoginRecordNode)


async def device_log_connection(
    context: RequestContext, page: Page[DeviceLog], owner: Account
) -> Connection[DeviceLogNode]:
    return await activity_connection(context, page, owner, DeviceLogNode)


async def device_log_node(context: RequestContext, row: DeviceLog, owner: Account) -> DeviceLogNode:
    owned_by([row], owner)
    subject = Subject.of_account(owner)
    [node] = await subject_nodes(
        context, [row], lambda _row: subject, lambda row, s: DeviceLogNode(row=row, subject=s)
    )
    return node

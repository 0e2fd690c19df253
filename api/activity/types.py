"""What sign-in and devices record about a person (P-COLLECT-2, P-COLLECT-3)."""

from datetime import datetime

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
    owner: strawberry.Private[Account]

    success = personal("activity.logins", "row.success", bool)
    ip = personal("network.ip", "row.ip", str)
    network_type = personal("device.info", "row.network_type", str)
    os = personal("device.info", "row.os", str)
    client_version = personal("device.info", "row.client_version", str)
    created_at = personal("activity.logins", "row.created_at", datetime)
    device_phone = personal(
        "contact.phone",
        lambda node: node.owner.data_key.open(node.row.device_phone_sealed, "login.device_phone"),
        str,
        description="The phone number of the signing-in device, if it sent one.",
    )


@strawberry.type(name="DeviceLog")
class DeviceLogNode(SubjectNode):
    owner: strawberry.Private[Account]

    os = personal("device.info", "row.os", str)
    network_status = personal("device.info", "row.network_status", str)
    created_at = personal("device.info", "row.created_at", datetime)
    device_id = personal(
        "device.id",
        lambda node: node.owner.data_key.open(node.row.device_id_sealed, "device.device_id"),
        str,
    )


async def login_record_connection(
    context: RequestContext, page: Page[LoginRecord], owner: Account
) -> Connection[LoginRecordNode]:
    subject = Subject.of_account(owner)
    return await subject_connection(
        context,
        page,
        lambda _row: subject,
        lambda row, subject: LoginRecordNode(row=row, owner=owner, subject=subject),
    )


async def device_log_connection(
    context: RequestContext, page: Page[DeviceLog], owner: Account
) -> Connection[DeviceLogNode]:
    subject = Subject.of_account(owner)
    return await subject_connection(
        context,
        page,
        lambda _row: subject,
        lambda row, subject: DeviceLogNode(row=row, owner=owner, subject=subject),
    )


async def device_log_node(context: RequestContext, row: DeviceLog, owner: Account) -> DeviceLogNode:
    [node] = await subject_nodes(
        context,
        [row],
        lambda _row: Subject.of_account(owner),
        lambda row, subject: DeviceLogNode(row=row, owner=owner, subject=subject),
    )
    return node

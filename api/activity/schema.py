"""The device log a client uploads (P-COLLECT-3): OS, device ID (sealed), network status.

Under Do Not Track or GPC nothing is written, and the result says so (P-DNT-1).
"""

import strawberry
from tortoise.transactions import in_transaction

from api.activity.types import DeviceLogNode
from api.errors import invalid
from api.graphql.context import Info
from api.privacy.dnt import NOT_RECORDED, may_record_behaviour
from api.validation import optional_text
from models.accounts import DeviceLog
from plugins.subject import Subject


@strawberry.input
class RecordDeviceLogInput:
    os: str | None = None
    device_id: str | None = None
    network_status: str | None = None


@strawberry.type
class DeviceLogResult:
    recorded: bool
    reason: str | None = strawberry.field(description="Why nothing was recorded.")
    device_log: DeviceLogNode | None


@strawberry.type
class DeviceLogMutations:
    @strawberry.mutation(description="Upload the signed-in person's device log.")
    async def record_device_log(self, info: Info, input: RecordDeviceLogInput) -> DeviceLogResult:
        context = info.context
        owner = await context.account()
        os = optional_text(input.os, "os", max_length=64)
        device_id = optional_text(input.device_id, "deviceId", max_length=128)
        network_status = optional_text(input.network_status, "networkStatus", max_length=16)
        if os is None and device_id is None and network_status is None:
            raise invalid("input", "a device log needs at least one of os, deviceId, networkStatus")
        if not may_record_behaviour(context.viewer):
            return DeviceLogResult(recorded=False, reason=NOT_RECORDED, device_log=None)
        async with in_transaction():
            row = await DeviceLog.create(
                account=owner,
                os=os,
                device_id_sealed=owner.data_key.seal(device_id, "device.device_id"),
                network_status=network_status,
            )
        subject = Subject.of_account(owner)
        await context.decisions.prepare([subject])
        return DeviceLogResult(
            recorded=True,
            reason=None,
            device_log=DeviceLogNode(row=row, owner=owner, subject=subject),
        )

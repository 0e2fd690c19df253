"""The device log a client uploads (P-COLLECT-3): OS, device ID (sealed), network status.

Under Do Not Track or GPC nothing is written, and the result says so (P-DNT-1).
"""

import strawberry

from api.activity.service import DeviceReport, record_device_log
from api.activity.types import DeviceLogNode, device_log_node
from api.graphql.context import Info
from api.privacy.dnt import NOT_RECORDED


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
        report = DeviceReport(
            os=input.os, device_id=input.device_id, network_status=input.network_status
        )
        row = await record_device_log(context.actor, owner, report)
        if row is None:
            return DeviceLogResult(recorded=False, reason=NOT_RECORDED, device_log=None)
        return DeviceLogResult(
            recorded=True, reason=None, device_log=await device_log_node(context, row, owner)
        )

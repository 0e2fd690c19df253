"""Recording what sign-in and devices tell about a person (P-COLLECT-2, P-COLLECT-3, P-DNT-1)."""

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.errors import invalid
from api.privacy.dnt import may_record_behaviour
from api.validation import optional
from models.accounts import Account, DeviceLog, LoginRecord


@dataclass(frozen=True)
class ClientDetails:
    """What a signing-in client tells about itself, validated."""

    network_type: str | None = None
    os: str | None = None
    client_version: str | None = None
    device_phone: str | None = None

    @classmethod
    def checked(
        cls,
        network_type: str | None,
        os: str | None,
        client_version: str | None,
        device_phone: str | None,
    ) -> "ClientDetails":
        """Validated before any password is checked, so bad input writes nothing."""
        return cls(
            network_type=optional(LoginRecord, "network_type", network_type, "client.networkType"),
            os=optional(LoginRecord, "os", os, "client.os"),
            client_version=optional(
                LoginRecord, "client_version", client_version, "client.clientVersion"
            ),
            device_phone=optional(LoginRecord, "device_phone", device_phone, "client.devicePhone"),
        )


async def record_sign_in_attempt(
    actor: Actor,
    login_hash: str,
    account: Account | None,
    success: bool,
    client: ClientDetails,
) -> None:
    """Every attempt is a security record, kept even under Do Not Track (P-COLLECT-2, P-DNT-1):
    when and from where, and whether it succeeded. What the client says about itself (device
    phone, OS, version, network) is kept only once the password proved it is the account holder
    speaking: anyone can type another person's phone number as their device's, and it must
    never be shown as the account holder's data (P-SEC-3)."""
    record = LoginRecord(account=account, login_hash=login_hash, success=success, ip=actor.address)
    if success and account is not None:
        record.network_type = client.network_type
        record.os = client.os
        record.client_version = client.client_version
        record.device_phone = client.device_phone
    await record.save()


@dataclass(frozen=True)
class DeviceReport:
    os: str | None
    device_id: str | None
    network_status: str | None


async def record_device_log(actor: Actor, owner: Account, report: DeviceReport) -> DeviceLog | None:
    """The device log, or None when Do Not Track or GPC forbids recording it (P-DNT-1)."""
    os = optional(DeviceLog, "os", report.os, "os")
    device_id = optional(DeviceLog, "device_id", report.device_id, "deviceId")
    network_status = optional(DeviceLog, "network_status", report.network_status, "networkStatus")
    if os is None and device_id is None and network_status is None:
        raise invalid("input", "a device log needs at least one of os, deviceId, networkStatus")
    if not may_record_behaviour(actor.viewer, owner):
        return None
    log = DeviceLog(account=owner, os=os, network_status=network_status)
    log.device_id = device_id
    async with in_transaction():
        await log.save()
    return log

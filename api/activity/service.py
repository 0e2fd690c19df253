"""Recording what sign-in and devices tell about a person (P-COLLECT-2, P-COLLECT-3, P-DNT-1)."""

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.errors import invalid
from api.privacy.dnt import may_record_behaviour
from api.validation import mainland_mobile, optional_text
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
            network_type=optional_text(network_type, "client.networkType", max_length=16),
            os=optional_text(os, "client.os", max_length=64),
            client_version=optional_text(client_version, "client.clientVersion", max_length=32),
            device_phone=mainland_mobile(device_phone, "client.devicePhone")
            if device_phone
            else None,
        )


async def record_sign_in_attempt(
    actor: Actor,
    login_hash: str,
    account: Account | None,
    success: bool,
    client: ClientDetails,
) -> None:
    """Every attempt is a security record, kept even under Do Not Track (P-COLLECT-2, P-DNT-1)."""
    await LoginRecord.create(
        account=account,
        login_hash=login_hash,
        success=success,
        ip=actor.address,
        # Sealed under the person's key; an unknown login has no person to seal it for.
        device_phone_sealed=account.data_key.seal(client.device_phone, "login.device_phone")
        if account and client.device_phone
        else None,
        network_type=client.network_type,
        os=client.os,
        client_version=client.client_version,
    )


@dataclass(frozen=True)
class DeviceReport:
    os: str | None
    device_id: str | None
    network_status: str | None


async def record_device_log(actor: Actor, owner: Account, report: DeviceReport) -> DeviceLog | None:
    """The device log, or None when Do Not Track or GPC forbids recording it (P-DNT-1)."""
    os = optional_text(report.os, "os", max_length=64)
    device_id = optional_text(report.device_id, "deviceId", max_length=128)
    network_status = optional_text(report.network_status, "networkStatus", max_length=16)
    if os is None and device_id is None and network_status is None:
        raise invalid("input", "a device log needs at least one of os, deviceId, networkStatus")
    if not may_record_behaviour(actor.viewer):
        return None
    async with in_transaction():
        return await DeviceLog.create(
            account=owner,
            os=os,
            device_id_sealed=owner.data_key.seal(device_id, "device.device_id"),
            network_status=network_status,
        )

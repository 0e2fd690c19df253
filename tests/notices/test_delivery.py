"""Delivery of queued notices (P-SEC-6, P-UPDATE-1) to a real SMTP server (aiosmtpd) and a real
HTTP SMS gateway on loopback, letters as print batches, the development console, retries with
backoff, and erasure reaching the queue. The people here never sign in: email and SMS are how
they are told."""

import email
import json
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tortoise.transactions import in_transaction

from api.errors import ApiError
from api.notices.delivery import RetryPolicy, deliver_due
from api.notices.message import DeliveryFailed
from api.notices.notifications import OutboxSender, notify
from api.notices.transports import configured_transports, send_sms
from api.privacy.erasure import erase
from api.settings import Settings
from models.accounts import Account
from models.consent import PolicyVersion
from models.privacy import Channel, Notification, NotificationTopic, OutboxMessage
from tests.conftest import admin_token, gql, make_settings, register
from tests.notices.test_notices import REPORT, incident
from tests.privacy import test_retention
from tests.privacy.test_retention import Clock
from tests.servers import free_port
from tests.sharing import publish_policy

# Loopback only: the test server takes a password without TLS, which it warns of.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SMTP_USER, SMTP_PASSWORD = "notices", "smtp secret"
GATEWAY_KEY = "gateway key"
RETRY = RetryPolicy(timedelta(seconds=60), max_attempts=3)

# The real time, moved forward by the retry tests.
clock = test_retention.clock


class Inbox:
    """aiosmtpd handler: keeps each accepted envelope."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    expected = LoginPassword(SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=auth_data == expected)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


class Gateway:
    """An HTTP SMS gateway on loopback: records each request and answers with the next status
    of `statuses` (200 once they are used up)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.statuses: list[int] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                gateway.requests.append((dict(self.headers), body))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    fake = Gateway()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def delivery(tmp_path: Path, smtp: tuple[Inbox, int], gateway: Gateway) -> Settings:
    """Production-like delivery: real SMTP with a password, the SMS gateway, a letter folder."""
    return make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_tls="none",
        smtp_user=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        smtp_from="隐私保护 <privacy@example.com>",
        sms_gateway_url=gateway.url,
        sms_gateway_key=GATEWAY_KEY,
        letter_dir=tmp_path / "letters",
    )


async def deliver(settings: Settings, retry: RetryPolicy = RETRY) -> dict[str, int]:
    return dict(await deliver_due(configured_transports(settings), retry))


async def report(client: httpx.AsyncClient, settings: Settings, channel: str, *people: int) -> None:
    admin = await admin_token(client, settings)
    ids = [str(person) for person in people]
    result = await gql(client, REPORT, {"input": incident(ids, channel=channel)}, token=admin)
    assert result.data["reportIncident"]["notified"] == len(people), result


async def someone(client: httpx.AsyncClient, n: int = 0) -> tuple[Account, dict[str, str]]:
    """A registered person who never signs in."""
    details = await register(client, n)
    return await Account.get(id=int(details["id"])), details


async def test_p_sec_6_a_person_who_never_signs_in_gets_the_incident_notice_by_email(
    client: httpx.AsyncClient, settings: Settings, delivery: Settings, smtp: tuple[Inbox, int]
):
    account, details = await someone(client)
    await report(client, settings, "EMAIL", account.id)
    assert await deliver(delivery) == {"sent": 1}

    [envelope] = smtp[0].envelopes
    assert envelope.rcpt_tos == [details["email"]]
    mail = email.message_from_bytes(envelope.content, policy=default)
    assert mail["Subject"] == "预约系统数据泄露"
    assert mail["From"] == "隐私保护 <privacy@example.com>"
    for part in ("3 小时", "手机号", "轮换密钥", "冒充客服", "400-1100-868"):
        assert part in mail.get_content()
    notification = await Notification.get()
    assert (notification.status, notification.failure_reason) == ("SENT", None)
    assert notification.delivered_at is not None
    # Sent once: the next run finds nothing.
    assert await deliver(delivery) == {}
    assert len(smtp[0].envelopes) == 1


async def test_p_update_1_a_person_who_never_signs_in_gets_the_policy_change_notice_by_sms(
    client: httpx.AsyncClient, delivery: Settings, gateway: Gateway
):
    account, details = await someone(client)
    await publish_policy()
    version = await PolicyVersion.get()
    async with in_transaction():
        await notify(
            OutboxSender(),
            [account.id],
            topic=NotificationTopic.POLICY_UPDATE,
            channel=Channel.SMS,
            title="隐私政策更新",
            body="新增合作方，详见网站通告。",
            policy_version=version,
        )
    assert await deliver(delivery) == {"sent": 1}
    [(headers, body)] = gateway.requests
    assert headers["authorization"] == f"Bearer {GATEWAY_KEY}"
    assert body == {
        "to": f"+86{details['phone']}",
        "text": "隐私政策更新\n新增合作方，详见网站通告。",
        "reference": f"notification:{(await Notification.get()).id}",
    }
    assert (await Notification.get()).status == "SENT"


async def test_p_sec_6_a_refused_sms_is_retried_with_a_growing_delay_and_logs_no_address(
    client: httpx.AsyncClient,
    settings: Settings,
    delivery: Settings,
    gateway: Gateway,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
):
    account, details = await someone(client)
    await report(client, settings, "SMS", account.id)
    caplog.set_level(logging.DEBUG, logger="api")
    gateway.statuses = [503, 429]
    assert await deliver(delivery) == {"retrying": 1}
    outbox = await OutboxMessage.get(notification_id__isnull=False)
    assert (outbox.attempts, outbox.last_error) == (1, "SMS gateway HTTP 503")
    assert outbox.next_attempt_at == clock.now + timedelta(seconds=60)
    assert (await Notification.get()).status == "QUEUED"
    # Not before its time; then after twice the delay.
    assert await deliver(delivery) == {}
    clock.now += timedelta(seconds=60)
    assert await deliver(delivery) == {"retrying": 1}
    assert (
        await OutboxMessage.get(notification_id__isnull=False)
    ).next_attempt_at == clock.now + timedelta(seconds=120)
    clock.now += timedelta(seconds=120)
    assert await deliver(delivery) == {"sent": 1}
    assert len(gateway.requests) == 3
    assert (await Notification.get()).status == "SENT"

    ours = [record for record in caplog.records if record.name.startswith("api.")]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    assert "outbox message" in logged
    for personal in (details["phone"], details["email"], details["name"], "冒充客服"):
        assert personal not in logged


async def test_p_sec_6_a_final_refusal_or_too_many_attempts_fail_with_the_reason(
    client: httpx.AsyncClient,
    settings: Settings,
    delivery: Settings,
    gateway: Gateway,
    clock: Clock,
):
    first, _ = await someone(client, 0)
    second, _ = await someone(client, 1)
    await report(client, settings, "SMS", first.id, second.id)
    gateway.statuses = [400, 503]
    assert await deliver(delivery, RetryPolicy(timedelta(seconds=1), 2)) == {
        "failed": 1,
        "retrying": 1,
    }
    gateway.statuses = [502]
    clock.now += timedelta(seconds=1)
    assert await deliver(delivery, RetryPolicy(timedelta(seconds=1), 2)) == {"failed": 1}
    reasons = (
        await Notification.all().order_by("account_id").values_list("status", "failure_reason")
    )
    assert reasons == [
        ("FAILED", "SMS gateway HTTP 400"),
        ("FAILED", "SMS gateway HTTP 502 (2 attempts)"),
    ]
    assert await OutboxMessage.filter(failed_at=None, notification_id__isnull=False).count() == 0


async def test_p_delete_1_an_erased_persons_queued_message_reaches_no_one(
    client: httpx.AsyncClient, settings: Settings, delivery: Settings, gateway: Gateway
):
    account, _ = await someone(client)
    await report(client, settings, "SMS", account.id)
    await erase(account.id, "STOPPED_USING")
    assert await deliver(delivery) == {"failed": 1}
    assert gateway.requests == []
    notification = await Notification.get()
    assert (notification.status, notification.failure_reason) == ("FAILED", "RECIPIENT_ERASED")


async def test_an_unreachable_mail_server_is_retried_later(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
):
    account, _ = await someone(client)
    await report(client, settings, "EMAIL", account.id)
    nowhere = make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_from="p@example.com"
    )
    assert await deliver(nowhere) == {"retrying": 1}
    outbox = await OutboxMessage.get(notification_id__isnull=False)
    assert outbox.attempts == 1 and outbox.last_error.startswith("SMTP")
    assert (await Notification.get()).status == "QUEUED"


async def test_p_sec_6_letters_go_to_a_print_batch_addressed_to_the_person_at_their_company(
    client: httpx.AsyncClient, settings: Settings, delivery: Settings
):
    first, _ = await someone(client, 0)
    second, _ = await someone(client, 1)
    await report(client, settings, "LETTER", first.id, second.id)
    assert await deliver(delivery) == {"sent": 2}

    [batch] = (delivery.letter_dir or Path()).iterdir()
    assert batch.name.startswith("batch-")
    manifest = (batch / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest[0] == "reference,address,title"
    assert len(manifest) == 3 and "张三 收 / 示例科技有限公司" in manifest[1]
    letters = sorted(batch.glob("notification-*.txt"))
    assert len(letters) == 2
    text = letters[0].read_text(encoding="utf-8")
    assert text.startswith("张三 收\n示例科技有限公司\n")
    assert "预约系统数据泄露" in text and "轮换密钥" in text
    assert {oct(path.stat().st_mode & 0o777) for path in [*letters, batch / "manifest.csv"]} == {
        "0o600"
    }
    assert await Notification.filter(status="SENT").count() == 2


async def test_development_prints_each_message_and_production_keeps_it_queued(
    client: httpx.AsyncClient,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    account, details = await someone(client)
    await report(client, settings, "SMS", account.id)
    production = make_settings(tmp_path, mode="production")
    assert await deliver(production) == {"waiting": 1}
    assert (await Notification.get()).status == "QUEUED"

    assert await deliver(make_settings(tmp_path)) == {"sent": 1}
    printed = capsys.readouterr().out
    assert details["phone"] in printed and "轮换密钥" in printed


async def test_send_sms_reaches_a_number_without_an_account(
    db: Any, delivery: Settings, gateway: Gateway
):
    await send_sms(delivery, "139 1234 5678", "您的验证码是 246810")
    [(_, body)] = gateway.requests
    assert (body["to"], body["text"]) == ("+8613912345678", "您的验证码是 246810")
    with pytest.raises(ApiError):
        await send_sms(delivery, "12345", "code")
    gateway.statuses = [400]
    with pytest.raises(DeliveryFailed) as refused:
        await send_sms(delivery, "13912345678", "code")
    assert refused.value.failure.reason == "SMS gateway HTTP 400"
    assert len(gateway.requests) == 2

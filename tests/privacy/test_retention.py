"""`consentql retention run`, `requests overdue`, `erasures replay` (P-RETAIN-1/3, P-CANCEL-1)."""

import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
from rich.console import Console

from api.cli.privacy import erasures_replay, requests_overdue, retention_run
from api.privacy import retention
from api.privacy.calendar import CHINA_TIME
from models.accounts import Account, AccountStatus, DeviceLog, LoginRecord
from models.audit import AuditEntry
from models.clock import set_clock, system_now
from models.keys import DataKey
from models.orders import Order
from models.privacy import ErasureTombstone, PrivacyRequest
from models.reservations import Reservation
from tests.conftest import LOGIN, gql, person, register, sign_in
from tests.privacy.test_cancellation import RESERVE, cancel, fill_account

DEVICE = """
mutation($input: RecordDeviceLogInput!) { recordDeviceLog(input: $input) { recorded } }
"""


class Clock:
    """Starts at the real time: rows take `created_at` from the database layer, not this clock."""

    def __init__(self) -> None:
        self.start = self.now = system_now()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    moved = Clock()
    set_clock(moved)
    yield moved
    set_clock()


async def run_cli(*argv: str) -> tuple[int, str]:
    """The exit status and what the command prints, run in this test's database as `consentql`
    would run it."""
    output = io.StringIO()
    console = Console(file=output, width=160)
    as_json = "--json" in argv
    commands = {
        "requests": lambda: requests_overdue(console, as_json),
        "retention": lambda: retention_run(console, "--dry-run" in argv, as_json),
        "erasures": lambda: erasures_replay(console, as_json),
    }
    status = await commands[argv[0]]()
    return status, output.getvalue()


async def cli(*argv: str) -> str:
    """What a command that finds nothing for a person to do prints (it exits 0)."""
    status, output = await run_cli(*argv)
    assert status == 0, output
    return output


async def history(client) -> Account:
    """Person 0 with sign-ins, a device log, an order and a reservation; person 1 cancels;
    a stranger reserves without an account and someone types an unknown login."""
    details = await register(client)
    login = {
        "login": details["phone"],
        "password": details["password"],
        "client": {"devicePhone": "13912340000"},
    }
    token = (await gql(client, LOGIN, {"input": login})).data["login"]["token"]
    await gql(client, DEVICE, {"input": {"deviceId": "IMEI-1", "os": "iOS 19"}}, token=token)
    await fill_account(client, token)
    await cancel(client, await sign_in(client, 1))
    stranger = {"product": "宽带", "phone": "13700001111", "name": "王五", "email": "w@example.com"}
    await gql(client, RESERVE, {"input": stranger | {"province": "北京", "city": "北京"}})
    await gql(client, LOGIN, {"input": {"login": "13600000000", "password": "wrong password"}})
    return await Account.get(name=person()["name"], status=AccountStatus.ACTIVE)


async def test_p_retain_3_dry_run_says_what_is_due_and_changes_nothing(client, clock):
    await history(client)
    clock.now = clock.start + timedelta(days=200)
    events = await AuditEntry.all().count()
    output = await cli("retention", "--dry-run")
    assert "dry run" in output and "login_records" in output
    summary = await retention.preview(clock.now, await retention.make_plan(clock.now))
    assert summary.counts[retention.ERASURES] == 1
    assert summary.counts["device_logs"] == 1
    assert summary.counts["reservations"] == 0
    assert await DeviceLog.all().count() == 1
    assert await Account.filter(status=AccountStatus.CANCELLING).count() == 1
    assert await AuditEntry.all().count() == events


async def test_p_retain_3_run_anonymizes_what_expired_and_finalizes_erasures(client, clock):
    active = await history(client)
    clock.now = clock.start + timedelta(days=200)
    output = await cli("retention")
    assert "Retention run" in output
    # P-CANCEL-1: the cancelled account is erased, its request completed.
    cancelled = await Account.get(status=AccountStatus.ERASED)
    assert await ErasureTombstone.filter(account_id=cancelled.id).exists()
    request = await PrivacyRequest.get(account_id=cancelled.id)
    assert request.status == "COMPLETED"
    # Network logs after six months: no IP, no login hash, no link; device logs deleted.
    assert await LoginRecord.filter(ip__not_isnull=True).count() == 0
    assert await LoginRecord.filter(account_id__not_isnull=True).count() == 0
    assert await LoginRecord.exclude(login_hash=retention.ANONYMIZED).count() == 0
    assert await DeviceLog.all().count() == 0
    # Reservations (a year) and orders (three years) are not due yet.
    assert await Reservation.filter(name=retention.ANONYMIZED).count() == 0
    assert await Order.filter(account_id=active.id).count() == 1
    # One audit event per person.
    events = await AuditEntry.filter(action="RETENTION_APPLIED").values_list(
        "subject_ref", flat=True
    )
    assert f"account:{active.id}" in events
    assert len(events) == len(set(events))

    # Idempotent: a second run finds nothing and writes no event.
    before = await AuditEntry.all().count()
    await cli("retention")
    assert await AuditEntry.all().count() == before

    clock.now = clock.start + timedelta(days=400)
    await cli("retention")
    anonymized = await Reservation.filter(name=retention.ANONYMIZED).select_related("data_key")
    assert len(anonymized) == 2
    assert all(row.phone_sealed is None and row.account_id is None for row in anonymized)
    stranger = next(row for row in anonymized if row.province == "北京")
    assert stranger.data_key.wrapped is None
    clock.now = clock.start + timedelta(days=1100)
    await cli("retention")
    assert await Order.filter(account_id__not_isnull=True).count() == 0
    assert await Order.all().count() == 1


async def test_p_retain_3_an_interrupted_run_is_finished_by_the_next(client, clock):
    await history(client)
    clock.now = clock.start + timedelta(days=200)
    plan = await retention.make_plan(clock.now)

    def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await retention.execute(clock.now, plan, interrupt)
    assert await Account.filter(status=AccountStatus.ERASED).count() == 1
    assert await DeviceLog.all().count() == 1
    await cli("retention")
    assert await DeviceLog.all().count() == 0
    assert await DataKey.filter(wrapped=None).count() == 1


async def test_p_rights_4_requests_overdue_lists_what_is_late(client, clock):
    await cancel(client, await sign_in(client))
    assert "(0)" in await cli("requests")
    clock.now = clock.start + timedelta(days=40)
    status, output = await run_cli("requests")
    assert status == 1 and "(1)" in output and "CANCEL_ACCOUNT" in output
    status, output = await run_cli("requests", "--json")
    [late] = json.loads(output)
    assert status == 1 and late["kind"] == "CANCEL_ACCOUNT" and late["days_late"] > 0


async def test_p_delete_2_erasures_replay_reports_what_it_erased_again(client, clock):
    await cancel(client, await sign_in(client))
    clock.now = clock.start + timedelta(days=40)
    await cli("retention")
    assert "1 erasure tombstones read; 0 accounts" in await cli("erasures")


async def test_p_cancel_1_retention_erases_a_cancelled_account_on_its_due_day_not_before(
    client, clock
):
    request = await cancel(client, await sign_in(client))
    due = date.fromisoformat(request["dueOn"])
    clock.now = datetime.combine(due, time(0, 30), CHINA_TIME) - timedelta(days=1)
    await cli("retention")
    assert await Account.filter(status=AccountStatus.CANCELLING).count() == 1
    clock.now += timedelta(days=1)
    await cli("retention")
    assert await Account.filter(status=AccountStatus.ERASED).count() == 1


async def test_p_delete_2_erasures_replay_exits_1_when_a_restore_brought_someone_back(
    client, clock
):
    await cancel(client, await sign_in(client))
    account = await Account.get()
    saved = (await DataKey.get(id=account.data_key_id)).wrapped
    clock.now = clock.start + timedelta(days=40)
    await cli("retention")
    # The restore: yesterday's data key is back.
    await DataKey.filter(id=account.data_key_id).update(wrapped=saved, destroyed_at=None)
    status, output = await run_cli("erasures", "--json")
    assert status == 1
    assert json.loads(output) == {"tombstones": 1, "erased_again": [account.id], "failed": []}
    assert await cli("erasures")


async def test_p_retain_3_an_item_that_fails_is_skipped_listed_and_exits_1(
    client, clock, monkeypatch
):
    await history(client)
    clock.now = clock.start + timedelta(days=200)
    cancelled = await Account.get(status=AccountStatus.CANCELLING)

    async def broken(account_id: int) -> bool:
        raise RuntimeError("a row this code cannot handle")

    monkeypatch.setattr(retention, "finalize", broken)
    status, output = await run_cli("retention", "--json")
    summary = json.loads(output)
    assert status == 1 and summary["failed"] == [f"account:{cancelled.id}"]
    # The rest was done.
    assert summary["counts"]["device_logs"] == 1 and await DeviceLog.all().count() == 0
    assert await Account.filter(status=AccountStatus.CANCELLING).count() == 1

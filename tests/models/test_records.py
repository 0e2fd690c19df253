"""A record reads a row as its model does: the same value, of the same type, from every column
it holds (SQLite and PostgreSQL give their drivers' own forms), sealed values opened under the
person's data key, and nothing once that key is destroyed."""

from datetime import UTC, datetime

import pytest
from tortoise.queryset import ValuesListQuery

from models.accounts import Account, AccountRecord, AccountStatus, Duty, Role
from models.keys import DataKey
from models.statements import Statement

SET_AT = datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=UTC)


def _accounts(_shape: tuple, *, ids: list[int]) -> ValuesListQuery:
    return Account.filter(id__in=ids).order_by("id").values_list(*AccountRecord.selected())


ACCOUNTS = Statement[list[tuple]](Account, _accounts)


async def read_accounts(*ids: int) -> list[AccountRecord]:
    return [AccountRecord.of_row(row) for row in await ACCOUNTS.rows(ids=list(ids))]


async def made_account() -> Account:
    account = Account(
        name="王小明",
        company="示例科技",
        province="广东",
        city="深圳",
        role=Role.ADMIN,
        duties=[Duty.PRIVACY_REQUESTS],
        status=AccountStatus.CANCELLING,
        do_not_track=True,
        do_not_track_set_at=SET_AT,
        do_not_track_source="GPC",
        cancelled_at=SET_AT,
    )
    account.data_key = await DataKey.issue()
    account.phone = "13800138000"
    account.email = "xiaoming@example.com"
    await account.save()
    return account


async def made_account_without_details() -> Account:
    account = Account(name="李四", company="")
    account.data_key = await DataKey.issue()
    await account.save()
    return account


async def test_p_sec_2_a_record_reads_every_column_as_the_model_does(client):
    made = await made_account()
    other = await made_account_without_details()
    records = await read_accounts(made.id, other.id)
    models = (
        await Account.filter(id__in=[made.id, other.id]).order_by("id").select_related("data_key")
    )
    assert [record.id for record in records] == [made.id, other.id]
    for record, model in zip(records, models, strict=True):
        for name in (*AccountRecord.COLUMNS, "phone", "email"):
            value, expected = getattr(record, name), getattr(model, name)
            assert value == expected, name
            assert type(value) is type(expected), name
    assert records[0].phone == "13800138000"
    assert records[0].duties == [Duty.PRIVACY_REQUESTS]
    assert records[0].do_not_track is True and records[1].do_not_track is False
    assert records[0].status is AccountStatus.CANCELLING


async def test_p_delete_1_a_record_opens_nothing_once_the_key_is_destroyed(client):
    made = await made_account()
    key = await DataKey.get(id=made.data_key_id)
    await key.destroy()
    [record] = await read_accounts(made.id)
    assert record.phone_sealed is not None
    assert record.phone is None and record.email is None
    assert record.name == "王小明"


async def test_a_record_is_read_only(client):
    [record] = await read_accounts((await made_account()).id)
    with pytest.raises(AttributeError):
        record.name = "someone else"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        record.phone = "13900139000"

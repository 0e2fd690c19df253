"""A statement compiled once per shape runs with each call's values, and refuses to be made
where the ORM would have converted a value it binds."""

from datetime import UTC, datetime

import pytest
from tortoise.queryset import ValuesListQuery

from models.consent import PolicyVersion
from models.statements import Statement
from tests.models.test_datetimes import policy_version


def _versions_before(shape: tuple, *, before: datetime, ids: list[int]) -> ValuesListQuery:
    return PolicyVersion.filter(effective_at__lt=before, id__in=ids).values_list("id", flat=True)


VERSIONS_BEFORE = Statement[list[int]](PolicyVersion, _versions_before)


async def test_each_run_binds_its_own_values(db):
    made = (await policy_version()).id
    early, late = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    assert await VERSIONS_BEFORE.run(before=late, ids=[made]) == [made]
    assert await VERSIONS_BEFORE.run(before=early, ids=[made]) == []
    assert await VERSIONS_BEFORE.run(before=late, ids=[made + 1]) == []
    # Another length is another shape.
    assert await VERSIONS_BEFORE.run(before=late, ids=[made + 1, made]) == [made]
    assert await VERSIONS_BEFORE.run(before=late, ids=[made]) == [made]


async def test_a_value_the_orm_converts_is_refused(db):
    converted = Statement[list[int]](
        PolicyVersion,
        lambda shape, *, flag: PolicyVersion.filter(requires_fresh_consent=flag).values_list("id"),
    )
    with pytest.raises(TypeError, match="flag"):
        await converted.run(flag=1)
    with pytest.raises(TypeError, match="shape"):
        await converted.run(flag=True)

"""Datetimes come back from the database as they were written: the same instant, aware, in UTC,
on SQLite (stored as text, parsed by Tortoise) as on PostgreSQL (timestamptz)."""

from datetime import UTC, datetime, timedelta, timezone

import ciso8601
from tortoise.fields import data

from models.consent import PolicyVersion

WRITTEN = {
    "published_at": datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=UTC),
    # Another zone, no fraction of a second: read back as the same instant in UTC.
    "effective_at": datetime(2026, 12, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
}


async def policy_version() -> PolicyVersion:
    return await PolicyVersion.create(
        version="2026-11-30",
        digest="0" * 64,
        summary="—",
        controller="—",
        contact_phone="—",
        contact_email="privacy@example.com",
        registered_address="—",
        contact_address="—",
        **WRITTEN,
    )


def assert_as_written(read: dict[str, datetime]) -> None:
    for name, written in WRITTEN.items():
        value = read[name]
        assert value == written, name
        assert value.utcoffset() == timedelta(0), name
        assert value.astimezone(UTC).replace(tzinfo=None) == written.astimezone(UTC).replace(
            tzinfo=None
        )


async def test_datetimes_read_back_as_the_same_aware_instants(db):
    made = await policy_version()
    row = await PolicyVersion.get(id=made.id)
    assert_as_written({name: getattr(row, name) for name in WRITTEN})
    [values] = await PolicyVersion.filter(id=made.id).values(*WRITTEN)
    assert_as_written(values)
    assert (await PolicyVersion.filter(published_at=WRITTEN["published_at"]).count()) == 1


def test_tortoise_parses_datetime_text_in_c():
    """Without ciso8601 Tortoise falls back to the pure-Python iso8601, ~9x slower per value
    read from SQLite."""
    assert data.parse_datetime is ciso8601.parse_datetime

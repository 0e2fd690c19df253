"""The one clock of the application, so tests can move time instead of sleeping."""

from collections.abc import Callable
from datetime import UTC, datetime


def system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = system_now


def utcnow() -> datetime:
    return _now()


def set_clock(now: Callable[[], datetime] = system_now) -> None:
    """Replace the clock (tests); called without an argument it restores the system clock."""
    global _now
    _now = now

"""Working days on the mainland China calendar, for the 15-working-day deadline of P-CANCEL-1.

Monday to Friday work and weekends rest, except what the State Council's yearly notice
(国务院办公厅关于部分节假日安排的通知) moves: its public holidays rest and its make-up days
(调休上班), often a Saturday or Sunday, work. Each year is data, `cn-YYYY.json`; a folder named
in the settings replaces the bundled one. A year without data counts weekends only and says so
in the log: the notice for a year appears in the November before it.
"""

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Mainland China keeps one offset all year (no daylight saving time).
CHINA_TIME = timezone(timedelta(hours=8), "CST")
SATURDAY = 5


def china_date(moment: datetime) -> date:
    """The calendar day in mainland China at `moment` (stored times are UTC)."""
    return moment.astimezone(CHINA_TIME).date()


def _days(start: date, end: date) -> set[date]:
    return {start + timedelta(days=offset) for offset in range((end - start).days + 1)}


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            _warn_unknown_year(day.year)
        if day in self.workdays:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (the day of receipt does not count)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    @classmethod
    def from_years(cls, years: list[dict[str, Any]]) -> "WorkingCalendar":
        holidays: set[date] = set()
        workdays: set[date] = set()
        for year in years:
            for holiday in year["holidays"]:
                start, end = holiday["from"], holiday["to"]
                holidays |= _days(date.fromisoformat(start), date.fromisoformat(end))
            workdays |= {date.fromisoformat(day) for day in year["workdays"]}
        if clash := holidays & workdays:
            raise ValueError(f"days both holiday and make-up working day: {sorted(clash)}")
        return cls(frozenset(holidays), frozenset(workdays), frozenset(y["year"] for y in years))


@cache
def _warn_unknown_year(year: int) -> None:
    log.warning("no holiday calendar for %s: counting weekends only (add cn-%s.json)", year, year)


@cache
def working_calendar(folder: Path | None = None) -> WorkingCalendar:
    """The calendar from `folder` (settings `holiday_calendar_dir`), or the bundled one."""
    if folder is not None:
        texts = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("cn-*.json"))]
    else:
        bundled = resources.files("api.privacy").joinpath("holidays")
        texts = [
            entry.read_text(encoding="utf-8")
            for entry in sorted(bundled.iterdir(), key=lambda entry: entry.name)
            if entry.name.startswith("cn-") and entry.name.endswith(".json")
        ]
    return WorkingCalendar.from_years([json.loads(text) for text in texts])

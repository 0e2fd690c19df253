"""Working days on the mainland China calendar, for the 15-working-day deadline of P-CANCEL-1.

Monday to Friday work and weekends rest, except what the State Council's yearly notice
(国务院办公厅关于部分节假日安排的通知) moves: its public holidays rest and its make-up days
(调休上班), often a Saturday or Sunday, work. Each year is data, `cn-YYYY.json`: the bundled
years, and those in the calendar folder of the settings (`consentql calendar import` puts them
there), which win over a bundled file of the same year. A year without data counts weekends only
and says so in the log: the notice for a year appears in the November before it, and from
1 November a missing next year is warned of (api/privacy/calendar_files.py).
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


def bundled_years() -> dict[str, str]:
    """File name -> text of the calendars shipped with the code."""
    bundled = resources.files("api.privacy").joinpath("holidays")
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in bundled.iterdir()
        if entry.name.startswith("cn-") and entry.name.endswith(".json")
    }


def working_calendar(folder: Path | None = None) -> WorkingCalendar:
    """The bundled years and those in `folder` (settings `calendar_folder`), re-read when a file
    there changes, so an imported year counts without a restart."""
    files = sorted(folder.glob("cn-*.json")) if folder is not None and folder.is_dir() else []
    return _calendar(tuple((path, path.stat().st_mtime_ns) for path in files))


@cache
def _calendar(files: tuple[tuple[Path, int], ...]) -> WorkingCalendar:
    texts = bundled_years() | {path.name: path.read_text(encoding="utf-8") for path, _ in files}
    return WorkingCalendar.from_years([json.loads(texts[name]) for name in sorted(texts)])

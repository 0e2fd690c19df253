"""A year's working-day calendar brought in by an operator, and the warning when one is missing.

The State Council publishes next year's arrangement (国务院办公厅关于部分节假日安排的通知) in
the autumn, usually in November. An operator writes it as `cn-YYYY.json` (the bundled
api/privacy/holidays/cn-2026.json shows the form) and runs `consentql calendar import FILE`: the
file is checked and copied into the calendar folder, where every process reads it on its next
use. From 1 November, a next year without a calendar is warned of daily (the `calendar_check`
job) and counted in /metrics: without it, due dates in January count weekends only.
"""

import json
import logging
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from api.privacy.calendar import SATURDAY, WorkingCalendar, bundled_years, working_calendar

logger = logging.getLogger(__name__)

# A holiday of the notice lasts at most 9 days (Spring Festival 2026); longer is a typing error.
MAX_HOLIDAY_DAYS = 14
WARN_FROM_MONTH = 11


class CalendarError(ValueError):
    """The file is not a usable calendar; the message says what to fix."""


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CalendarError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def checked(document: Any) -> dict[str, Any]:
    """A calendar year as `WorkingCalendar.from_years` reads it, or CalendarError."""
    if not isinstance(document, dict):
        raise CalendarError("the file must hold one JSON object")
    year = document.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CalendarError(f"year: {year!r} is not a year between 2000 and 2100")
    source = document.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CalendarError("source: name the notice the calendar comes from")
    # The notice may move days at the turn of the year (New Year's Day), never further.
    first, last = date(year - 1, 12, 1), date(year + 1, 1, 31)
    holidays = document.get("holidays")
    if not isinstance(holidays, list) or not holidays:
        raise CalendarError("holidays: a list of {name, from, to}, at least one")
    rest: set[date] = set()
    for number, holiday in enumerate(holidays, start=1):
        if not isinstance(holiday, dict) or not str(holiday.get("name", "")).strip():
            raise CalendarError(f"holidays[{number}]: needs a name, from and to")
        where = f"holiday {holiday['name']}"
        start, end = _date(holiday.get("from"), where), _date(holiday.get("to"), where)
        if not first <= start <= end <= last:
            raise CalendarError(f"{where}: {start} to {end} is not a range in or next to {year}")
        days = {start + timedelta(days=n) for n in range((end - start).days + 1)}
        if len(days) > MAX_HOLIDAY_DAYS:
            raise CalendarError(f"{where}: {len(days)} days is longer than any public holiday")
        if overlap := rest & days:
            raise CalendarError(f"{where}: overlaps another holiday on {min(overlap)}")
        rest |= days
    workdays = document.get("workdays", [])
    if not isinstance(workdays, list):
        raise CalendarError("workdays: a list of dates (make-up working days)")
    for value in workdays:
        day = _date(value, "workdays")
        if not first <= day <= last:
            raise CalendarError(f"workdays: {day} is not in or next to {year}")
        if day.weekday() < SATURDAY:
            raise CalendarError(f"workdays: {day} is a weekday; a make-up working day is not")
        if day in rest:
            raise CalendarError(f"workdays: {day} is also a holiday")
    return {
        "year": year,
        "source": source.strip(),
        "holidays": [{"name": h["name"], "from": h["from"], "to": h["to"]} for h in holidays],
        "workdays": sorted(workdays),
    }


def import_calendar(path: Path, folder: Path, *, replace: bool = False) -> WorkingCalendar:
    """Checks the file at `path` and writes it into `folder` as cn-YYYY.json; the calendar as
    it now reads. An existing year is replaced only when asked."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarError(f"{path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise CalendarError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None
    year = checked(document)
    target = folder / f"cn-{year['year']}.json"
    # With the years already known: a make-up day of one cannot be a holiday of another.
    known = bundled_years() | {p.name: p.read_text("utf-8") for p in folder.glob("cn-*.json")}
    others = [json.loads(text) for name, text in sorted(known.items()) if name != target.name]
    try:
        WorkingCalendar.from_years([*others, year])
    except ValueError as error:
        raise CalendarError(str(error)) from None
    if target.exists() and not replace:
        raise CalendarError(f"{target} exists: pass --replace to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.{os.getpid()}")
    draft.write_text(json.dumps(year, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    draft.replace(target)
    return working_calendar(folder)


def missing_years(calendar: WorkingCalendar, today: date) -> list[int]:
    """This year if the calendar lacks it, and from 1 November next year too."""
    needed = [today.year, today.year + 1] if today.month >= WARN_FROM_MONTH else [today.year]
    return [year for year in needed if year not in calendar.years]


def check_calendar(folder: Path, today: date) -> list[int]:
    """The `calendar_check` job: warns of each missing year."""
    missing = missing_years(working_calendar(folder), today)
    for year in missing:
        logger.warning(
            "no working-day calendar for %s: due dates in it count weekends only; import the "
            "State Council's arrangement with `consentql calendar import cn-%s.json`",
            year,
            year,
        )
    return missing

"""The working-day calendar of P-CANCEL-1: the bundled years agree with the chinese-calendar
library, a year is imported with `consentql calendar import` (checked first), and a missing next
year is warned of and counted from 1 November."""

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import httpx
import pytest

from api.cli import main
from api.jobs.registry import scheduled_jobs
from api.jobs.runner import JobRunner
from api.privacy.calendar import WorkingCalendar, bundled_years, working_calendar
from api.privacy.calendar_files import CalendarError, checked, import_calendar, missing_years
from api.settings import Settings
from models.clock import set_clock
from models.jobs import ScheduledJob
from tests.http.test_metrics import scrape


def official_year(year: int) -> dict[str, Any]:
    """A year as the chinese-calendar library records the State Council's notice, in our form:
    consecutive days off of one name make a holiday, weekend working days the make-up days."""
    days = sorted(day for day in chinese_calendar.holidays if day.year == year)
    names = chinese_calendar.holidays
    runs: list[list[date]] = []
    for day in days:
        if runs and runs[-1][-1] + timedelta(days=1) == day and names[runs[-1][-1]] == names[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    holidays = [
        {"name": names[run[0]], "from": run[0].isoformat(), "to": run[-1].isoformat()}
        for run in runs
    ]
    workdays = sorted(day.isoformat() for day in chinese_calendar.workdays if day.year == year)
    return {"year": year, "source": "chinese-calendar", "holidays": holidays, "workdays": workdays}


def known_to_the_library(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def test_p_cancel_1_bundled_calendars_agree_with_chinese_calendar_for_every_day():
    calendar = working_calendar()
    compared = [year for year in sorted(calendar.years) if known_to_the_library(year)]
    # At least the bundled 2026; a test that compared nothing would prove nothing.
    assert 2026 in compared
    for year in compared:
        day = date(year, 1, 1)
        while day.year == year:
            assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)


def test_every_bundled_calendar_passes_the_import_checks():
    for name, text in bundled_years().items():
        assert checked(json.loads(text))["year"] == int(name[3:7])


def test_p_cancel_1_an_imported_year_counts_with_the_bundled_ones(tmp_path: Path):
    source = tmp_path / "cn-2025.json"
    source.write_text(json.dumps(official_year(2025), ensure_ascii=False), encoding="utf-8")
    folder = tmp_path / "calendars"
    calendar = import_calendar(source, folder)
    assert {2025, 2026} <= calendar.years
    assert json.loads((folder / "cn-2025.json").read_text(encoding="utf-8"))["year"] == 2025
    day = date(2025, 1, 1)
    while day.year == 2025:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    # Read again by every process on its next use, no restart needed.
    assert 2025 in working_calendar(folder).years
    with pytest.raises(CalendarError, match="--replace"):
        import_calendar(source, folder)
    assert import_calendar(source, folder, replace=True).years == calendar.years


def holiday(start: str, end: str, name: str = "节日") -> dict[str, str]:
    return {"name": name, "from": start, "to": end}


def year_2027(**changes: Any) -> dict[str, Any]:
    """A made-up 2027 for the checks (not the official arrangement)."""
    document = {
        "year": 2027,
        "source": "test",
        "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
        "workdays": ["2027-01-09"],
    }
    return document | changes


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ([], "one JSON object"),
        (year_2027(year=27), "year"),
        (year_2027(source=" "), "source"),
        (year_2027(holidays=[]), "at least one"),
        (year_2027(holidays=[holiday("2027-13-01", "2027-01-03")]), "date"),
        (year_2027(holidays=[holiday("2027-01-03", "2027-01-01")]), "range"),
        (year_2027(holidays=[holiday("2027-02-01", "2027-02-28")]), "longer"),
        (
            year_2027(
                holidays=[holiday("2027-05-01", "2027-05-05"), holiday("2027-05-05", "2027-05-06")]
            ),
            "overlaps",
        ),
        (year_2027(holidays=[{"from": "2027-05-01", "to": "2027-05-05"}]), "name"),
        (year_2027(workdays=["2027-01-11"]), "weekday"),
        (year_2027(workdays=["2027-01-02"]), "also a holiday"),
        (year_2027(workdays=["2029-01-06"]), "not in or next to"),
    ],
)
def test_a_calendar_with_a_mistake_is_refused_with_what_to_fix(
    tmp_path: Path, document: Any, complaint: str
):
    source = tmp_path / "cn-2027.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CalendarError, match=complaint):
        import_calendar(source, tmp_path / "calendars")
    assert not (tmp_path / "calendars").exists()


def test_calendar_import_command_copies_into_the_data_folder_or_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("CONSENTQL_DATA_DIR", str(tmp_path / "data"))
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(year_2027()), encoding="utf-8")
    bad.write_text("{not json", encoding="utf-8")
    assert main(["calendar", "import", str(bad)]) == 1
    assert "not JSON" in capsys.readouterr().out
    assert main(["calendar", "import", str(good)]) == 0
    assert "2026, 2027" in capsys.readouterr().out
    assert (tmp_path / "data" / "holidays" / "cn-2027.json").exists()
    assert main(["calendar", "import", str(good)]) == 1


def test_next_years_calendar_is_missed_from_1_november():
    calendar = WorkingCalendar.from_years([json.loads(bundled_years()["cn-2026.json"])])
    assert missing_years(calendar, date(2026, 10, 31)) == []
    assert missing_years(calendar, date(2026, 11, 1)) == [2027]
    assert missing_years(calendar, date(2027, 3, 1)) == [2027]


async def test_a_missing_next_year_is_warned_of_daily_and_shown_in_metrics(
    client: httpx.AsyncClient, settings: Settings, caplog: pytest.LogCaptureFixture
):
    set_clock(lambda: datetime(2026, 10, 31, 12, tzinfo=UTC))
    try:
        assert (await scrape(client))[("consentql_holiday_calendar_missing_years", ())] == 0
        set_clock(lambda: datetime(2026, 11, 1, 12, tzinfo=UTC))
        assert (await scrape(client))[("consentql_holiday_calendar_missing_years", ())] == 1
        jobs = [job for job in scheduled_jobs(settings) if job.name == "calendar_check"]
        with caplog.at_level(logging.WARNING, logger="api"):
            await JobRunner(jobs).run_due()
        assert "no working-day calendar for 2027" in caplog.text
        assert (await ScheduledJob.get(name="calendar_check")).last_summary == {"missing_years": 1}
        settings.calendar_folder.mkdir(parents=True)
        year = json.dumps(year_2027())
        (settings.calendar_folder / "cn-2027.json").write_text(year, encoding="utf-8")
        assert (await scrape(client))[("consentql_holiday_calendar_missing_years", ())] == 0
    finally:
        set_clock()

"""`consentql calendar import FILE`: a year's working-day calendar, checked and copied into the
calendar folder (api/privacy/calendar_files.py)."""

import argparse
from pathlib import Path

from api.privacy.calendar import china_date
from api.privacy.calendar_files import CalendarError, import_calendar, missing_years
from api.settings import Settings
from models.clock import utcnow


def import_file(settings: Settings, args: argparse.Namespace) -> int:
    folder = settings.calendar_folder
    try:
        calendar = import_calendar(Path(args.file), folder, replace=args.replace)
    except CalendarError as error:
        print(f"consentql: calendar not imported: {error}")
        return 1
    years = ", ".join(str(year) for year in sorted(calendar.years))
    print(f"Imported into {folder}. Calendar years now known: {years}.")
    if missing := missing_years(calendar, china_date(utcnow())):
        print(f"Still missing: {', '.join(str(year) for year in missing)}.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    calendar = commands.add_parser(
        "calendar", help="the working-day calendar (public holidays, make-up days)"
    ).add_subparsers(dest="calendar_command", required=True)
    load = calendar.add_parser(
        "import", help="check a cn-YYYY.json calendar and copy it into the calendar folder"
    )
    load.add_argument("file", help="the year's calendar, in the form of the bundled cn-2026.json")
    load.add_argument("--replace", action="store_true", help="replace a year already imported")
    load.set_defaults(run=import_file)

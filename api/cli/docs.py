"""`consentql docs errors`: docs/errors.md, rendered from the error codes in code."""

import argparse
import sys
from pathlib import Path

from api.settings import Settings

ERRORS_FILE = Path("docs/errors.md")


def errors(settings: Settings, args: argparse.Namespace) -> int:
    from api.error_catalogue import markdown

    path = Path(args.output)
    text = markdown()
    if args.check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path} is out of date: run `consentql docs errors`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"Wrote {path}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    docs = commands.add_parser("docs", help="documents generated from code").add_subparsers(
        dest="docs_command", required=True
    )
    error_codes = docs.add_parser("errors", help="write the list of error codes (Markdown)")
    error_codes.add_argument("--output", default=str(ERRORS_FILE))
    error_codes.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the file is out of date"
    )
    error_codes.set_defaults(run=errors)

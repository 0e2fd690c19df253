"""`--help` that shows each option's default and the environment variable behind it, and lists
the CONSENTQL_* settings every command reads, with their defaults."""

import argparse
import os
from typing import Any

from pydantic_core import PydanticUndefined

from api.settings import Settings

SETTINGS_PREFIX = "CONSENTQL_"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        notes = []
        default = action.default
        if (
            default not in (None, False, argparse.SUPPRESS)
            and not isinstance(action, argparse._HelpAction | argparse._VersionAction)
            and "%(default)" not in text
        ):
            notes.append("default: %(default)s")
        env = getattr(action, "env", None)
        if env:
            notes.append(f"env: {env}")
        return f"{text} ({'; '.join(notes)})".strip() if notes else text


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value in ("", [], None):
        return "unset"
    return str(value)


def settings_epilog() -> str:
    """Every setting as `CONSENTQL_NAME  default`, from the Settings model itself."""
    rows = [
        (f"{SETTINGS_PREFIX}{name.upper()}", _default(field))
        for name, field in Settings.model_fields.items()
    ]
    width = max(len(name) for name, _ in rows)
    # Whether a variable is set, never its value: some are secrets.
    lines = [
        f"  {name.ljust(width)}  {default}{'  [set here]' if name in os.environ else ''}"
        for name, default in rows
    ]
    return (
        "environment (every command; README.md says what each means), with defaults:\n"
        + "\n".join(lines)
        + "\n\nexit status: 0 ok, 1 something needs a person, 2 error."
    )


SUBCOMMAND_EPILOG = (
    "Settings come from CONSENTQL_* environment variables: `consentql --help` lists them\n"
    "with their defaults. Exit status: 0 ok, 1 something needs a person, 2 error."
)


class Parser(argparse.ArgumentParser):
    """Every sub-command parser is made of this class too (argparse's add_subparsers takes the
    parent's class), so all of them share the formatter and the epilog."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs.setdefault("epilog", SUBCOMMAND_EPILOG)
        super().__init__(*args, **kwargs)

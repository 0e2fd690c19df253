"""`consentql --help` and every sub-command's help show each option's default and environment
variable, and the settings; `--version`; exit 2 when a command cannot run."""

import argparse
import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from api.cli import parser
from api.cli.help import SETTINGS_PREFIX
from api.settings import Settings
from tests.servers import free_port


def leaves(command: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser that runs something, at any depth."""
    found = []
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(leaves(sub))
    return found or [command]


def test_every_command_shows_defaults_environment_variables_and_exit_statuses():
    root = parser()
    top = root.format_help()
    for name in Settings.model_fields:
        assert f"{SETTINGS_PREFIX}{name.upper()}" in top
    commands = leaves(root)
    assert len(commands) >= 18
    for command in commands:
        text = command.format_help()
        assert "Settings come from CONSENTQL_*" in text and "2 error" in text, command.prog
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            shown = command._get_formatter()._get_help_string(action)
            if action.default not in (None, False):
                assert "default: %(default)s" in shown, (command.prog, action.dest)
            if getattr(action, "env", None):
                assert f"env: {action.env}" in shown


def test_an_option_takes_its_default_from_its_environment_variable(monkeypatch):
    monkeypatch.setenv("CONSENTQL_PORT", "9123")
    monkeypatch.setenv("CONSENTQL_ADMIN", "ops@example.com")
    args = parser().parse_args(["serve"])
    assert args.port == 9123
    # Required on the command line unless the environment names it.
    assert parser().parse_args(["clients", "list"]).admin == "ops@example.com"


def test_version(capsys):
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"consentql {version('consentql')}"


def test_a_command_that_cannot_reach_its_database_exits_2(tmp_path):
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(tmp_path),
        # A port nothing listens on.
        "CONSENTQL_DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nothing",
    }
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "requests", "overdue", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "database cannot be reached" in done.stderr

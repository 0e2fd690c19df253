"""Options a command can also take from the environment, shown as such in `--help`."""

import argparse
import os
from typing import Any


def env_option(
    parser: argparse.ArgumentParser, *flags: str, env: str, **kwargs: Any
) -> argparse.Action:
    """An option whose default is the environment variable `env` when it is set. A required
    option set in the environment is no longer required on the command line."""
    value = os.environ.get(env)
    if value is not None:
        kwargs["default"] = value
        kwargs.pop("required", None)
    action = parser.add_argument(*flags, **kwargs)
    # Read by the help formatter (api.cli.help).
    action.env = env  # type: ignore[attr-defined]
    return action

"""Checkpoints of the audit ledger: every chain's head, appended to a file outside the database
(P-SEC-5). An insider who rewrites the database cannot reach the file, so a chain cut or
recomputed before the latest checkpoint shows in `consentql audit verify`."""

from pathlib import Path

from api.settings import ConfigurationError, Settings
from models.audit_checkpoint import checkpoint_file
from models.audit_verify import CheckedHeads, take_checkpoint


class LedgerBroken(Exception):
    """A checkpoint was refused: it would have sealed a broken chain."""


def checkpoint_location(settings: Settings) -> Path:
    location = settings.audit_checkpoints
    if location is None:
        raise ConfigurationError(
            "CONSENTQL_AUDIT_CHECKPOINT_DIR is not set: audit checkpoints must be kept outside "
            "the database, on append-only storage (docs/deploy.md)"
        )
    return checkpoint_file(location)


async def checkpoint(settings: Settings) -> CheckedHeads:
    """Append the heads; raises LedgerBroken, naming each problem, rather than seal a cut chain."""
    taken = await take_checkpoint(checkpoint_location(settings))
    if taken.problems:
        raise LedgerBroken("; ".join(str(problem) for problem in taken.problems))
    return taken

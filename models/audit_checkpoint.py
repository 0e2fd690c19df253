"""Checkpoints of the audit chains' heads, kept outside the database (P-SEC-5).

A checkpoint records every chain's id, last position and last MAC at one moment, MACed under
the audit key, as one JSON line appended to a file (fsynced). Production points the file at
append-only storage (a WORM bucket, `chattr +a`, a log shipper), out of reach of whoever can
write to the database: a chain cut back, removed or rebuilt after a checkpoint then disagrees
with it, which the links alone cannot show.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.audit_chain import CANONICAL
from models.audit_keys import AuditKeys

CHECKPOINT_FORMAT = "consentql-audit-checkpoint/1"
FILE_NAME = "audit-checkpoints.jsonl"
# Chain id -> (last position, last MAC).
Heads = dict[int, tuple[int, str]]


class CheckpointInvalid(ValueError):
    """A line of the checkpoint file that is not a checkpoint this ledger's keys made."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Checkpoint:
    line: int
    taken_at: str
    heads: Heads


def checkpoint_file(location: Path) -> Path:
    """`location` itself when it names a file (`....jsonl`), else the file in that directory."""
    return location / FILE_NAME if location.is_dir() or not location.suffix else location


def _message(taken_at: str, chains: list[list[Any]], key_id: str) -> bytes:
    return CANONICAL.encode((CHECKPOINT_FORMAT, taken_at, chains, key_id)).encode()


def _chains(heads: Heads) -> list[list[Any]]:
    return [[chain, position, mac] for chain, (position, mac) in sorted(heads.items())]


def checkpoint_line(heads: Heads, taken_at: str, keys: AuditKeys) -> str:
    chains = _chains(heads)
    record = {
        "format": CHECKPOINT_FORMAT,
        "taken_at": taken_at,
        "chains": chains,
        "key_id": keys.key_id,
        "mac": keys.mac(_message(taken_at, chains, keys.key_id)),
    }
    return CANONICAL.encode(record) + "\n"


def append_checkpoint(path: Path, line: str) -> None:
    """Append one line and make it durable: the file's data, and its name when it is new."""
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if new:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _parse(number: int, text: str, keys: AuditKeys) -> Checkpoint:
    try:
        record = json.loads(text)
        taken_at, chains, key_id, mac = (
            record["taken_at"],
            record["chains"],
            record["key_id"],
            record["mac"],
        )
        if record["format"] != CHECKPOINT_FORMAT:
            raise CheckpointInvalid(number, f"unknown format {record['format']!r}")
        heads = {int(chain): (int(position), str(last)) for chain, position, last in chains}
    except (ValueError, KeyError, TypeError) as error:
        if isinstance(error, CheckpointInvalid):
            raise
        raise CheckpointInvalid(number, "not a checkpoint record") from None
    if not keys.holds(key_id):
        raise CheckpointInvalid(number, f"made under audit key {key_id}, which is not configured")
    if not keys.verifies(key_id, _message(taken_at, chains, key_id), mac):
        raise CheckpointInvalid(number, "its MAC does not verify: the line was edited")
    return Checkpoint(number, taken_at, heads)


def latest_checkpoint(path: Path, keys: AuditKeys) -> Checkpoint | None:
    """The last checkpoint in the file, None when there is none yet; every line must verify
    (CheckpointInvalid names the first that does not)."""
    if not path.exists():
        return None
    latest = None
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, 1):
            if text.strip():
                latest = _parse(number, text, keys)
    return latest

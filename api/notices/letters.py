"""Letters: each delivery run writes one print batch, a folder for the print shop.

Accounts hold no postal address, and the portal does not collect one for this channel alone
(P-SEC-1, minimization). Every account belongs to a named company, so a letter is addressed to the
person at their company (with the province and city when known); the print shop or the operator
completes the street from the company's registered address, which is public record. The batch's
`manifest.csv` lists each letter with those fields, and each letter is a text file of its own.

A batch is written under a hidden name and renamed when whole, so the shop never takes half a
batch; files are readable by the service's user only. Delete a batch once it is printed: it holds
names and message texts, and an erasure cannot reach paper or files already handed over.
"""

import asyncio
import csv
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from api.notices.message import Failure, Message, Outcome
from models.clock import utcnow

MANIFEST_FIELDS = ("reference", "address", "title")


class LetterTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        if not messages:
            return []
        try:
            await asyncio.to_thread(self.write_batch, messages)
        except OSError:
            return [Failure("letter batch not written")] * len(messages)
        return [None] * len(messages)

    def write_batch(self, messages: Sequence[Message]) -> Path:
        name = f"batch-{utcnow():%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        self.folder.mkdir(parents=True, exist_ok=True)
        draft = self.folder / f".{name}"
        draft.mkdir(mode=0o700)
        with opened(draft / "manifest.csv") as manifest:
            writer = csv.writer(manifest)
            writer.writerow(MANIFEST_FIELDS)
            for message in messages:
                writer.writerow((message.reference, message.to.replace("\n", " / "), message.title))
        for message in messages:
            with opened(draft / f"{message.reference.replace(':', '-')}.txt") as letter:
                letter.write(f"{message.to}\n\n{message.title}\n\n{message.body}\n")
        final = self.folder / name
        draft.rename(final)
        return final


def opened(path: Path) -> TextIO:
    """A new file only the service's user can read."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")

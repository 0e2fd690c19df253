"""A message on its way out, and what carries it: one transport per channel
(api/notices/transports.py chooses them).

A transport takes a run's messages for its channel at once (one SMTP connection, one print batch)
and says for each whether the next hop accepted it. A failure carries a short reason of ours,
never a server's text, which may quote the address; `permanent` failures are not retried.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    # "notification:<id>": what logs, batch files and mail headers name it by.
    reference: str
    # The email address, the phone number, or a letter's address block, opened at sending time.
    to: str
    title: str
    body: str


@dataclass(frozen=True)
class Failure:
    reason: str
    permanent: bool = False


# One outcome per message, in order: None when the next hop accepted it.
Outcome = Failure | None


class Transport(Protocol):
    async def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        """Hands each message to the next hop; never raises for a message it could not send."""


class DeliveryFailed(RuntimeError):
    """A message sent directly (not through the outbox) was not accepted."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure

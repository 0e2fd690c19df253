"""Development delivery: each message printed to standard output, as Django's console email
backend does, so that a newcomer sees what would be sent (registration codes among it).

Never used in production mode (api/notices/transports.py). It writes to stdout, not to the log:
the log never carries an address or a message body.
"""

import sys
from collections.abc import Sequence
from typing import TextIO

from api.notices.message import Message, Outcome


class ConsoleTransport:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        stream = self.stream or sys.stdout
        for message in messages:
            print(f"----- to {message.to} ({message.reference}) -----", file=stream)
            if message.title:
                print(message.title, file=stream)
            print(message.body, file=stream, flush=True)
        return [None] * len(messages)

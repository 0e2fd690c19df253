"""In development, every one-time code is also printed to the console, as Django's console
e-mail backend prints each mail, so that someone trying `consentql serve --demo` can register
without an SMS gateway.

This is the one place a code and a phone number are written out: with `print` to stderr, never
through `logging` (whose records go to files and collectors), and never in production.
"""

import sys
from collections.abc import Sequence

from api.notices.notifications import NotificationSender, load_sender
from api.settings import Settings
from models.phone_codes import PhoneCode
from models.privacy import Notification


class ConsoleEcho:
    """The configured sender, and a copy of each code's message on stderr."""

    def __init__(self, sender: NotificationSender) -> None:
        self._sender = sender

    async def send(self, notifications: Sequence[Notification]) -> None:
        await self._sender.send(notifications)

    async def send_code(self, code: PhoneCode, text: str) -> None:
        await self._sender.send_code(code, text)
        print(f"[development] SMS to {code.phone}: {text}", file=sys.stderr, flush=True)


def configured_sender(settings: Settings) -> NotificationSender:
    sender = load_sender(settings.notification_sender)
    return sender if settings.production else ConsoleEcho(sender)

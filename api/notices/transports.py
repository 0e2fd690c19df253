"""The transport of each channel, as the settings configure them, and sending queued messages
at once, or one SMS directly."""

from collections.abc import Sequence
from datetime import timedelta

from api.notices.console import ConsoleTransport
from api.notices.delivery import RetryPolicy, deliver_due
from api.notices.email import EmailTransport
from api.notices.letters import LetterTransport
from api.notices.message import DeliveryFailed, Failure, Message, Transport
from api.notices.sms import SmsTransport
from api.settings import Settings
from api.validation import mainland_mobile
from models.privacy import Channel


def configured_transports(settings: Settings) -> dict[Channel, Transport]:
    """The transport of each channel that has one. Email and SMS go to the configured server and
    gateway; without one, development prints them (ConsoleTransport) and production keeps them
    queued until one is configured. Letters always go to the letter folder. No push gateway is
    built in: push messages stay queued, and the delivery job warns."""
    transports: dict[Channel, Transport] = {Channel.LETTER: LetterTransport(settings.letter_folder)}
    console = None if settings.production else ConsoleTransport()
    if settings.smtp_host:
        transports[Channel.EMAIL] = EmailTransport(settings)
    elif console is not None:
        transports[Channel.EMAIL] = console
    if settings.sms_gateway_url:
        transports[Channel.SMS] = SmsTransport(settings.sms_gateway_url, settings.sms_gateway_key)
    elif console is not None:
        transports[Channel.SMS] = console
    return transports


async def send_sms(settings: Settings, phone: str, text: str) -> None:
    """One SMS to a number that need not belong to an account (a registration code), sent now
    through the configured SMS transport (the console in development). A number that is not a
    mainland mobile is refused as invalid input (ApiError), a message the gateway did not accept
    raises DeliveryFailed. The number is used for this message only: nothing stores or logs it."""
    number = mainland_mobile(phone)
    transport = configured_transports(settings).get(Channel.SMS)
    if transport is None:
        raise DeliveryFailed(Failure("NO_SMS_TRANSPORT", permanent=True))
    [outcome] = await transport.deliver([Message("direct", number, "", text)])
    if outcome is not None:
        raise DeliveryFailed(outcome)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        timedelta(seconds=settings.delivery_retry_seconds), settings.delivery_max_attempts
    )


async def send_now(settings: Settings, outbox_ids: Sequence[int]) -> None:
    """Queued messages someone is waiting for (a one-time code) sent at once, not at the next
    run of the delivery job; what fails here is retried by the job as any other message."""
    await deliver_due(configured_transports(settings), retry_policy(settings), only=outbox_ids)

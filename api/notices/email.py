"""Email over SMTP (aiosmtplib): one connection per delivery run, one message per person."""

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from api.notices.message import Failure, Message, Outcome
from api.settings import Settings, SmtpSecurity

TIMEOUT_SECONDS = 30


def failure(error: aiosmtplib.SMTPException) -> Failure:
    """The reply code only (the text may quote the address); 5xx is final, the rest retried."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    code = getattr(error, "code", None)
    if isinstance(code, int) and code >= 400:
        return Failure(f"SMTP {code}", permanent=code >= 500)
    return Failure(f"SMTP {type(error).__name__}")


class EmailTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def client(self) -> aiosmtplib.SMTP:
        settings = self.settings
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_tls is SmtpSecurity.TLS,
            # Required, not opportunistic: a notice does not travel in clear by accident.
            start_tls=settings.smtp_tls is SmtpSecurity.STARTTLS,
            timeout=TIMEOUT_SECONDS,
        )

    def email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.smtp_from
        email["To"] = message.to
        email["Subject"] = message.title
        email["Message-ID"] = make_msgid(idstring=message.reference.replace(":", "-"))
        email.set_content(message.body)
        return email

    async def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        smtp = self.client()
        try:
            await smtp.connect()
        except aiosmtplib.SMTPException as error:
            return [failure(error)] * len(messages)
        except OSError:
            return [Failure("SMTP unreachable")] * len(messages)
        outcomes: list[Outcome] = []
        try:
            for message in messages:
                try:
                    await smtp.send_message(self.email(message))
                    outcomes.append(None)
                except aiosmtplib.SMTPServerDisconnected as error:
                    # The rest of the run is retried later, on a new connection.
                    outcomes += [failure(error)] * (len(messages) - len(outcomes))
                    return outcomes
                except aiosmtplib.SMTPException as error:
                    outcomes.append(failure(error))
        finally:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                except aiosmtplib.SMTPException:
                    smtp.close()
        return outcomes

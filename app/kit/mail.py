"""Mail that really goes out (invitations, password resets), or, without a mail server, a
line in the server log that carries the link."""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from app.config import Settings

log = logging.getLogger("evident.mail")
SMTP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Delivery:
    """What became of a message: sent, or not (no mail server, or the server refused it)."""

    sent: bool
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def send_mail(*, settings: Settings, to: str, subject: str, body: str, link: str) -> Delivery:
    """Send a plain-text message; without EVIDENT_SMTP_URL, log its link instead.

    A failure is returned in words (and logged), never swallowed: the caller shows it.
    """
    if not settings.smtp_url:
        log.warning("No mail server is set (EVIDENT_SMTP_URL); %s for %s: %s", subject, to, link)
        return Delivery(sent=False)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="evident")
    message.set_content(body)
    try:
        _deliver(settings.smtp_url, message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.error("Could not send %r to %s: %s", subject, to, exc)
        return Delivery(sent=False, error=_in_words(exc))
    log.info("Sent %r to %s", subject, to)
    return Delivery(sent=True)


def _deliver(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("EVIDENT_SMTP_URL must look like smtp://user:password@host:587")
    host = parts.hostname
    if parts.scheme == "smtps":
        with smtplib.SMTP_SSL(
            host,
            parts.port or 465,
            timeout=SMTP_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        ) as smtp:
            _login_and_send(smtp, parts.username, parts.password, message)
        return
    with smtplib.SMTP(host, parts.port or 587, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        _login_and_send(smtp, parts.username, parts.password, message)


def _login_and_send(
    smtp: smtplib.SMTP, user: str | None, password: str | None, message: EmailMessage
) -> None:
    if user:
        smtp.login(unquote(user), unquote(password or ""))
    smtp.send_message(message)


def _in_words(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the address"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the mail server refused Evident's user name or password"
    if isinstance(exc, ConnectionRefusedError):
        return "the mail server refused the connection"
    if isinstance(exc, TimeoutError):
        return "the mail server did not answer in time"
    return f"the mail server could not be reached or refused the message ({exc})"

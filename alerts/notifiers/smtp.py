"""Email over SMTP (aiosmtplib): STARTTLS, implicit TLS or plain, optional login."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from alerts.levels import Level
from alerts.notifiers.base import DeliveryError, html_text, plain_text, subject_line
from ingest.events import AlertRaised


class SmtpNotifier:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        to: tuple[str, ...],
        *,
        tls: str = "starttls",
        user: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        min_level: Level = "urgent",
        timeout_s: float = 10.0,
    ) -> None:
        if tls not in ("starttls", "tls", "none"):
            raise ValueError(f"tls must be starttls, tls or none, not {tls!r}")
        self._host, self._port, self._sender, self._to = host, port, sender, to
        self._tls, self._user, self._password, self._ca_file = tls, user, password, ca_file
        self.min_level = min_level
        self._timeout_s = timeout_s

    def message(self, alert: AlertRaised, call_link: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = ", ".join(self._to)
        message["Subject"] = subject_line(alert)
        message["X-Callmon-Alert"] = alert.id
        message.set_content(plain_text(alert, call_link))
        message.add_alternative(html_text(alert, call_link), subtype="html")
        return message

    async def send(self, alert: AlertRaised, call_link: str) -> None:
        try:
            await aiosmtplib.send(
                self.message(alert, call_link),
                hostname=self._host,
                port=self._port,
                username=self._user,
                password=self._password,
                use_tls=self._tls == "tls",
                start_tls=self._tls == "starttls",
                cert_bundle=self._ca_file,
                timeout=self._timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError) as error:  # OSError: refused, TLS failure
            raise DeliveryError(f"SMTP {self._host}:{self._port}: {error}") from error

"""Notification channels behind one interface, built from `NotifySettings`."""

from __future__ import annotations

from alerts.config import NotifySettings
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.notifiers.resend import ResendNotifier
from alerts.notifiers.slack import SlackNotifier
from alerts.notifiers.smtp import SmtpNotifier


def build_notifiers(notify: NotifySettings) -> list[Notifier]:
    """One notifier per configured channel (none configured: dashboard only)."""
    notifiers: list[Notifier] = []
    if notify.slack.webhook_url:
        notifiers.append(SlackNotifier(notify.slack.webhook_url, notify.slack.min_level, notify.timeout_s))
    smtp = notify.smtp
    if smtp.host and smtp.to:
        notifiers.append(
            SmtpNotifier(
                smtp.host,
                smtp.port,
                smtp.sender,
                smtp.to,
                tls=smtp.tls,
                user=smtp.user,
                password=smtp.password,
                ca_file=smtp.ca_file,
                min_level=smtp.min_level,
                timeout_s=notify.timeout_s,
            )
        )
    resend = notify.resend
    if resend.api_key and resend.sender and resend.to:
        notifiers.append(
            ResendNotifier(
                resend.api_key,
                resend.sender,
                resend.to,
                base_url=resend.url,
                min_level=resend.min_level,
                timeout_s=notify.timeout_s,
            )
        )
    return notifiers


__all__ = [
    "DeliveryError",
    "Notifier",
    "ResendNotifier",
    "SlackNotifier",
    "SmtpNotifier",
    "build_notifiers",
]

"""Each notifier against a real local server speaking its wire protocol."""

import email
import email.policy

import pytest

from alerts.config import settings_from_mapping
from alerts.notifiers import (
    DeliveryError,
    ResendNotifier,
    SlackNotifier,
    SmtpNotifier,
    build_notifiers,
)
from alerts.notifiers.slack import LEVEL_COLOURS
from ingest.events import AlertRaised

LINK = "http://dash.local:8095/calls/call-9"
ALERT = AlertRaised(
    id="a1b2",
    call_id="call-9",
    level="critical",
    rules=("legal_threat", "very_negative"),
    reasons=('legal threat "lawyer"', "very negative utterance (-0.85, below -0.70)"),
    text="My lawyer will hear about this <now>",
    speaker="caller",
    score=-0.85,
    rolling_score=-0.41,
    raised_at=1700000000.0,
    agent="agent42",
)


async def test_slack_posts_block_kit_coloured_by_level(http_server):
    await SlackNotifier(f"{http_server.url}/services/T0/B0/xyz").send(ALERT, LINK)
    (request,) = http_server.received
    assert (request.method, request.path) == ("POST", "/services/T0/B0/xyz")
    assert request.headers["Content-Type"] == "application/json"
    payload = request.body
    assert payload["text"].startswith("[CRITICAL] callmon alert on call call-9 (agent agent42): legal threat")
    (attachment,) = payload["attachments"]
    assert attachment["color"] == LEVEL_COLOURS["critical"] == "#d40e0d"
    blocks = attachment["blocks"]
    assert [block["type"] for block in blocks] == [
        "header",
        "section",
        "section",
        "section",
        "actions",
    ]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": "[CRITICAL] callmon alert on call call-9 (agent agent42)",
    }
    assert blocks[1]["text"]["text"] == (
        '*Reasons*\n\u2022 legal threat "lawyer"\n\u2022 very negative utterance (-0.85, below -0.70)'
    )
    fields = {field["text"].split("\n")[0]: field["text"].split("\n")[1] for field in blocks[2]["fields"]}
    assert fields == {
        "*Call*": "call-9",
        "*Agent*": "agent42",
        "*Level*": "critical",
        "*Rules*": "legal_threat, very_negative",
        "*Score*": "-0.85",
        "*Rolling score*": "-0.41",
    }
    assert blocks[3]["text"]["text"] == "*caller:* >My lawyer will hear about this &lt;now&gt;"
    assert blocks[4]["elements"][0]["url"] == LINK


async def test_slack_colours_differ_by_level():
    assert len(set(LEVEL_COLOURS.values())) == 3


async def test_slack_error_status_raises(http_server):
    http_server.statuses = [404]
    with pytest.raises(DeliveryError, match="HTTP 404"):
        await SlackNotifier(f"{http_server.url}/hook").send(ALERT, LINK)


async def test_resend_posts_the_email_with_a_bearer_key(http_server):
    notifier = ResendNotifier(
        "re_test_key",
        "callmon <alerts@example.com>",
        ("sup@example.com", "qa@example.com"),
        base_url=http_server.url + "/",
    )
    await notifier.send(ALERT, LINK)
    (request,) = http_server.received
    assert (request.method, request.path) == ("POST", "/emails")
    assert request.headers["Authorization"] == "Bearer re_test_key"
    assert request.headers["Idempotency-Key"] == "alert-a1b2"
    body = request.body
    assert body["from"] == "callmon <alerts@example.com>"
    assert body["to"] == ["sup@example.com", "qa@example.com"]
    assert body["subject"] == "[CRITICAL] callmon alert on call call-9 (agent agent42)"
    assert 'Reasons: legal threat "lawyer"; very negative utterance' in body["text"]
    assert f"Open the call: {LINK}" in body["text"]
    assert f'<a href="{LINK}">' in body["html"]
    assert "&lt;now&gt;" in body["html"]


async def test_resend_error_status_raises(http_server):
    http_server.statuses = [422]
    with pytest.raises(DeliveryError, match="HTTP 422"):
        await ResendNotifier("k", "a@example.com", ("b@example.com",), base_url=http_server.url).send(
            ALERT, LINK
        )


def received_mail(mailbox):
    (envelope,) = mailbox.messages
    return envelope, email.message_from_bytes(envelope.content, policy=email.policy.default)


async def test_smtp_starttls_with_login(smtp_starttls, tls_files):
    notifier = SmtpNotifier(
        smtp_starttls.host,
        smtp_starttls.port,
        "callmon@example.com",
        ("sup@example.com",),
        tls="starttls",
        user="callmon",
        password="s3cret",
        ca_file=str(tls_files[0]),
    )
    await notifier.send(ALERT, LINK)
    assert smtp_starttls.logins == [("callmon", "s3cret")]
    envelope, message = received_mail(smtp_starttls)
    assert (envelope.mail_from, envelope.rcpt_tos) == ("callmon@example.com", ["sup@example.com"])
    assert message["Subject"] == "[CRITICAL] callmon alert on call call-9 (agent agent42)"
    assert message["X-Callmon-Alert"] == "a1b2"
    text = message.get_body(("plain",)).get_content()
    assert "Said: caller: \u201cMy lawyer will hear about this <now>\u201d" in text
    assert LINK in text
    assert LINK in message.get_body(("html",)).get_content()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_smtp_implicit_tls(smtp_tls, tls_files):
    notifier = SmtpNotifier(
        smtp_tls.host,
        smtp_tls.port,
        "callmon@example.com",
        ("sup@example.com", "qa@example.com"),
        tls="tls",
        user="callmon",
        password="s3cret",
        ca_file=str(tls_files[0]),
    )
    await notifier.send(ALERT, LINK)
    envelope, _ = received_mail(smtp_tls)
    assert envelope.rcpt_tos == ["sup@example.com", "qa@example.com"]


async def test_smtp_plain_without_login(smtp_plain):
    await SmtpNotifier(
        smtp_plain.host, smtp_plain.port, "c@example.com", ("s@example.com",), tls="none"
    ).send(ALERT, LINK)
    assert len(smtp_plain.messages) == 1 and smtp_plain.logins == []


async def test_smtp_wrong_password_raises(smtp_starttls, tls_files):
    notifier = SmtpNotifier(
        smtp_starttls.host,
        smtp_starttls.port,
        "c@example.com",
        ("s@example.com",),
        user="callmon",
        password="wrong",
        ca_file=str(tls_files[0]),
    )
    with pytest.raises(DeliveryError, match="SMTP"):
        await notifier.send(ALERT, LINK)
    assert smtp_starttls.messages == []


async def test_smtp_refuses_an_untrusted_certificate(smtp_starttls):
    notifier = SmtpNotifier(smtp_starttls.host, smtp_starttls.port, "c@example.com", ("s@example.com",))
    with pytest.raises(DeliveryError):
        await notifier.send(ALERT, LINK)


def test_channels_are_built_from_settings():
    settings = settings_from_mapping(
        {"notify": {"slack": {"webhook_url": "https://hooks.example/x", "min_level": "warning"}}},
        env={"RESEND_API_KEY": "k", "CALLMON_RESEND_FROM": "a@x", "CALLMON_RESEND_TO": "b@x"},
    )
    notifiers = build_notifiers(settings.notify)
    assert [(n.name, n.min_level) for n in notifiers] == [
        ("slack", "warning"),
        ("resend", "urgent"),
    ]
    assert build_notifiers(settings_from_mapping({}).notify) == []

"""Listen-in tokens: signed by the dashboard, checked by the worker."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from ingest.pipeline.listen_token import (
    ListenTokenError,
    SpentListenTokens,
    issue_listen_token,
    verify_listen_token,
)

SECRET = "a-dashboard-secret-of-enough-length-0123456789"


def test_a_supervisor_token_for_this_call_is_accepted() -> None:
    token = issue_listen_token(SECRET, "call-1", "sue", "supervisor", "caller", now=1000.0)
    grant = verify_listen_token(SECRET, token, "call-1", now=1030.0)
    assert (grant.call_id, grant.user, grant.role, grant.party) == ("call-1", "sue", "supervisor", "caller")


def test_expired() -> None:
    token = issue_listen_token(SECRET, "call-1", "sue", "admin", ttl_s=60, now=1000.0)
    with pytest.raises(ListenTokenError, match="expired"):
        verify_listen_token(SECRET, token, "call-1", now=1060.5)


def test_issued_for_another_call() -> None:
    token = issue_listen_token(SECRET, "call-1", "sue", "supervisor")
    with pytest.raises(ListenTokenError, match="another call"):
        verify_listen_token(SECRET, token, "call-2")


def test_wrong_secret_and_tampered_claims() -> None:
    token = issue_listen_token(SECRET, "call-1", "sue", "supervisor")
    with pytest.raises(ListenTokenError, match="signature"):
        verify_listen_token("another-secret", token, "call-1")
    forged_body = issue_listen_token(SECRET, "call-2", "sue", "supervisor").split(".")[0]
    with pytest.raises(ListenTokenError, match="signature"):
        verify_listen_token(SECRET, f"{forged_body}.{token.split('.')[1]}", "call-2")
    for garbage in ("", ".", "abc", "abc.%%%", token + "x"):
        with pytest.raises(ListenTokenError):
            verify_listen_token(SECRET, garbage, "call-1")


@pytest.mark.parametrize("role", ["qa", "agent", "nobody"])
def test_roles_that_may_not_listen_get_no_token(role: str) -> None:
    with pytest.raises(ListenTokenError, match="may not listen"):
        issue_listen_token(SECRET, "call-1", "bob", role)


def test_a_signed_token_with_a_non_listening_role_is_refused() -> None:
    """Defence in depth: even a correctly signed token must name a listening role."""
    body = base64.urlsafe_b64encode(
        json.dumps({"c": "call-1", "u": "bob", "r": "agent", "p": "both", "e": 9e9}).encode()
    ).rstrip(b"=")
    signature = hmac.new(SECRET.encode(), b"callmon-listen:" + body, hashlib.sha256).digest()
    token = f"{body.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(ListenTokenError, match="role"):
        verify_listen_token(SECRET, token, "call-1")


def test_a_token_opens_one_listen_until_it_expires() -> None:
    spent = SpentListenTokens()
    token = issue_listen_token(SECRET, "call-1", "sue", "supervisor", ttl_s=60, now=1000.0)
    grant = verify_listen_token(SECRET, token, "call-1", now=1001.0)
    assert spent.spend(token, grant, now=1001.0)
    assert not spent.spend(token, grant, now=1002.0)
    # Two tokens issued at the same instant are still two tokens.
    twin = issue_listen_token(SECRET, "call-1", "sue", "supervisor", ttl_s=60, now=1000.0)
    assert twin != token and spent.spend(
        twin, verify_listen_token(SECRET, twin, "call-1", now=1001.0), now=1003.0
    )
    # Expired tokens leave the ledger (the expiry check refuses them anyway).
    later = issue_listen_token(SECRET, "call-1", "sue", "supervisor", ttl_s=60, now=1100.0)
    assert spent.spend(later, verify_listen_token(SECRET, later, "call-1", now=1101.0), now=1101.0)
    assert len(spent) == 1

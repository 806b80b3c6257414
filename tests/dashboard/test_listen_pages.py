"""The listen controls on the call view: only supervisors and admins, only live calls;
the token the button issues is for this call, this user and the chosen party."""

from __future__ import annotations

import pytest

from dashboard.auth import SessionUser
from dashboard.components.listen_player import listen_script, listen_url_parts
from ingest.pipeline.listen_token import ListenTokenError, verify_listen_token
from tests.dashboard.conftest import start_call


async def test_supervisors_and_admins_get_the_listen_button_qa_does_not(logged_in, services) -> None:  # type: ignore[no-untyped-def]
    await start_call(services, "call-live", agent="carmen")
    for name in ("sup", "root"):
        user = await logged_in(name)
        await user.open("/calls/call-live")
        await user.should_see("carmen", retries=30)
        await user.should_see(marker="listen-start", retries=5)
    reviewer = await logged_in("quinn")
    await reviewer.open("/calls/call-live")
    await reviewer.should_see("carmen", retries=30)
    await reviewer.should_not_see(marker="listen-start")


def test_the_player_starts_with_a_token_for_this_call_user_and_party(services) -> None:  # type: ignore[no-untyped-def]
    script = listen_script(services, SessionUser("sup", "supervisor"), "call-live", "caller")
    assert script.startswith(
        'window.callmonListen.start("ws://127.0.0.1:9" + "/listen/call-live?format=mulaw&token='
    )
    token = script.rsplit("token=", 1)[1].rstrip('")')
    assert services.settings.secret is not None
    grant = verify_listen_token(services.settings.secret, token, "call-live")
    assert (grant.user, grant.role, grant.party) == ("sup", "supervisor", "caller")
    with pytest.raises(ListenTokenError):
        listen_script(services, SessionUser("quinn", "qa"), "call-live", "both")


def test_a_standalone_dashboard_points_the_browser_at_the_worker(services) -> None:  # type: ignore[no-untyped-def]
    # conftest's dashboard runs alone with CALLMON_INGEST_URL=http://127.0.0.1:9
    assert listen_url_parts(services, "a/b c") == ("ws://127.0.0.1:9", "/listen/a%2Fb%20c")

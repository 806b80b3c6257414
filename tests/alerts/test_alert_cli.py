"""`callmon alerts list|ack` on a real database file."""

import asyncio
import json

from click.testing import CliRunner

from alerts.store import AlertStore
from app.cli.alerts import alerts
from ingest.events import AlertRaised


def seed(db_path, *alerts_to_add):
    async def add():
        store = await AlertStore.open(db_path)
        for alert in alerts_to_add:
            await store.add_alert(alert)
        await store.close()

    asyncio.run(add())


def alert(n, call_id="call-1", level="urgent"):
    return AlertRaised(
        id=f"al-{n}",
        call_id=call_id,
        level=level,
        rules=("legal_threat",),
        reasons=('legal threat "sue"',),
        text="I will sue",
        speaker="caller",
        score=-0.3,
        rolling_score=-0.1,
        raised_at=1700000000.0 + n,
    )


def test_list_json_filters_and_ack(tmp_path):
    db = tmp_path / "callmon.db"
    seed(db, alert(1), alert(2, call_id="call-2"), alert(3))
    runner = CliRunner()

    result = runner.invoke(alerts, ["list", "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [a["id"] for a in listed] == ["al-3", "al-2", "al-1"]
    assert listed[2] == alert(1).to_dict()

    result = runner.invoke(alerts, ["list", "--json", "--call", "call-2", "--db", str(db)])
    assert [a["id"] for a in json.loads(result.output)] == ["al-2"]

    result = runner.invoke(alerts, ["ack", "al-2", "--by", "sam", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.output == "acknowledged al-2 (call call-2) as sam\n"

    result = runner.invoke(alerts, ["list", "--json", "--unacknowledged", "--db", str(db)])
    assert [a["id"] for a in json.loads(result.output)] == ["al-3", "al-1"]

    result = runner.invoke(alerts, ["ack", "al-2", "--db", str(db)])
    assert result.exit_code == 1
    assert "no unacknowledged alert al-2" in result.output


def test_list_as_text_and_db_from_the_environment(tmp_path):
    db = tmp_path / "env.db"
    seed(db, alert(1))
    result = CliRunner().invoke(alerts, ["list"], env={"CALLMON_DB_PATH": str(db)})
    assert result.exit_code == 0, result.output
    first, reasons, said = result.output.splitlines()
    assert first.startswith("al-1  ") and "urgent" in first and "call-1" in first and first.endswith("NEW")
    assert reasons.strip() == 'legal threat "sue"'
    assert said.strip() == "caller: I will sue"


def test_list_on_an_empty_database(tmp_path):
    result = CliRunner().invoke(alerts, ["list", "--db", str(tmp_path / "new.db")])
    assert (result.exit_code, result.output) == (0, "no alerts\n")


def test_dispatcher_refuses_a_bad_config_clearly(tmp_path):
    config = tmp_path / "alerts.toml"
    config.write_text("[rules.profanity]\nlevel = 3\n")
    result = CliRunner().invoke(alerts, ["--config", str(config), "--redis-url", "redis://127.0.0.1:1"])
    assert result.exit_code == 1
    assert (
        f'{config}: rules.profanity.level: expected one of "warning", "urgent", "critical", got 3'
        in result.output
    )


def test_dispatcher_needs_redis(tmp_path):
    result = CliRunner().invoke(alerts, [], env={"REDIS_URL": ""})
    assert result.exit_code == 2
    assert "--redis-url" in result.output


def test_ack_tells_live_dashboards_over_redis(tmp_path, redis_url):
    import redis

    db = tmp_path / "callmon.db"
    seed(db, alert(1))
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    pubsub.subscribe("calls:alerts")
    assert pubsub.get_message(timeout=10)["type"] == "subscribe"
    result = CliRunner().invoke(
        alerts, ["ack", "al-1", "--by", "kim", "--db", str(db), "--redis-url", redis_url]
    )
    assert result.exit_code == 0, result.output
    message = pubsub.get_message(timeout=10)
    announced = json.loads(message["data"])
    assert (announced["type"], announced["id"], announced["acknowledged_by"]) == (
        "AlertAcknowledged",
        "al-1",
        "kim",
    )
    pubsub.close()
    client.close()

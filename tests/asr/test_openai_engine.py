"""The OpenAI-compatible engine against a local server speaking that API.

The server transcribes with pocketsphinx, so words in results come from the
audio the engine uploaded. Back-off is shortened; nothing here is timed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fake_openai_asr import Delay, Drop, FakeTranscriptionServer, Reply

from ingest.asr import EngineUnavailable, UtteranceRecognizer, create_engine
from ingest.asr.openai_compatible import OpenAICompatibleRecognizer, api_root, build_prompt
from ingest.settings import IngestSettings, SettingsError

WAIT_LIMIT = 30.0  # guards against a hung test only


def engine_for(server: FakeTranscriptionServer, **options: Any) -> OpenAICompatibleRecognizer:
    options = {"api_key": "test-key", "backoff_s": 0.01, "max_backoff_s": 0.05, **options}
    return OpenAICompatibleRecognizer(server.url, "whisper-1", **options)


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_transcribes_real_speech_and_sends_the_documented_form(fake_asr, speak) -> None:
    engine = engine_for(fake_asr, language="en", prompt="Acme Telecom support call.", hotwords=["refund"])
    result = engine.recognize(speak("i want to cancel my account right now"))

    assert isinstance(engine, UtteranceRecognizer)
    assert {"cancel", "account"} <= set(result.text.split())
    assert 0.0 < result.confidence <= 1.0
    assert result.language == "en"  # the server said "english"
    [sent] = fake_asr.requests
    assert sent.authorization == "Bearer test-key"
    assert sent.filename.endswith(".wav") and sent.content_type == "audio/wav"
    assert (sent.channels, sent.sample_width, sent.sample_rate) == (1, 2, 16000)
    assert sent.field("model") == "whisper-1"
    assert sent.field("language") == "en"
    assert sent.field("prompt") == "Acme Telecom support call. refund."
    assert sent.field("response_format") == "verbose_json"
    assert float(sent.field("temperature") or "nan") == 0.0
    assert set(sent.fields["timestamp_granularities[]"]) == {"segment", "word"}


def test_uploaded_audio_is_the_utterance_sample_for_sample(fake_asr) -> None:
    fake_asr.transcript = "hello"
    pcm = bytes(range(256)) * 100
    engine_for(fake_asr).recognize(pcm + b"\x01")  # an odd trailing byte is not a sample
    assert fake_asr.requests[0].pcm == pcm


def test_word_probabilities_give_the_confidence_when_the_server_sends_them() -> None:
    server = FakeTranscriptionServer(
        word_probabilities=True, language_style="code", transcript="hi there"
    ).start()
    try:
        server.faults.append(
            Reply(
                200,
                {
                    "language": "en",
                    "text": "hi there",
                    "segments": [{"start": 0, "end": 1, "text": "hi there", "avg_logprob": -0.05}],
                    "words": [
                        {"word": "hi", "start": 0.0, "end": 0.4, "probability": 0.5},
                        {"word": "there", "start": 0.5, "end": 0.9, "probability": 0.7},
                    ],
                },
            )
        )
        result = engine_for(server).recognize(bytes(3200))
    finally:
        server.stop()
    assert result.text == "hi there"
    assert result.confidence == pytest.approx(0.6)
    assert result.language == "en"


def test_empty_audio_sends_nothing(fake_asr) -> None:
    result = engine_for(fake_asr, language="de").recognize(b"")
    assert (result.text, result.language) == ("", "de")
    assert fake_asr.attempts == 0


def test_rate_limited_request_is_retried_after_the_servers_delay(fake_asr, speak, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="ingest.asr.openai_compatible")
    fake_asr.faults.append(Reply(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "0"}))
    result = engine_for(fake_asr).recognize(speak("can i speak to your supervisor please"))
    assert "supervisor" in result.text.split()
    assert fake_asr.attempts == 2
    assert any("Rate limit reached" in r.getMessage() and "retry 1" in r.getMessage() for r in caplog.records)


def test_server_errors_are_retried_then_reported(fake_asr) -> None:
    fake_asr.transcript = "fine"
    fake_asr.faults.extend([Reply(503, {"error": {"message": "model loading"}}), Reply(500, "boom")])
    assert engine_for(fake_asr).recognize(bytes(3200)).text == "fine"
    assert fake_asr.attempts == 3

    fake_asr.faults.extend(Reply(502, "bad gateway") for _ in range(3))
    with pytest.raises(EngineUnavailable, match=r"HTTP 502: bad gateway.*after 3 attempts"):
        engine_for(fake_asr, attempts=3).recognize(bytes(3200))
    assert fake_asr.attempts == 6


def test_client_errors_are_not_retried(fake_asr) -> None:
    fake_asr.faults.append(Reply(400, {"error": {"message": "Audio file is too short"}}))
    with pytest.raises(EngineUnavailable, match="refused the request: HTTP 400: Audio file is too short"):
        engine_for(fake_asr).recognize(bytes(3200))
    assert fake_asr.attempts == 1


def test_dropped_connection_is_retried(fake_asr) -> None:
    fake_asr.transcript = "still here"
    fake_asr.faults.append(Drop())
    assert engine_for(fake_asr).recognize(bytes(3200)).text == "still here"
    assert fake_asr.attempts == 2


def test_slow_answer_times_out_and_is_retried(fake_asr) -> None:
    fake_asr.transcript = "after the wait"
    fake_asr.faults.append(Delay(30.0))
    assert engine_for(fake_asr, timeout_s=0.3).recognize(bytes(3200)).text == "after the wait"
    assert fake_asr.attempts == 2


def test_server_that_never_answers_in_time_is_reported(fake_asr) -> None:
    fake_asr.faults.extend([Delay(30.0), Delay(30.0)])
    with pytest.raises(EngineUnavailable, match=r"ReadTimeout.*after 2 attempts"):
        engine_for(fake_asr, timeout_s=0.3, attempts=2).recognize(bytes(3200))


def test_wrong_key_is_refused_at_start_up_and_per_request(fake_asr) -> None:
    with pytest.raises(EngineUnavailable, match=r"rejected the API key.*CALLMON_OPENAI_ASR_API_KEY"):
        engine_for(fake_asr, api_key="wrong-key")
    engine = engine_for(fake_asr)
    fake_asr.api_key = "rotated-key"
    with pytest.raises(EngineUnavailable, match=r"HTTP 401: Incorrect API key.*CALLMON_OPENAI_ASR_API_KEY"):
        engine.recognize(bytes(3200))
    assert fake_asr.attempts == 1


def test_unreachable_server_fails_at_start_up_with_the_setting_to_fix(fake_asr) -> None:
    url = fake_asr.url
    fake_asr.stop()
    with pytest.raises(
        EngineUnavailable, match=r"cannot reach the speech-to-text server .*CALLMON_OPENAI_ASR_URL"
    ):
        OpenAICompatibleRecognizer(url, "whisper-1", connect_timeout_s=2.0)


def test_unknown_model_is_a_warning_at_start_up(fake_asr, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="ingest.asr.openai_compatible")
    engine_for(fake_asr).close()
    assert not caplog.records
    OpenAICompatibleRecognizer(fake_asr.url, "large-v9", api_key="test-key").close()
    assert any("does not list model 'large-v9'" in r.getMessage() for r in caplog.records)


def test_concurrency_limit_queues_utterances_in_this_process(fake_asr) -> None:
    fake_asr.transcript = "ok"
    engine = engine_for(fake_asr, concurrency=2)
    fake_asr.hold()
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(engine.recognize, bytes(3200)) for _ in range(6)]
        wait_until(lambda: engine.queued == 4 and fake_asr.in_flight == 2)
        assert engine.in_flight == 2
        fake_asr.release()
        results = [future.result(timeout=WAIT_LIMIT) for future in futures]
    assert [r.text for r in results] == ["ok"] * 6
    assert fake_asr.max_in_flight == 2
    assert (engine.queued, engine.in_flight) == (0, 0)


def test_malformed_answer_is_an_engine_error(fake_asr) -> None:
    fake_asr.faults.append(Reply(200, {"result": "no text field"}))
    with pytest.raises(EngineUnavailable, match="no 'text'"):
        engine_for(fake_asr).recognize(bytes(3200))
    fake_asr.faults.append(Reply(200, "not json at all"))
    with pytest.raises(EngineUnavailable, match="invalid JSON"):
        engine_for(fake_asr).recognize(bytes(3200))


def test_base_url_forms_and_prompt() -> None:
    for url in (
        "http://gpu:8000",
        "http://gpu:8000/",
        "http://gpu:8000/v1",
        "http://gpu:8000/v1/audio/transcriptions",
    ):
        assert api_root(url) == "http://gpu:8000/v1"
    with pytest.raises(EngineUnavailable, match="not an http"):
        api_root("gpu:8000")
    assert build_prompt(None, ()) is None
    assert build_prompt("  ", [" cancel ", "", "supervisor"]) == "cancel, supervisor."


def test_create_engine_builds_the_remote_engine_from_settings(fake_asr) -> None:
    settings = IngestSettings.from_env(
        {
            "CALLMON_ASR": "openai",
            "CALLMON_OPENAI_ASR_URL": fake_asr.url,
            "CALLMON_OPENAI_ASR_API_KEY": "test-key",
            "CALLMON_OPENAI_ASR_MODEL": "whisper-1",
            "CALLMON_OPENAI_ASR_CONCURRENCY": "3",
            "CALLMON_OPENAI_ASR_LANGUAGE": "es",
        }
    )
    engine = create_engine(settings)
    assert isinstance(engine, OpenAICompatibleRecognizer)
    assert (engine.api_root, engine.concurrency, engine.language) == (fake_asr.url, 3, "es")


def test_create_engine_does_not_fall_back_when_the_remote_engine_cannot_run(fake_asr) -> None:
    with pytest.raises(EngineUnavailable, match="needs CALLMON_OPENAI_ASR_URL"):
        create_engine(IngestSettings(asr="openai"))
    url = fake_asr.url
    fake_asr.stop()
    with pytest.raises(EngineUnavailable, match="cannot reach"):
        create_engine(IngestSettings(asr="openai", openai_asr_url=url))
    with pytest.raises(SettingsError, match="CALLMON_OPENAI_ASR_CONCURRENCY"):
        IngestSettings.from_env({"CALLMON_OPENAI_ASR_CONCURRENCY": "many"})

"""Fixtures: a real warm Apertium engine and local fakes of the paid cloud engines."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_translation_services import FakeDeepl, FakeLibreTranslate

from ingest.translation import ApertiumTranslator


@pytest.fixture
async def apertium() -> AsyncIterator[ApertiumTranslator]:
    translator = ApertiumTranslator()
    if not await translator.direct_pairs():
        raise RuntimeError("apertium-eng-spa is not installed (deploy/install-system-packages.sh)")
    yield translator
    await translator.close()


@pytest.fixture
async def fake_deepl() -> AsyncIterator[FakeDeepl]:
    server = await FakeDeepl().start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_libretranslate() -> AsyncIterator[FakeLibreTranslate]:
    server = await FakeLibreTranslate().start()
    yield server
    await server.stop()

"""Fixtures: the ViciDial MariaDB template (built once per session), servers made from it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vicidial_testkit import MariaDB, build_template

from tests.support.servers import free_port


@pytest.fixture(scope="session")
def mariadb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("vdtpl"))


@pytest.fixture
def new_mariadb(
    mariadb_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], MariaDB]]:
    """Makes servers over fresh copies of the template; not started, stopped at the end."""
    servers: list[MariaDB] = []

    def make() -> MariaDB:
        root = tmp_path_factory.mktemp("vd")
        shutil.copytree(mariadb_template, root / "data")
        server = MariaDB(root / "data", free_port())
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.kill()


@pytest.fixture(scope="session")
def mariadb(mariadb_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """The shared, running server for tests that do not stop it."""
    root = tmp_path_factory.mktemp("vdshared")
    shutil.copytree(mariadb_template, root / "data")
    server = MariaDB(root / "data", free_port())
    server.start()
    yield server
    server.stop()

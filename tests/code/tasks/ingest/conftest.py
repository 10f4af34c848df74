"""Fixtures of the ingest tests: small log folders and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.seaweed import S3Server, seaweed_s3

FIXTURE_LOGS = Path(__file__).parent / "fixtures" / "logs"


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture logs (tests may add or change files in it)."""
    target = tmp_path / "logs"
    shutil.copytree(FIXTURE_LOGS, target)
    return target


@pytest.fixture
def ingest_config(config, log_dir: Path):
    """The test config with the fixture log copy as ingest source."""
    return config.model_copy(update={"ingest": config.ingest.model_copy(update={"source": str(log_dir)})})


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One SeaweedFS S3 server on 127.0.0.1 for the session, stopped and deleted afterwards."""
    with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as server:
        yield server

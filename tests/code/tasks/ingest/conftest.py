"""Fixtures of the ingest tests: small log folders (the S3 server fixture is shared, in tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


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

"""Test-wide setup: every store lives in a temporary folder, Prefect starts fast and quietly."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Must be set before anything imports prefect or mlflow.
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="spamloop-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_TMP / "prefect")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
# A test that forgets to pick a tracking URI must not write ./mlruns into the checkout.
os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{_SESSION_TMP / 'mlflow-default.db'}"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["SPAMLOOP_CONFIG_FILE"] = str(_SESSION_TMP / "no-such-spamloop.yaml")
for _name in list(os.environ):
    if _name.startswith("SPAMLOOP_") and _name != "SPAMLOOP_CONFIG_FILE":
        del os.environ[_name]

# Prefect binds its console handler to the sys.stderr of the moment prefect.main is first imported. Imported lazily
# inside a test that uses capsys, the handler kept that test's stream, closed after it, for the rest of the session
# (a later flow's log line then raised "I/O operation on closed file"). Imported here, it binds pytest's own capture.
import prefect.main  # noqa: E402, F401

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config(tmp_path):
    """A SpamloopConfig whose state folder is a fresh temporary folder."""
    from spamloop.config import load_config

    return load_config(state_dir=tmp_path / "state")


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test harness (embedded API on a temp database) for the whole session.

    Only tests that run flows should ask for it: starting it costs ~20 s.
    """
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# --- real servers shared by every test folder ------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One SeaweedFS S3 server on 127.0.0.1 (signatures checked) for the whole session, deleted afterwards."""
    from tests.support.seaweed import seaweed_s3

    with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def bucket(s3_server):
    """A fresh bucket per test."""
    import uuid

    name = f"test-{uuid.uuid4().hex[:10]}"
    s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def llm_server():
    """A local HTTP server speaking the OpenAI, Gemini and Anthropic wire formats, one per test."""
    from tests.support.llm_server import LLMServer

    with LLMServer() as server:
        yield server

"""Process-wide settings that must be in place before Prefect or MLflow are imported."""

from __future__ import annotations

import os

from spamloop.config import SpamloopConfig

# Known-good start-up settings on small machines (docs/stack.md).
_DEFAULT_ENV = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # Offline by default; users with hub access set HF_HUB_OFFLINE=0 to pull base_model by id.
    "HF_HUB_OFFLINE": "1",
    # MLflow's HTTP default (7 retries, backoff factor 2) waits ~4 min on a down tracking server before the
    # error; 3 retries with factor 1 is ~7 s, enough for a server restart blip, short enough to fail clearly.
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
}


def prepare_runtime(config: SpamloopConfig) -> None:
    """Create the state folder and point Prefect's embedded API at it (unless PREFECT_HOME/API_URL is set)."""
    config.paths.root.mkdir(parents=True, exist_ok=True)
    for name, value in _DEFAULT_ENV.items():
        os.environ.setdefault(name, value)
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_HOME", str(config.paths.prefect_home.resolve()))

"""A real `mlflow server` on 127.0.0.1 for registry tests (SQLite backend, local artifact store).

Start-up takes ~25 s, so tests use it through a session-scoped fixture and are marked slow:

    from tests.support.mlflow_server import mlflow_server  # noqa: F401  (registers the fixture)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class MlflowServer:
    """A running server: its URL and where it keeps its data."""

    url: str
    root: Path
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_mlflow_server(root: Path, timeout_s: float = STARTUP_TIMEOUT_S) -> MlflowServer:
    """Start `mlflow server` with one worker and no job execution; wait until /health answers."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "1",
    }
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    command = [
        str(mlflow_bin) if mlflow_bin.exists() else "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{(root / 'mlflow.db').resolve()}",
        "--artifacts-destination",
        str((root / "artifacts").resolve()),
        "--workers",
        "1",
    ]
    log = (root / "server.log").open("wb")
    # Own process group so stopping it also stops the uvicorn/gunicorn children it spawns.
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {process.returncode}: {(root / 'server.log').read_text()[-2000:]}")
        if _healthy(url):
            return MlflowServer(url=url, root=root, process=process)
        time.sleep(0.5)
    stop_mlflow_server(MlflowServer(url=url, root=root, process=process))
    raise TimeoutError(f"mlflow server did not become healthy in {timeout_s} s")


def stop_mlflow_server(server: MlflowServer) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def mlflow_server() -> Iterator[MlflowServer]:
    """One real MLflow tracking + registry server for the session, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="spamloop-mlflow-server-"))
    server = start_mlflow_server(root)
    try:
        yield server
    finally:
        stop_mlflow_server(server)
        shutil.rmtree(root, ignore_errors=True)

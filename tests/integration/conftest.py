"""One real stack for the integration tests: `prefect server`, `mlflow server`, prefect.yaml deployed, a process worker.

Everything listens on 127.0.0.1 at free ports and keeps its state in one temporary folder. It starts once per
session (server migrations, and `prefect deploy --all` imports every flow) and is shared by the deployment test
and the browser test. A fresh retrain on it is triggered exactly as an operator would: `prefect deployment run`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.support.mlflow_server import free_port, start_mlflow_server, stop_mlflow_server

WEEKLY_DEPLOYMENT = "weekly-retrain/weekly-retrain"
WORK_POOL = "spamloop-process"
REGISTERED_MODEL = "spamloop-sms-spam"
EXPORT_MODEL_NAME = "spam-encoder"
STARTUP_TIMEOUT_S = 180.0
RUN_TIMEOUT_S = 420.0
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
SEOUL = ZoneInfo("Asia/Seoul")

# A weekly retrain small enough for 2 CPU cores (well under a minute of training), passed as the flow's
# `config` parameter so it also proves that parameters given to `prefect deployment run` reach the flow.
# It is shaped like what the Prefect run form sends: untouched fields come back as the form shows them, nulls and
# class defaults included. Those must not override the worker's SPAMLOOP_* environment (SpamloopConfig's rule: a
# value equal to its default is not set here): with the null tracking URI and the default state folder below, the
# run still tracks to the stack's MLflow server and writes the worker's state folder, which the tests below check.
QUICK_RETRAIN_CONFIG: dict[str, Any] = {
    "state_dir": ".spamloop",
    "mlflow_tracking_uri": None,
    "s3": {"endpoint_url": None, "access_key_id": None, "secret_access_key": None, "region": "us-east-1"},
    "publish": {"target": None},
    "train": {
        "epochs": 1,
        "max_train_rows": 1000,
        "max_language_oversample": 1,
        "vocab_size": 2000,
        "max_seq_len": 64,
        "misclassified_examples": 0,
    },
    "export": {
        "coreml": False,
        "seq_lengths": [64],
        # A one-epoch model leaves many probabilities near its threshold, where int8 rounding flips labels;
        # the fp32 parity gate (fp32_max_abs_diff) stays at its default.
        "int8_min_agreement": 0.5,
    },
    # The promotion gates are switched off (null where the default is a limit): a one-epoch model cannot pass them,
    # and this test is about the orchestration carrying a candidate through evaluate -> champion alias -> published
    # manifest. The gates themselves are tested in tests/code/tasks/evaluate.
    "evaluate": {
        "min_spam_f1": None,
        "min_spam_precision": None,
        "min_spam_recall": None,
        "max_ham_fpr": None,
        "min_pr_auc": None,
        "slice_floors": [],
        "min_invariance_pass_rate": None,
        "min_directional_pass_rate": None,
        "min_functionality_pass_rate": None,
        "beat_baseline_scopes": [],
        # Latency on a shared 2-core CI box is not what a phone sees.
        "max_p50_latency_ms": None,
    },
}


def declared_deployments() -> dict[str, str]:
    """Deployment name -> work pool name, as prefect.yaml declares them."""
    deployments = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())["deployments"]
    return {deployment["name"]: deployment["work_pool"]["name"] for deployment in deployments}


def port_accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_port_closed(port: int, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not port_accepts_connections(port):
            return True
        time.sleep(0.5)
    return False


def log_tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return f"(no log at {path})"


def start_process(command: list[str], env: dict[str, str], log_path: Path, cwd: Path | None = None) -> subprocess.Popen:
    """Start in its own process group, so a stop reaches every child it spawns (uvicorn, services)."""
    log = log_path.open("ab")
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(process: subprocess.Popen, timeout_s: float = 30.0) -> int:
    """SIGINT (a Prefect worker ignores SIGTERM at times), SIGKILL if it lingers; returns the exit code."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return process.returncode


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class IntegrationStack:
    """The running stack: where each server answers, the state folder the worker's flows write, the CLI env."""

    root: Path
    api_url: str
    ui_url: str
    mlflow_url: str
    state_dir: Path
    cli_env: dict[str, str]
    worker_log: Path
    server_log: Path
    flow_runs: list[UUID] = field(default_factory=list)

    def client(self):
        """A sync Prefect client bound to this server only (no global settings touched)."""
        from prefect.client.orchestration import SyncPrefectClient

        return SyncPrefectClient(self.api_url)

    def prefect(self, *args: str, timeout_s: float = 300.0) -> str:
        """Run the `prefect` CLI against this server from the repo root; its output, or a failure with it."""
        command = [str(Path(sys.executable).with_name("prefect")), *args]
        done = subprocess.run(
            command, cwd=REPO_ROOT, env=self.cli_env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        output = done.stdout + done.stderr
        if done.returncode != 0:
            pytest.fail(f"`prefect {' '.join(args)}` exited {done.returncode}:\n{output[-4000:]}")
        return output

    def run_weekly_retrain(self, config: dict[str, Any]) -> UUID:
        """`prefect deployment run` with the config as the flow's parameter; the new flow run's id."""
        output = self.prefect("deployment", "run", WEEKLY_DEPLOYMENT, "--param", f"config={json.dumps(config)}")
        found = re.search(r"UUID:\s*([0-9a-f-]{36})", output)
        assert found, f"no flow run id in `prefect deployment run` output:\n{output}"
        run_id = UUID(found.group(1))
        self.flow_runs.append(run_id)
        return run_id

    def state_of(self, run_id: UUID) -> tuple[str, str]:
        with self.client() as client:
            state = client.read_flow_run(run_id).state
        return (state.type.value, state.message or "") if state else ("NONE", "")

    def wait_for_state(self, run_id: UUID, wanted: set[str], timeout_s: float) -> str:
        """Poll until the run is in one of ``wanted`` (or any final state); the state type reached."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state, _ = self.state_of(run_id)
            if state in wanted or state in FINAL_STATES:
                return state
            time.sleep(1)
        pytest.fail(
            f"flow run {run_id} not in {sorted(wanted)} after {timeout_s:.0f} s (now {self.state_of(run_id)});"
            f" worker log:\n{log_tail(self.worker_log)}"
        )

    def cancel_unfinished_runs(self) -> None:
        """Ask the worker to stop flow runs a failed test left behind, so stopping the worker orphans nothing."""
        from prefect.states import Cancelling

        unfinished = [run_id for run_id in self.flow_runs if self.state_of(run_id)[0] in {"RUNNING", "PENDING"}]
        with self.client() as client:
            for run_id in unfinished:
                client.set_flow_run_state(run_id, Cancelling(), force=True)
        deadline = time.monotonic() + 30
        while unfinished and time.monotonic() < deadline:
            unfinished = [run_id for run_id in unfinished if self.state_of(run_id)[0] not in FINAL_STATES]
            time.sleep(1)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log_tail(log)}")
        if http_ok(url):
            return
        time.sleep(0.5)
    pytest.fail(f"{what} not healthy after {STARTUP_TIMEOUT_S:.0f} s:\n{log_tail(log)}")


def _wait_pool_ready(stack: IntegrationStack, worker: subprocess.Popen) -> None:
    """A process worker that has sent its first heartbeat turns the pool READY."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"worker exited with {worker.returncode}:\n{log_tail(stack.worker_log)}")
        with stack.client() as client:
            status = client.read_work_pool(WORK_POOL).status
        if status is not None and status.value == "READY":
            return
        time.sleep(1)
    pytest.fail(f"work pool {WORK_POOL} not READY after {STARTUP_TIMEOUT_S:.0f} s:\n{log_tail(stack.worker_log)}")


@pytest.fixture(scope="session")
def integration_stack(tmp_path_factory) -> Iterator[IntegrationStack]:
    """Start the servers, create the pool, start a worker, `prefect deploy --all`; stop all of it afterwards."""
    root = tmp_path_factory.mktemp("integration")
    prefect_port = free_port()
    api_url = f"http://127.0.0.1:{prefect_port}/api"
    base_env = {k: v for k, v in os.environ.items() if k not in {"PREFECT_API_URL", "PREFECT_PROFILE"}}
    server_env = {
        **base_env,
        "PREFECT_HOME": str(root / "prefect-server"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # The UI otherwise calls the API at the default port 4200, not the one given on the command line.
        "PREFECT_UI_API_URL": api_url,
        # The scheduler's default 60 s loop would leave the weekly run unscheduled for a minute.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
    }
    server_log = root / "prefect-server.log"
    cleanup = contextlib.ExitStack()
    server = start_process(
        [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
        server_env,
        server_log,
    )
    cleanup.callback(stop_process, server)
    mlflow_port: int | None = None
    worker: subprocess.Popen | None = None
    stack: IntegrationStack | None = None
    try:
        # MLflow starts (~25 s, blocking) while the Prefect server runs its migrations.
        mlflow = start_mlflow_server(root / "mlflow")
        mlflow_port = int(mlflow.url.rsplit(":", 1)[1])
        cleanup.callback(stop_mlflow_server, mlflow)
        _wait_healthy(f"{api_url}/health", server, server_log, "prefect server")

        cli_env = {
            **base_env,
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(root / "prefect-cli"),
            "SPAMLOOP_REPO_DIR": str(REPO_ROOT),
        }
        stack = IntegrationStack(
            root=root,
            api_url=api_url,
            ui_url=f"http://127.0.0.1:{prefect_port}",
            mlflow_url=mlflow.url,
            state_dir=root / "state",
            cli_env=cli_env,
            worker_log=root / "worker.log",
            server_log=server_log,
        )
        # Every pool prefect.yaml names must exist before `deploy --all` (it stops at a missing one); only
        # spamloop-process gets a worker here, runs on other pools (e.g. the GPU pool) would just wait.
        for pool in sorted(set(declared_deployments().values())):
            stack.prefect("work-pool", "create", pool, "--type", "process")
        worker_env = {
            **cli_env,
            "PREFECT_HOME": str(root / "prefect-worker"),
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            # As in production: flow-run logs go to the server, so the UI shows them (tests/conftest turns it off).
            "PREFECT_LOGGING_TO_API_ENABLED": "true",
            # What the flow runs read through SpamloopConfig (prefix SPAMLOOP_).
            "SPAMLOOP_STATE_DIR": str(stack.state_dir),
            "SPAMLOOP_MLFLOW_TRACKING_URI": mlflow.url,
        }
        # The worker starts while `prefect deploy` imports the flows.
        worker = start_process(
            [str(Path(sys.executable).with_name("prefect")), "worker", "start", "--pool", WORK_POOL],
            worker_env,
            stack.worker_log,
            cwd=REPO_ROOT,
        )
        stack.prefect("--no-prompt", "deploy", "--all", timeout_s=420)
        _wait_pool_ready(stack, worker)
        yield stack
    finally:
        if stack is not None and worker is not None and worker.poll() is None:
            with contextlib.suppress(Exception):
                stack.cancel_unfinished_runs()
        if worker is not None:
            stop_process(worker)
        cleanup.close()
    # Nothing may keep listening after the session: a lingering server would collide with the next one.
    assert wait_port_closed(prefect_port), f"prefect server still listening on {prefect_port}"
    if mlflow_port is not None:
        assert wait_port_closed(mlflow_port), f"mlflow server still listening on {mlflow_port}"


@dataclass(frozen=True)
class OverlappingRuns:
    """Two weekly retrains triggered back to back, and what each became."""

    first: UUID
    second: UUID
    first_state_when_second_was_refused: str
    second_final: tuple[str, str]
    first_final: tuple[str, str]


@pytest.fixture(scope="session")
def overlapping_runs(integration_stack: IntegrationStack) -> OverlappingRuns:
    """Trigger a retrain, wait until it runs, trigger another; wait for both to end."""
    stack = integration_stack
    first = stack.run_weekly_retrain(QUICK_RETRAIN_CONFIG)
    reached = stack.wait_for_state(first, {"RUNNING"}, timeout_s=STARTUP_TIMEOUT_S)
    assert reached == "RUNNING", f"first run ended before it ran: {stack.state_of(first)}\n{log_tail(stack.worker_log)}"
    second = stack.run_weekly_retrain(QUICK_RETRAIN_CONFIG)
    stack.wait_for_state(second, FINAL_STATES, timeout_s=120)
    first_state_then = stack.state_of(first)[0]
    second_final = stack.state_of(second)
    stack.wait_for_state(first, FINAL_STATES, timeout_s=RUN_TIMEOUT_S)
    return OverlappingRuns(
        first=first,
        second=second,
        first_state_when_second_was_refused=first_state_then,
        second_final=second_final,
        first_final=stack.state_of(first),
    )


@pytest.fixture(scope="session")
def completed_retrain(overlapping_runs: OverlappingRuns) -> OverlappingRuns:
    """The overlapping runs, provided the first one completed (what the MLflow and manifest checks need)."""
    if overlapping_runs.first_final[0] != "COMPLETED":
        pytest.fail(f"the weekly retrain did not complete: {overlapping_runs.first_final}")
    return overlapping_runs


def champion_and_training_run(mlflow_url: str):
    """(client, model version behind alias champion, the MLflow training run it came from)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_url, registry_uri=mlflow_url)
    champion = client.get_model_version_by_alias(REGISTERED_MODEL, "champion")
    return client, champion, client.get_run(champion.run_id)


def next_monday_0300_seoul(after: datetime) -> datetime:
    """The first Monday 03:00 Asia/Seoul strictly after ``after``."""
    local = after.astimezone(SEOUL)
    candidate = local.replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=(0 - local.weekday()) % 7)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate

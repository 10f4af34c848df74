"""`scripts/stack.sh` starts a real Prefect server, MLflow server and SeaweedFS S3 on 127.0.0.1, and stops them.

One lifecycle per test session (the servers take ~30-60 s to start on 2 cores): up on free, non-default
ports with a temporary state folder, check what a user relies on, up again (idempotent), down.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.conftest import REPO_ROOT
from tests.support.seaweed import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.s3]

STACK = REPO_ROOT / "scripts" / "stack.sh"


def run_stack(command: str, env: dict[str, str], timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(STACK), command], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s
    )


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def sourced(env_file, env: dict[str, str]) -> dict[str, str]:
    """The environment after `source env_file` in bash, as a user gets it."""
    done = subprocess.run(
        ["bash", "-c", 'source "$1" && env -0', "_", str(env_file)], env=env, capture_output=True, check=True
    )
    return dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)


def port_taken(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def s3_client(endpoint: str, access_key: str, secret_key: str):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 1}),
    )


def test_the_env_file_puts_the_venv_first_on_path_so_bare_commands_are_the_pinned_ones(tmp_path):
    """docs/operations.md writes `prefect ...`, `mlflow ...`, `spamloop ...` after `source .spamloop/stack/env`."""
    from devstack.stack import Stack, StackSettings

    stack = Stack(StackSettings(state_dir=tmp_path / "state"))
    stack.write_env_file()
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # a shell that never activated the venv
    done = subprocess.run(
        ["bash", "-c", 'source "$1" && command -v prefect mlflow spamloop', "_", str(stack.settings.env_file)],
        env=bare, capture_output=True, text=True, check=True,
    )
    venv_bin = str(Path(sys.executable).parent)
    assert done.stdout.split() == [f"{venv_bin}/prefect", f"{venv_bin}/mlflow", f"{venv_bin}/spamloop"]
    assert sourced(stack.settings.env_file, bare)["PATH"].endswith(":/usr/bin:/bin")


def test_stack_up_serves_prefect_mlflow_and_s3_then_down_frees_the_ports(tmp_path):
    prefect_port, mlflow_port, s3_port = free_ports(3)
    state_dir = tmp_path / "state"
    # The test session's own Prefect/MLflow settings (conftest) must not leak into the stack.
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "MLFLOW_"))}
    env.update(
        SPAMLOOP_STATE_DIR=str(state_dir),
        PREFECT_PORT=str(prefect_port),
        MLFLOW_PORT=str(mlflow_port),
        S3_PORT=str(s3_port),
        STACK_TIMEOUT_S="300",
    )
    try:
        up = run_stack("up", env)
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]

        # The three health endpoints answer.
        assert get(f"http://127.0.0.1:{prefect_port}/api/health") == (200, "true")
        assert get(f"http://127.0.0.1:{mlflow_port}/health") == (200, "OK")
        assert get(f"http://127.0.0.1:{s3_port}/healthz")[0] == 200

        # The env file a user sources points at this stack and is readable by its owner only.
        env_file = state_dir / "stack" / "env"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        exported = sourced(env_file, env)
        assert exported["PREFECT_API_URL"] == f"http://127.0.0.1:{prefect_port}/api"
        assert exported["SPAMLOOP_MLFLOW_TRACKING_URI"] == f"http://127.0.0.1:{mlflow_port}"
        assert exported["SPAMLOOP_S3__ENDPOINT_URL"] == f"http://127.0.0.1:{s3_port}"
        assert exported["SPAMLOOP_PUBLISH__TARGET"] == "s3://spamloop/published"
        secret = exported["SPAMLOOP_S3__SECRET_ACCESS_KEY"]
        assert len(secret) >= 32
        assert secret not in up.stdout + up.stderr, "the S3 secret was printed"

        # S3 checks signatures: the wrong secret is rejected, the right one reads and writes the bucket.
        endpoint, access_key = exported["SPAMLOOP_S3__ENDPOINT_URL"], exported["SPAMLOOP_S3__ACCESS_KEY_ID"]
        with pytest.raises(ClientError) as rejected:
            s3_client(endpoint, access_key, "0" * len(secret)).list_buckets()
        assert rejected.value.response["Error"]["Code"] in {"SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId"}
        client = s3_client(endpoint, access_key, secret)
        assert "spamloop" in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}
        client.put_object(Bucket="spamloop", Key="probe.txt", Body=b"hello")
        assert client.get_object(Bucket="spamloop", Key="probe.txt")["Body"].read() == b"hello"

        # Every work pool prefect.yaml's deployments name exists (`deploy --all` stops at a missing one),
        # with the process worker's template.
        named = {deployment["work_pool"]["name"] for deployment in yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())["deployments"]}
        assert "spamloop-process" in named
        for name in named:
            status, body = get(f"http://127.0.0.1:{prefect_port}/api/work_pools/{name}")
            pool = json.loads(body)
            assert (status, pool["type"]) == (200, "process"), name
            assert "command" in pool["base_job_template"]["job_configuration"], name

        # MLflow answers its REST API, with its store under the state folder.
        status, body = get(f"http://127.0.0.1:{mlflow_port}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default")
        assert status == 200 and json.loads(body)["experiment"]["name"] == "Default"
        assert (state_dir / "mlflow" / "mlflow.db").exists()

        # Up again: says so, changes nothing.
        again = run_stack("up", env, timeout_s=120)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "already up" in again.stdout
        status_run = run_stack("status", env, timeout_s=60)
        assert status_run.returncode == 0 and status_run.stdout.count(" up (pid ") == 3, status_run.stdout
    finally:
        down = run_stack("down", env, timeout_s=120)

    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    assert [port for port in (prefect_port, mlflow_port, s3_port) if port_taken(port)] == []
    weed_ports = json.loads((state_dir / "stack" / "s3" / "ports.json").read_text()).values()
    assert [port for port in weed_ports if port_taken(port)] == []
    assert not list((state_dir / "stack").glob("*.pid"))
    after = run_stack("status", env, timeout_s=60)
    assert after.returncode == 3 and after.stdout.count(" down") == 3, after.stdout

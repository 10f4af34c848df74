"""A real S3-compatible server for tests: SeaweedFS ``weed mini`` on 127.0.0.1 with its own ports.

Usage (any test folder can wrap it in a session fixture)::

    with seaweed_s3(tmp_dir) as server:
        client = server.client()
        ...

Every port is picked free, so parallel test sessions of different engineers do not collide. The server
checks signatures: a wrong secret key is rejected, as on AWS.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.stack import WEED_INTERNAL_PORTS, free_ports, weed_binary  # shared with `make stack-up`

# Every port weed mini binds, picked free (admin ones too: their defaults would clash between servers).
_PORT_FLAGS = ("s3.port", *WEED_INTERNAL_PORTS)


@dataclass(frozen=True)
class S3Server:
    """A running test S3 server and the credentials it accepts."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"

    def client(self, secret_access_key: str | None = None) -> Any:
        """A boto3 client for this server (optionally with another secret, to test rejection)."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 2}),
        )

    def s3_config(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``SpamloopConfig(s3=...)`` pointing at this server."""
        values: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 10.0,
            "max_attempts": 2,
        }
        values.update(overrides)
        return values


def _wait_until_ready(server: S3Server, process: subprocess.Popen[bytes], timeout_s: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    client = server.client()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}; log: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            client.list_buckets()
            return
        except Exception as exc:  # not up yet: connection refused, 503 while the filer starts...
            last_error = exc
            time.sleep(0.3)
    raise TimeoutError(f"SeaweedFS S3 not ready after {timeout_s} s ({last_error!r}); log: {log_path}")


@contextmanager
def seaweed_s3(base_dir: Path, *, startup_timeout_s: float = 60.0) -> Iterator[S3Server]:
    """Start ``weed mini`` with data under ``base_dir``, yield the server, then stop it and delete the data."""
    base_dir.mkdir(parents=True, exist_ok=True)
    data_dir = base_dir / "data"
    data_dir.mkdir(exist_ok=True)
    access_key = "spamloop-test"
    secret_key = secrets.token_hex(16)
    config_path = base_dir / "s3.json"
    config_path.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "spamloop-test",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS))))
    args = [
        str(weed_binary()),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config_path}",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log_path = base_dir / "weed.log"
    server = S3Server(endpoint_url=f"http://127.0.0.1:{ports['s3.port']}", access_key_id=access_key, secret_access_key=secret_key)
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=base_dir, start_new_session=True)
        try:
            _wait_until_ready(server, process, startup_timeout_s, log_path)
            yield server
        finally:
            _stop(process)
    shutil.rmtree(data_dir, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # Only our own process group (start_new_session above): never anything else named weed.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)

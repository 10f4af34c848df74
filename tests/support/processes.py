"""Child processes for crash tests: run a real stage, SIGKILL it at a chosen point."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import contextlib
from collections.abc import Callable

from tests.conftest import REPO_ROOT

CHILD_ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def kill_when_ready(
    command: list[str], ready: Callable[[], bool], timeout_s: float, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start ``command``, SIGKILL it as soon as ``ready()`` holds; fail if it exits or times out first."""
    child = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env or CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if child.poll() is not None:
                raise AssertionError(f"child exited with {child.returncode} before the kill point: "
                                     f"{child.stderr.read().decode(errors='replace')[-3000:]}")
            assert time.monotonic() < deadline, "child never reached the kill point"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    return child


def stop_process_group(process: subprocess.Popen, grace_s: float = 15.0) -> None:
    """SIGTERM the session a child was started in (``start_new_session=True``), so helpers it forked stop with it
    and never anything else; SIGKILL what is left after ``grace_s``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

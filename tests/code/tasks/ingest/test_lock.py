"""One ingest at a time per state folder: the second run fails at once, a dead holder frees the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tasks.ingest.errors import IngestBusyError, IngestError
from tasks.ingest.ledger import read_ledger
from tasks.ingest.lock import IngestLock
from tasks.ingest.pipeline import IngestRun, run_ingest
from tasks.ingest.snapshot import latest_manifest
from tests.conftest import REPO_ROOT


def test_second_run_on_the_same_state_fails_clearly_and_changes_nothing(ingest_config):
    holder = IngestRun(ingest_config)
    try:
        with pytest.raises(IngestBusyError, match="another ingest is running") as busy:
            run_ingest(ingest_config)
        assert isinstance(busy.value, IngestError)
        assert f"pid {os.getpid()}" in str(busy.value)
        assert latest_manifest(ingest_config) is None and read_ledger(ingest_config.paths.ingest_ledger) == []
        assert holder.work_dir.is_dir(), "the refused run must not clean up the running one's files"
    finally:
        holder.abort()
    assert run_ingest(ingest_config).read == 27, "abort released the lock"


def test_finalise_and_failed_runs_release_the_lock(ingest_config, log_dir):
    run_ingest(ingest_config)
    (log_dir / "broken.parquet").write_bytes(b"not parquet at all")
    run_ingest(ingest_config)  # an unreadable file is quarantined, the run still commits and unlocks
    with IngestLock(ingest_config.state_dir):
        pass


def test_stale_run_folders_of_a_dead_run_are_removed(ingest_config):
    stale = ingest_config.paths.tmp / "run-20260101T000000Z-dead00"
    stale.mkdir(parents=True)
    (stale / "00000-reports.parquet").write_bytes(b"half written")
    run_ingest(ingest_config)
    assert not stale.exists()


def test_lock_of_a_killed_process_is_free_again(ingest_config):
    script = (
        "import sys, time\n"
        "from tasks.ingest.lock import IngestLock\n"
        "IngestLock(sys.argv[1]).acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(ingest_config.state_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(IngestBusyError, match=f"pid {child.pid}"):
            IngestLock(ingest_config.state_dir).acquire()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    deadline = time.monotonic() + 10
    while True:  # the kernel releases a dead process's flock when its descriptors close
        try:
            IngestLock(ingest_config.state_dir).acquire().release()
            break
        except IngestBusyError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert run_ingest(ingest_config).read == 27

"""One ingest at a time per state folder: an exclusive ``flock`` on ``<state>/ingest.lock``.

Two runs on one state folder would both read the same previous snapshot, both count the same new files,
and each would delete the other's temporary files at start-up. The lock is taken before any of that and
held until the run commits or aborts. The kernel drops it when the process dies (kill -9 included), so a
crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tasks.ingest.errors import IngestBusyError

LOCK_NAME = "ingest.lock"


class IngestLock:
    """A non-blocking exclusive lock on ``<state_dir>/ingest.lock``; ``acquire`` raises IngestBusyError if held."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> IngestLock:
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise IngestBusyError(
                f"another ingest is running on {self.path.parent} ({holder}); wait for it to finish, then run again"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # Who holds it, for the message above; informative only (the flock is the lock).
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Idempotent. The file stays: deleting it would let a third run lock a different inode."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> IngestLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip()
    except OSError:
        text = ""
    return text or "holder unknown"

"""The commit of an ingest run: one record makes its parts, snapshot and ledger lines visible together.

``finalise`` writes every new file under a temporary name next to its target, then:

1. ``staged``: all temporary files are complete;
2. ``recorded``: the commit record ``<state>/ingest/commit.json`` is written atomically. **This is the commit
   point**: it lists the renames to do, the snapshot manifest and the ledger lines of the run;
3. ``renamed-<kind>``: each temporary file is renamed into place (messages, reports, quarantine, campaigns);
4. ``snapshot``: ``snapshots/<id>.json`` is written;
5. ``ledger``: the run's ledger lines are appended;
6. ``done``: the commit record is removed.

A process killed before step 2 leaves only temporary files: the next run deletes them and ingests the same
files again (nothing of the dead run was visible). A process killed after step 2 left a record: the next
run finishes it (``complete_pending_commit``, under the ingest lock, before it reads anything), and every
step is idempotent, so a kill during that recovery is finished by the run after. Either way the state ends
as one clean run would have left it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from spamloop.config import SpamloopConfig
from tasks.ingest.atomic import write_text_atomic
from tasks.ingest.errors import IngestError
from tasks.ingest.ledger import LedgerEntry, append_ledger
from tasks.ingest.snapshot import SnapshotManifest, snapshot_path

logger = logging.getLogger("spamloop.ingest")

RENAME_KINDS: tuple[str, ...] = ("messages", "reports", "quarantine", "campaigns")
# Every point of the sequence, in order (with every kind of file present); the crash tests kill at each.
COMMIT_POINTS: tuple[str, ...] = ("staged", "recorded", *(f"renamed-{kind}" for kind in RENAME_KINDS), "snapshot", "ledger", "done")

# Called with each point's name as the sequence passes it. None in normal runs; the crash tests set it to
# kill the process at one point (tests/faults/test_ingest_integrity.py).
step_hook: Callable[[str], None] | None = None


def passed(point: str) -> None:
    if step_hook is not None:
        step_hook(point)


class PendingRename(BaseModel):
    """One fully written temporary file and where it goes (paths relative to the state folder)."""

    kind: str = Field(description="messages | reports | quarantine | campaigns.")
    temp: str = Field(description="Temporary file, next to its target.")
    target: str = Field(description="Final path.")


class CommitRecord(BaseModel):
    """Everything a committed run still has to make visible; the content of ``<state>/ingest/commit.json``."""

    run_id: str = Field(description="The ingest run being committed.")
    renames: list[PendingRename] = Field(default_factory=list, description="Temporary files to rename into place, in order.")
    snapshot: SnapshotManifest | None = Field(default=None, description="Snapshot to write (None: the run added no part).")
    ledger: list[LedgerEntry] = Field(default_factory=list, description="Ledger lines of the files the run read.")


class CommitRecoveryError(IngestError):
    """A commit record names a file that is neither at its temporary nor at its final path (state was altered)."""


def commit_record_path(config: SpamloopConfig) -> Path:
    return config.paths.ingest_ledger.parent / "commit.json"


def record_commit(config: SpamloopConfig, record: CommitRecord) -> None:
    """Write the commit record atomically: the commit point. Then call ``roll_forward``."""
    passed("staged")
    write_text_atomic(commit_record_path(config), record.model_dump_json(indent=1) + "\n")
    passed("recorded")


def complete_pending_commit(config: SpamloopConfig) -> str | None:
    """Finish a commit a killed run left behind; returns its run id, or None when there was none.

    Call under the ingest lock, before the stale temporary files are deleted (they are the record's data).
    """
    path = commit_record_path(config)
    if not path.exists():
        return None
    record = CommitRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
    logger.warning("ingest run %s was killed after its commit point: finishing its commit", record.run_id)
    roll_forward(config, record)
    return record.run_id


def roll_forward(config: SpamloopConfig, record: CommitRecord) -> None:
    """Make everything a recorded commit lists visible; idempotent (also finishes a half-done one)."""
    root = config.state_dir
    for rename in record.renames:
        temp, target = root / rename.temp, root / rename.target
        if temp.exists():
            os.replace(temp, target)
        elif not target.exists():
            raise CommitRecoveryError(
                f"commit of ingest run {record.run_id}: {rename.temp} and {rename.target} are both missing; "
                "the state folder was changed by hand; restore it from a backup"
            )
        passed(f"renamed-{rename.kind}")
    _fsync_dirs({(root / rename.target).parent for rename in record.renames})
    if record.snapshot is not None:
        write_text_atomic(snapshot_path(config, record.snapshot.snapshot_id), record.snapshot.model_dump_json(indent=2) + "\n")
    passed("snapshot")
    append_ledger(config.paths.ingest_ledger, record.ledger)
    passed("ledger")
    commit_record_path(config).unlink(missing_ok=True)
    _fsync_dirs({commit_record_path(config).parent})
    passed("done")


def _fsync_dirs(folders: set[Path]) -> None:
    """Make renames durable (the folder entries), not only the files' bytes."""
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

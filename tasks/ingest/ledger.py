"""The ingest ledger: one JSON line per ingested source file, so later runs skip it.

A file is identified by (uri, identity, size): identity is the S3 ETag or the local file's sha256. A
file whose content changed is therefore ingested again. Lines are written only as part of a run's commit
(``tasks.ingest.commit``), together with its snapshot. ``uri`` is always valid UTF-8 (a local name's bad
bytes escaped as ``\\xNN``); ``uri_b64`` then keeps the exact bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from tasks.ingest.atomic import write_text_atomic


class LedgerEntry(BaseModel):
    """One ingested source file."""

    uri: str = Field(description="Local path (bytes that are not UTF-8 as \\xNN) or s3://bucket/key.")
    uri_b64: str | None = Field(default=None, description="The local path's exact bytes, base64, when uri had to escape some.")
    identity: str = Field(description="'etag:<etag>' or 'sha256:<hex>'.")
    size: int = Field(description="Size in bytes.")
    run_id: str = Field(description="Ingest run that read it.")
    ingested_at: str = Field(description="UTC time the run committed, ISO-8601.")
    read: int = Field(description="Rows read.")
    accepted: int = Field(description="Reports of new messages.")
    duplicate: int = Field(description="Reports of known messages, or re-delivered reports.")
    quarantined: int = Field(description="Rows rejected to the quarantine file.")

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.uri, self.identity, self.size)


def read_ledger(path: Path) -> list[LedgerEntry]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(LedgerEntry.model_validate(json.loads(line)))
    return entries


def ingested_keys(path: Path) -> set[tuple[str, str, int]]:
    return {entry.key for entry in read_ledger(path)}


def append_ledger(path: Path, entries: list[LedgerEntry]) -> None:
    """Add entries by rewriting the (small) ledger to a temporary file and renaming it into place.

    Idempotent: an entry already there (same run, file and identity) is not added twice, so a commit that is
    finished again after a crash leaves the same ledger.
    """
    present = {(e.run_id, *e.key) for e in read_ledger(path)}
    new = [entry for entry in entries if (entry.run_id, *entry.key) not in present]
    if not new:
        return
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    added = "".join(entry.model_dump_json() + "\n" for entry in new)
    write_text_atomic(path, existing + added)

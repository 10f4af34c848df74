"""Write-then-rename helpers: a reader never sees a half-written file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def temp_path_for(target: Path) -> Path:
    """A unique temporary name next to ``target`` (same folder, so the rename is atomic)."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")


def fsync_file(path: Path) -> None:
    """Flush a written file's bytes to disk (before a rename makes it visible)."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def publish(temp: Path, target: Path) -> None:
    """Atomically move a fully written temporary file into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fsync_file(temp)
    os.replace(temp, target)


def write_text_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(target)
    try:
        temp.write_text(text, encoding="utf-8")
        publish(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def remove_stale_temps(folder: Path) -> int:
    """Delete ``.*.tmp`` files a killed run left behind; returns how many."""
    if not folder.exists():
        return 0
    removed = 0
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
        removed += 1
    return removed

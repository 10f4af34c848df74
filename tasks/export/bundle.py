"""The on-device bundle: one folder per model version, indexed by bundle.json (every file, sha256, size)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.ondevice import BUNDLE_FORMAT, BUNDLE_FORMAT_V1, BUNDLE_INDEX, sha256_file

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_version(version: str) -> str:
    """A version becomes a folder and an object key: letters, digits, '.', '_', '-' only."""
    if not VERSION_PATTERN.match(version):
        raise ValueError(f"invalid model version {version!r}: use letters, digits, '.', '_', '-' (max 64)")
    return version


def clean_metrics(metrics: dict[str, Any] | None) -> dict[str, float]:
    """Only numeric metrics travel to phones and manifests (never texts or other free-form values)."""
    cleaned: dict[str, float] = {}
    for name, value in (metrics or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"metric {name!r} is not a number ({type(value).__name__}); bundles carry numbers only")
        cleaned[str(name)] = float(value)
    return cleaned


def write_json(path: Path, data: Any) -> bytes:
    """Deterministic UTF-8 JSON (sorted keys, 2-space indent, trailing newline); returns the bytes written."""
    payload = (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    path.write_bytes(payload)
    return payload


def list_files(bundle_dir: Path) -> list[dict[str, Any]]:
    """Every regular file under the bundle (except bundle.json), sorted, with sha256 and size."""
    entries = []
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(bundle_dir).as_posix()
        if relative == BUNDLE_INDEX:
            continue
        entries.append({"path": relative, "sha256": sha256_file(path), "size": path.stat().st_size})
    return entries


def write_bundle_index(bundle_dir: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    """Write bundle.json = format + metadata + files; returns it. The format is 2 when the metadata names an n-gram
    contract (the graphs take n-gram inputs), else 1."""
    index = {
        "format": BUNDLE_FORMAT if metadata.get("ngram_contract") else BUNDLE_FORMAT_V1,
        "created_at": datetime.now(UTC).isoformat(),
        **metadata,
        "files": list_files(bundle_dir),
    }
    write_json(bundle_dir / BUNDLE_INDEX, index)
    return index

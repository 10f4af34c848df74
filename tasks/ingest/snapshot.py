"""Versioned corpus snapshots: ``snapshots/<snapshot_id>.json`` lists the message parts (and digests).

``snapshot_id`` is a short digest over the listed message parts' sha256, so the same corpus always has
the same id. A snapshot is written by an ingest run's commit (``tasks.ingest.commit``), after its parts are
in place: parts that no snapshot lists are invisible to every reader (``load_snapshot``) and to later
ingest runs (and are removed by the next one).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from pydantic import BaseModel, Field

from spamloop.config import SpamloopConfig
from tasks.ingest.atomic import write_text_atomic
from tasks.ingest.errors import NoSnapshotError


class SnapshotPart(BaseModel):
    """One Parquet part of the corpus."""

    path: str = Field(description="Path relative to the state folder, e.g. corpus/messages/part-<run>.parquet.")
    sha256: str = Field(description="sha256 of the file's bytes.")
    rows: int = Field(description="Number of rows.")


class SnapshotManifest(BaseModel):
    """The content of ``snapshots/<snapshot_id>.json``."""

    snapshot_id: str = Field(description="Short digest over the message parts' sha256.")
    created_at: str = Field(description="UTC creation time, ISO-8601.")
    normalization_version: str = Field(description="models.normalization.NORMALIZATION_VERSION used for text_norm.")
    parts: list[SnapshotPart] = Field(description="Message parts; their union is the corpus.")
    report_parts: list[SnapshotPart] = Field(default_factory=list, description="Report parts, pointing at messages.")
    counts: dict[str, int] = Field(default_factory=dict, description="messages, reports and the last run's counts.")


def snapshot_digest(parts: list[SnapshotPart]) -> str:
    """Short digest over the parts' sha256 (order-independent)."""
    joined = "\n".join(sorted(part.sha256 for part in parts))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()[:16]


def snapshot_path(config: SpamloopConfig, snapshot_id: str) -> Path:
    return config.paths.snapshots / f"{snapshot_id}.json"


def all_manifests(config: SpamloopConfig) -> list[SnapshotManifest]:
    """Every snapshot's manifest (any order)."""
    return _manifests(config)


def _manifests(config: SpamloopConfig) -> list[SnapshotManifest]:
    folder = config.paths.snapshots
    if not folder.exists():
        return []
    return [SnapshotManifest.model_validate(json.loads(path.read_text(encoding="utf-8"))) for path in folder.glob("*.json")]


def latest_manifest(config: SpamloopConfig) -> SnapshotManifest | None:
    """The most recently created snapshot, or None before the first ingest."""
    manifests = _manifests(config)
    if not manifests:
        return None
    return max(manifests, key=lambda m: (m.created_at, m.snapshot_id))


def latest_snapshot_id(config: SpamloopConfig) -> str | None:
    """Id of the most recently created snapshot, or None before the first ingest."""
    manifest = latest_manifest(config)
    return None if manifest is None else manifest.snapshot_id


def read_manifest(config: SpamloopConfig, snapshot_id: str | None = None) -> SnapshotManifest:
    """A snapshot's manifest (the latest by default); NoSnapshotError if there is none."""
    if snapshot_id is None:
        manifest = latest_manifest(config)
        if manifest is None:
            raise NoSnapshotError(f"no corpus snapshot under {config.paths.snapshots}: run the ingest flow first")
        return manifest
    path = snapshot_path(config, snapshot_id)
    if not path.exists():
        raise NoSnapshotError(f"snapshot {snapshot_id!r} not found under {config.paths.snapshots}")
    return SnapshotManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))


def load_snapshot(config: SpamloopConfig, snapshot_id: str | None = None) -> pl.DataFrame:
    """All messages of a snapshot (the latest by default): its message parts, concatenated."""
    manifest = read_manifest(config, snapshot_id)
    from models.schemas import MESSAGES_SCHEMA

    if not manifest.parts:
        return pl.DataFrame(schema=MESSAGES_SCHEMA)
    return pl.concat(
        [_with_text_model(pl.read_parquet(config.state_dir / part.path)) for part in manifest.parts], how="vertical"
    )


def _with_text_model(part: pl.DataFrame) -> pl.DataFrame:
    """The part with ``text_model`` derived from its stored raw text by this code's text contract.

    A part written under an earlier contract has none (before norm-v2) or an older one (norm-v4 reads links spelled
    out in Korean), and parts of earlier ingests are carried into later snapshots: training must read what the
    phone will compute. Only text_model is re-derived; ids, text_norm and everything else stay as stored.
    """
    from models.normalization import normalize_frame

    text_model = normalize_frame(part.select("text"), text_col="text").get_column("text_model")
    if "text_model" in part.columns:
        return part.with_columns(text_model)
    return part.insert_column(part.columns.index("text_norm") + 1, text_model)


def load_snapshot_reports(config: SpamloopConfig, snapshot_id: str | None = None) -> pl.DataFrame:
    """All reports of a snapshot (the latest by default)."""
    manifest = read_manifest(config, snapshot_id)
    from models.schemas import REPORTS_SCHEMA

    if not manifest.report_parts:
        return pl.DataFrame(schema=REPORTS_SCHEMA)
    return pl.read_parquet([config.state_dir / part.path for part in manifest.report_parts])


def new_manifest(
    parts: list[SnapshotPart],
    report_parts: list[SnapshotPart],
    normalization_version: str,
    counts: dict[str, int],
) -> SnapshotManifest:
    """The manifest of a new snapshot (written by the run's commit, ``tasks.ingest.commit``)."""
    return SnapshotManifest(
        snapshot_id=snapshot_digest(parts),
        created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        normalization_version=normalization_version,
        parts=parts,
        report_parts=report_parts,
        counts=counts,
    )


def write_snapshot(
    config: SpamloopConfig,
    parts: list[SnapshotPart],
    report_parts: list[SnapshotPart],
    normalization_version: str,
    counts: dict[str, int],
) -> tuple[SnapshotManifest, Path]:
    """Write a snapshot on its own (tools and tests that build a corpus by hand; ingest commits through
    ``tasks.ingest.commit``). Atomic; returns the manifest and its path."""
    manifest = new_manifest(parts, report_parts, normalization_version, counts)
    path = snapshot_path(config, manifest.snapshot_id)
    write_text_atomic(path, manifest.model_dump_json(indent=2) + "\n")
    return manifest, path

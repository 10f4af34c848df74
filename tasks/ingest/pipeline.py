"""The ingest run: source files -> validated, normalised, deduplicated corpus parts + a new snapshot.

``run_ingest`` is the plain-Python entry point; ``IngestRun`` exposes the same steps one by one
(open, ingest a file, finalise) for the Prefect tasks in ``tasks.ingest.steps``.

Memory stays bounded whatever the file size: rows are read, validated and written in batches of
``ingest.batch_rows`` (one Parquet row group per batch); the state carried between batches is the
compact ``KnownIds`` arrays and the campaign index. Each file writes its own temporary parts, so a
failed file (e.g. an S3 error) is rolled back and can be retried. Nothing becomes visible until
``finalise`` commits the run: parts, quarantine, campaign index, snapshot and ledger lines together
(``tasks.ingest.commit``: a kill at any point leaves a state the next run completes or discards whole).
One run at a time per state folder: ``IngestRun`` holds ``tasks.ingest.lock.IngestLock`` until it
commits or aborts; a second run fails at once with ``IngestBusyError``.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any, Literal

import polars as pl
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from models.schemas import MESSAGES_SCHEMA, QUARANTINE_SCHEMA, REPORTS_SCHEMA, QuarantineReason, arrow_schema
from spamloop.config import SpamloopConfig
from models.ondevice import sha256_file
from tasks.ingest.atomic import fsync_file, remove_stale_temps, temp_path_for
from tasks.ingest.campaigns import CampaignIndex
from tasks.ingest.dedupe import (
    ACCEPTED,
    CONFLICT,
    DUPLICATE_REPORT,
    KnownIds,
    TextCache,
    classify_reports,
    message_ids_from_keys,
    message_keys,
    report_keys,
)
from tasks.ingest.errors import CountsMismatchError, SourceRejectedError
from tasks.ingest.commit import CommitRecord, PendingRename, complete_pending_commit, record_commit, roll_forward
from tasks.ingest.ledger import LedgerEntry, ingested_keys, read_ledger
from tasks.ingest.lock import IngestLock
from tasks.ingest.readers import read_batches, whole_file_rejection
from tasks.ingest.snapshot import SnapshotManifest, SnapshotPart, all_manifests, latest_manifest, new_manifest, snapshot_path
from tasks.ingest.sources import SourceFile, discover_sources, open_source
from tasks.ingest.validate import quarantine_records, validate_batch

logger = logging.getLogger("spamloop.ingest")

# Columns of the per-file temporary "new messages" parts; counts are added in finalise.
_CANDIDATE_COLUMNS = [
    "message_id",
    "text",
    "text_norm",
    "text_model",
    "text_for_llm",
    "url_domains",
    "lang",
    "campaign_id",
    "is_campaign_rep",
    "is_synthetic",
    "ingest_run_id",
]
_CANDIDATE_SCHEMA = {name: MESSAGES_SCHEMA[name] for name in _CANDIDATE_COLUMNS}
_STATS_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.UInt64(),
    "report_count": pl.Int64(),
    "user_spam_reports": pl.Int64(),
    "user_ham_reports": pl.Int64(),
    "first_seen_at": pl.Datetime("us", "UTC"),
}


class FileCounts(BaseModel):
    """Row counts of one file or a whole run; ``read = accepted + duplicate + quarantined``."""

    read: int = Field(default=0, description="Physical rows read.")
    accepted: int = Field(default=0, description="Reports of messages never seen before.")
    duplicate: int = Field(default=0, description="Reports of known messages, or the same report delivered again.")
    quarantined: int = Field(default=0, description="Rows rejected to the quarantine file.")
    reasons: dict[str, int] = Field(default_factory=dict, description="Quarantined rows per reason code.")

    def add(self, other: FileCounts) -> None:
        self.read += other.read
        self.accepted += other.accepted
        self.duplicate += other.duplicate
        self.quarantined += other.quarantined
        merged = Counter(self.reasons)
        merged.update(other.reasons)
        self.reasons = dict(sorted(merged.items()))

    def check(self, where: str) -> None:
        """Raise if the counts do not reconcile (that would be a bug: every row must be accounted for)."""
        if self.read != self.accepted + self.duplicate + self.quarantined or self.quarantined != sum(self.reasons.values()):
            raise CountsMismatchError(
                f"{where}: read {self.read} != accepted {self.accepted} + duplicate {self.duplicate} "
                f"+ quarantined {self.quarantined} (reasons sum {sum(self.reasons.values())})"
            )

    def summary(self) -> str:
        return f"read {self.read} = accepted {self.accepted} + duplicate {self.duplicate} + quarantined {self.quarantined}"


class FileResult(BaseModel):
    """What happened to one source file."""

    uri: str = Field(description="Local path (bytes that are not UTF-8 as \\xNN) or s3://bucket/key.")
    uri_b64: str | None = Field(default=None, description="The local path's exact bytes, base64, when uri had to escape some.")
    format: str = Field(description="csv | jsonl | parquet.")
    identity: str = Field(description="ETag or sha256 the ledger knows the file by.")
    size: int = Field(description="Size in bytes.")
    status: Literal["ingested", "skipped"] = Field(description="skipped: already in the ledger with the same identity.")
    counts: FileCounts = Field(default_factory=FileCounts, description="Row counts (all zero when skipped).")


class IngestResult(BaseModel):
    """Outcome of one ingest run."""

    run_id: str = Field(description="Id of this run; names its parts and quarantine file.")
    files_ingested: list[FileResult] = Field(default_factory=list, description="Files read in this run.")
    files_skipped: list[FileResult] = Field(default_factory=list, description="Files already in the ledger.")
    read: int = Field(default=0, description="Rows read over all files.")
    accepted: int = Field(default=0, description="Reports of new messages (= new messages).")
    duplicate: int = Field(default=0, description="Reports of known messages or re-delivered reports.")
    quarantined: int = Field(default=0, description="Rows rejected.")
    reasons: dict[str, int] = Field(default_factory=dict, description="Quarantined rows per reason code.")
    snapshot_id: str | None = Field(default=None, description="Snapshot after this run (the previous one if nothing new).")
    snapshot_path: str | None = Field(default=None, description="Path of the snapshot JSON.")
    quarantine_path: str | None = Field(default=None, description="Quarantine Parquet of this run, if any row was rejected.")
    new_messages: int = Field(default=0, description="Messages added to the corpus.")
    new_campaigns: int = Field(default=0, description="Campaigns created in this run.")
    elapsed_s: float = Field(default=0.0, description="Wall-clock seconds of the run.")


def new_run_id() -> str:
    """Sortable, unique run id: UTC time plus a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@dataclass
class _FileParts:
    reports: Path
    messages: Path
    quarantine: Path
    reports_rows: int = 0
    messages_rows: int = 0
    quarantine_rows: int = 0


@dataclass
class _Writers:
    """Incremental Parquet writers of one file's temporary parts (one row group per batch)."""

    parts: _FileParts
    writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)

    def write(self, kind: str, frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> None:
        if frame.height == 0:
            return
        table = frame.select(list(schema)).to_arrow().cast(arrow_schema(schema))
        writer = self.writers.get(kind)
        if writer is None:
            writer = pq.ParquetWriter(getattr(self.parts, kind), arrow_schema(schema), compression="zstd")
            self.writers[kind] = writer
        writer.write_table(table)
        setattr(self.parts, f"{kind}_rows", getattr(self.parts, f"{kind}_rows") + frame.height)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()


class IngestRun:
    """State of one ingest run between its steps. Plain Python; see ``run_ingest`` for the order."""

    def __init__(self, config: SpamloopConfig, run_id: str | None = None) -> None:
        from models.normalization import NORMALIZATION_VERSION

        self.config = config
        self.run_id = run_id or new_run_id()
        self.normalization_version = NORMALIZATION_VERSION
        self._started = time.monotonic()
        self.now = datetime.now(UTC)
        # Before anything else: a second run would delete this one's temporary files just below.
        self._lock = IngestLock(config.state_dir).acquire()
        try:
            self._open()
        except BaseException:
            self._lock.release()
            raise

    def _open(self) -> None:
        config = self.config
        paths = config.paths
        for folder in (paths.corpus / "messages", paths.corpus / "reports", paths.quarantine, paths.snapshots, paths.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        # First finish a commit a killed run left (its temporary files are the commit's data), then clean up.
        complete_pending_commit(config)
        for folder in (paths.corpus / "messages", paths.corpus / "reports", paths.quarantine, paths.snapshots, paths.tmp):
            remove_stale_temps(folder)
        remove_stale_temps(paths.corpus)
        _remove_orphans(config)
        # Under the lock, every run folder and download left in tmp belongs to a run that died.
        for stale in [*paths.tmp.glob("run-*"), *paths.tmp.glob("download-*")]:
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        self.work_dir = paths.tmp / f"run-{self.run_id}"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.previous: SnapshotManifest | None = latest_manifest(config)
        self.known = self._load_known(self.previous)
        self.campaigns = CampaignIndex.load(paths.corpus / "campaigns.parquet", config.ingest.campaign_threshold, config.ingest.minhash_num_perm)
        self._ledger_keys = ingested_keys(paths.ingest_ledger)
        self.text_cache = TextCache()
        # Per-message report counts of the messages new in this run, updated batch by batch (one row a message).
        self._message_stats = pl.DataFrame(schema=_STATS_SCHEMA)
        self.files: list[FileResult] = []
        self._parts: list[_FileParts] = []
        self.new_campaigns = 0

    def _load_known(self, manifest: SnapshotManifest | None) -> KnownIds:
        """Ids of earlier runs, one part at a time: only id columns are read, and kept as uint64 arrays."""
        if manifest is None:
            return KnownIds()
        root = self.config.state_dir
        message_chunks = [
            message_keys(pl.read_parquet(root / part.path, columns=["message_id"])["message_id"]) for part in manifest.parts
        ]
        report_hash_chunks, report_owner_chunks = [], []
        for part in manifest.report_parts:
            reports = (
                pl.scan_parquet(root / part.path)
                .filter(pl.col("status") != DUPLICATE_REPORT)
                .select("report_id", "message_id")
                .collect()
            )
            report_hash_chunks.append(report_keys(reports["report_id"]))
            report_owner_chunks.append(message_keys(reports["message_id"]))
        return KnownIds.from_arrays(message_chunks, report_hash_chunks, report_owner_chunks)

    # --- step: which files -------------------------------------------------------------------------
    def is_ingested(self, source: SourceFile) -> bool:
        return (source.uri, source.identity, source.size) in self._ledger_keys

    def skip(self, source: SourceFile) -> FileResult:
        result = FileResult(
            uri=source.uri, uri_b64=source.uri_b64, format=source.format or "-", identity=source.identity, size=source.size, status="skipped"
        )
        self.files.append(result)
        return result

    # --- step: one file ----------------------------------------------------------------------------
    def ingest_file(self, source: SourceFile, s3_client: Any | None = None) -> FileResult:
        """Read, validate, normalise and deduplicate one file into temporary parts.

        All or nothing: on any exception the file's temporary parts are deleted and the run's state is
        rolled back, so the step can be retried (S3 errors) or the run aborted cleanly.
        """
        number = len(self._parts)
        parts = _FileParts(
            reports=self.work_dir / f"{number:05d}-reports.parquet",
            messages=self.work_dir / f"{number:05d}-messages.parquet",
            quarantine=self.work_dir / f"{number:05d}-quarantine.parquet",
        )
        writers = _Writers(parts)
        known_before, campaigns_before, new_campaigns_before = self.known, self.campaigns.checkpoint(), self.new_campaigns
        cache_before, stats_before = self.text_cache.checkpoint(), self._message_stats
        counts = FileCounts()
        reasons: Counter[str] = Counter()
        try:
            for raw in self._raw_batches(source, s3_client):
                self._ingest_batch(raw, source.uri, writers, counts, reasons)
            writers.close()
        except BaseException:
            writers.close()
            for leftover in (parts.reports, parts.messages, parts.quarantine):
                leftover.unlink(missing_ok=True)
            self.known = known_before
            self.text_cache.restore(cache_before)
            self._message_stats = stats_before
            self.campaigns.rollback(campaigns_before)
            self.new_campaigns = new_campaigns_before
            raise
        counts.reasons = dict(sorted(reasons.items()))
        counts.check(f"file {source.uri}")
        logger.info("%s: %s", source.uri, counts.summary())
        self._parts.append(parts)
        result = FileResult(
            uri=source.uri, uri_b64=source.uri_b64, format=source.format or "-", identity=source.identity, size=source.size,
            status="ingested", counts=counts,
        )
        self.files.append(result)
        return result

    def _raw_batches(self, source: SourceFile, s3_client: Any | None) -> Iterator[pl.DataFrame]:
        """The file's raw batches; a file that must not be read is one whole-file rejection row."""
        if source.rejection is not None:
            logger.warning("%s: not read (%s: %s)", source.uri, source.rejection, source.rejection_detail)
            yield whole_file_rejection(source.rejection, source.rejection_detail or source.rejection)
            return
        try:
            with open_source(source, self.config, s3_client) as handle:
                ingest = self.config.ingest
                yield from read_batches(handle, source.format or "", ingest.batch_rows, ingest.max_record_bytes, spool_dir=self.work_dir)
        except SourceRejectedError as rejected:  # raised on opening, before any row
            logger.warning("%s: not read (%s: %s)", source.uri, rejected.reason, rejected.detail)
            yield whole_file_rejection(rejected.reason, rejected.detail)

    def _ingest_batch(self, raw: pl.DataFrame, source_uri: str, writers: _Writers, counts: FileCounts, reasons: Counter[str]) -> None:
        from models.normalization import normalize_frame

        ingest = self.config.ingest
        checked = validate_batch(
            raw,
            max_text_chars=ingest.max_text_chars,
            max_future_skew_hours=ingest.max_future_skew_hours,
            now=self.now,
            min_received_at=ingest.min_received_at,
        )
        rejected = [checked.filter(pl.col("reason").is_not_null())]
        valid = checked.filter(pl.col("reason").is_null())

        # Normalise each distinct text once; texts already normalised in this run (duplicate reports, the
        # bulk of real traffic) only need their message id, which the text cache holds.
        text_hashes = valid.get_column("text").hash(seed=0).to_numpy()
        cached, cached_keys = self.text_cache.lookup(text_hashes)
        valid = valid.with_columns(pl.Series("_text_hash", text_hashes), pl.Series("_cached", cached))
        fresh_texts = valid.filter(~pl.col("_cached")).unique(subset="_text_hash", keep="first", maintain_order=True)
        normalised_texts = normalize_frame(fresh_texts.select("_text_hash", "text"), text_col="text").drop("text")
        normalised = valid.join(normalised_texts, on="_text_hash", how="left", maintain_order="left").with_columns(
            pl.when(pl.col("_cached")).then(message_ids_from_keys(cached_keys)).otherwise(pl.col("message_id")).alias("message_id")
        )
        empty = ~normalised.get_column("_cached") & (normalised.get_column("text_norm").str.strip_chars() == "")
        if empty.any():
            rejected.append(
                normalised.filter(empty)
                .with_columns(
                    pl.lit(QuarantineReason.EMPTY_TEXT.value).alias("reason"),
                    pl.lit("text is empty after normalisation").alias("detail"),
                )
                .select(checked.columns)
            )
            normalised = normalised.filter(~empty)

        status, self.known = classify_reports(normalised["message_id"], normalised["report_id"], self.known)
        normalised = normalised.with_columns(status)
        learnt = normalised.filter(~pl.col("_cached") & (pl.col("status") != CONFLICT))
        self.text_cache.add(learnt.get_column("_text_hash").to_numpy(), message_keys(learnt.get_column("message_id")))
        conflicts = normalised.filter(pl.col("status") == CONFLICT)
        if conflicts.height:
            rejected.append(
                conflicts.with_columns(
                    pl.lit(QuarantineReason.REPORT_ID_CONFLICT.value).alias("reason"),
                    pl.lit("report_id seen before with a different text").alias("detail"),
                ).select(checked.columns)
            )
        reports = normalised.filter(pl.col("status") != CONFLICT).with_columns(
            pl.col("received_at_ts").alias("received_at"),
            pl.col("synthetic").fill_null(False).alias("is_synthetic"),
            pl.lit(source_uri).alias("source_uri"),
            pl.lit(self.run_id).alias("ingest_run_id"),
        )
        writers.write("reports", reports, REPORTS_SCHEMA)

        new_messages = reports.filter(pl.col("status") == ACCEPTED)
        if new_messages.height:
            campaign_ids, created = self.campaigns.assign(new_messages["message_id"], new_messages["template_key"], self.run_id)
            self.new_campaigns += created
            new_messages = new_messages.with_columns(campaign_ids).with_columns(
                (pl.col("campaign_id") == pl.col("message_id")).alias("is_campaign_rep")
            )
            writers.write("messages", new_messages, _CANDIDATE_SCHEMA)

        self._update_message_stats(reports)

        quarantined = pl.concat(rejected, how="vertical_relaxed") if len(rejected) > 1 else rejected[0]
        writers.write("quarantine", quarantine_records(quarantined, source_uri), QUARANTINE_SCHEMA)

        accepted = new_messages.height
        counts.read += raw.height
        counts.accepted += accepted
        counts.duplicate += reports.height - accepted
        counts.quarantined += quarantined.height
        reasons.update(dict(quarantined["reason"].value_counts().iter_rows()))

    def _update_message_stats(self, reports: pl.DataFrame) -> None:
        """Fold this batch's reports of run-new messages into the per-message counts."""
        counted = reports.filter(pl.col("status") != DUPLICATE_REPORT).select(
            pl.col("message_id").str.to_integer(base=16, dtype=pl.UInt64).alias("key"),
            "user_verdict",
            "received_at",
            (pl.col("status") == ACCEPTED).alias("is_new"),
        )
        new_keys = pl.concat([self._message_stats["key"], counted.filter(pl.col("is_new"))["key"]])
        batch = (
            counted.filter(pl.col("key").is_in(new_keys.implode()))
            .group_by("key")
            .agg(
                pl.len().cast(pl.Int64).alias("report_count"),
                (pl.col("user_verdict") == "spam").sum().cast(pl.Int64).alias("user_spam_reports"),
                (pl.col("user_verdict") == "ham").sum().cast(pl.Int64).alias("user_ham_reports"),
                pl.col("received_at").min().alias("first_seen_at"),
            )
        )
        self._message_stats = (
            pl.concat([self._message_stats, batch.select(list(_STATS_SCHEMA))])
            .group_by("key")
            .agg(
                pl.col("report_count").sum(),
                pl.col("user_spam_reports").sum(),
                pl.col("user_ham_reports").sum(),
                pl.col("first_seen_at").min(),
            )
        )

    def _message_stats_frame(self) -> pl.DataFrame:
        return self._message_stats.with_columns(message_ids_from_keys(self._message_stats["key"].to_numpy())).drop("key")

    # --- step: commit ------------------------------------------------------------------------------
    def totals(self) -> FileCounts:
        total = FileCounts()
        for result in self.files:
            total.add(result.counts)
        return total

    def finalise(self) -> IngestResult:
        """Commit the run: new parts, quarantine file, campaign index, snapshot and ledger lines, all or none.

        Every file is first written under a temporary name next to its target; then one commit record makes
        them visible together (``tasks.ingest.commit``).
        """
        paths = self.config.paths
        root = self.config.state_dir
        totals = self.totals()
        totals.check(f"run {self.run_id}")
        logger.info("run %s: %s", self.run_id, totals.summary())
        reports_files = [str(p.reports) for p in self._parts if p.reports_rows]
        message_files = [str(p.messages) for p in self._parts if p.messages_rows]
        quarantine_files = [str(p.quarantine) for p in self._parts if p.quarantine_rows]

        staged: list[tuple[str, Path, Path]] = []  # (kind, temporary, final); renamed together by the commit
        new_message_part = new_report_part = None
        quarantine_path = None
        try:
            if message_files:
                target = paths.corpus / "messages" / f"part-{self.run_id}.parquet"
                temp = temp_path_for(target)
                staged.append(("messages", temp, target))
                stats = self._message_stats_frame()
                _copy_row_groups(
                    message_files,
                    temp,
                    MESSAGES_SCHEMA,
                    lambda batch: batch.join(stats, on="message_id", how="left", maintain_order="left"),
                )
                new_message_part = SnapshotPart(path=str(target.relative_to(root)), sha256=sha256_file(temp), rows=_rows(temp))
            if reports_files:
                target = paths.corpus / "reports" / f"part-{self.run_id}.parquet"
                temp = temp_path_for(target)
                staged.append(("reports", temp, target))
                _copy_row_groups(reports_files, temp, REPORTS_SCHEMA)
                new_report_part = SnapshotPart(path=str(target.relative_to(root)), sha256=sha256_file(temp), rows=_rows(temp))
            if quarantine_files:
                quarantine_path = paths.quarantine / f"{self.run_id}.parquet"
                temp = temp_path_for(quarantine_path)
                staged.append(("quarantine", temp, quarantine_path))
                _copy_row_groups(quarantine_files, temp, QUARANTINE_SCHEMA)
            if len(self.campaigns) > self.campaigns.persisted_rows:
                target = paths.corpus / "campaigns.parquet"
                temp = temp_path_for(target)
                staged.append(("campaigns", temp, target))
                self.campaigns.to_frame().write_parquet(temp, compression="zstd")
            for _, temp, _ in staged:
                fsync_file(temp)

            manifest = self._new_manifest(new_message_part, new_report_part, totals)
            committed_at = datetime.now(UTC).isoformat(timespec="seconds")
            record = CommitRecord(
                run_id=self.run_id,
                renames=[
                    PendingRename(kind=kind, temp=str(temp.relative_to(root)), target=str(target.relative_to(root)))
                    for kind, temp, target in staged
                ],
                snapshot=manifest,
                ledger=[
                    LedgerEntry(
                        uri=r.uri, uri_b64=r.uri_b64, identity=r.identity, size=r.size, run_id=self.run_id, ingested_at=committed_at,
                        read=r.counts.read, accepted=r.counts.accepted, duplicate=r.counts.duplicate, quarantined=r.counts.quarantined,
                    )
                    for r in self.files
                    if r.status == "ingested"
                ],
            )
            if record.renames or record.ledger:
                record_commit(self.config, record)  # the commit point: from here the temporary files are the record's
                staged = []
                roll_forward(self.config, record)
            staged = []
        finally:
            for _, temp, _ in staged:
                temp.unlink(missing_ok=True)
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self._lock.release()

        if manifest is None:
            manifest = self.previous
        return IngestResult(
            run_id=self.run_id,
            files_ingested=[r for r in self.files if r.status == "ingested"],
            files_skipped=[r for r in self.files if r.status == "skipped"],
            read=totals.read,
            accepted=totals.accepted,
            duplicate=totals.duplicate,
            quarantined=totals.quarantined,
            reasons=totals.reasons,
            snapshot_id=None if manifest is None else manifest.snapshot_id,
            snapshot_path=None if manifest is None else str(snapshot_path(self.config, manifest.snapshot_id)),
            quarantine_path=None if quarantine_path is None else str(quarantine_path),
            new_messages=0 if new_message_part is None else new_message_part.rows,
            new_campaigns=self.new_campaigns,
            elapsed_s=round(time.monotonic() - self._started, 3),
        )

    def _new_manifest(
        self, message_part: SnapshotPart | None, report_part: SnapshotPart | None, totals: FileCounts
    ) -> SnapshotManifest | None:
        """The snapshot this run commits, or None when it adds no part (the previous one stays the latest)."""
        previous = self.previous
        if message_part is None and report_part is None:
            return None
        parts = (list(previous.parts) if previous else []) + ([message_part] if message_part else [])
        report_parts = (list(previous.report_parts) if previous else []) + ([report_part] if report_part else [])
        counts = {
            "messages": sum(p.rows for p in parts),
            "reports": sum(p.rows for p in report_parts),
            "run_read": totals.read,
            "run_accepted": totals.accepted,
            "run_duplicate": totals.duplicate,
            "run_quarantined": totals.quarantined,
        }
        return new_manifest(parts, report_parts, self.normalization_version, counts)

    def abort(self) -> None:
        """Drop everything this run wrote: nothing of it was published."""
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self._lock.release()


def _remove_orphans(config: SpamloopConfig) -> None:
    """Delete corpus parts no snapshot lists and quarantine files of runs the ledger does not know.

    Only a run that died after renaming but before committing could leave them (versions before the commit
    record did); nothing reads them, and they must never be counted.
    """
    root = config.state_dir
    listed = {part.path for manifest in all_manifests(config) for part in (*manifest.parts, *manifest.report_parts)}
    orphans = [
        path
        for folder in (config.paths.corpus / "messages", config.paths.corpus / "reports")
        for path in folder.glob("part-*.parquet")
        if str(path.relative_to(root)) not in listed
    ]
    committed_runs = {entry.run_id for entry in read_ledger(config.paths.ingest_ledger)}
    orphans += [path for path in config.paths.quarantine.glob("*.parquet") if path.stem not in committed_runs]
    for path in orphans:
        logger.warning("removing %s: left by an ingest run that never committed", path.relative_to(root))
        path.unlink(missing_ok=True)


def _rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def _copy_row_groups(
    sources: list[str],
    target: Path,
    schema: dict[str, pl.DataType],
    transform: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> None:
    """Concatenate Parquet files one row group at a time (memory: one row group, whatever the total)."""
    arrow = arrow_schema(schema)
    with pq.ParquetWriter(target, arrow, compression="zstd") as writer:
        for source in sources:
            parquet = pq.ParquetFile(source)
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group)
                if transform is not None:
                    frame = transform(pl.DataFrame(pl.from_arrow(table)))
                    table = frame.select([pl.col(n).cast(t) for n, t in schema.items()]).to_arrow()
                writer.write_table(table.select(arrow.names).cast(arrow))


def run_ingest(config: SpamloopConfig, run_id: str | None = None) -> IngestResult:
    """Ingest every new file under ``config.ingest.source`` and publish a snapshot. Pure Python."""
    run = IngestRun(config, run_id)
    try:
        for source in discover_sources(config):
            if run.is_ingested(source):
                run.skip(source)
            else:
                run.ingest_file(source)
        return run.finalise()
    except BaseException:
        run.abort()
        raise


def render_ingest_markdown(result: IngestResult) -> str:
    """Markdown summary for the Prefect artifact: counts, quarantine reasons, files. Never any message text."""
    lines = [
        f"# Ingest run `{result.run_id}`",
        "",
        f"Snapshot: `{result.snapshot_id or 'none'}` · new messages {result.new_messages} · new campaigns "
        f"{result.new_campaigns} · {result.elapsed_s:.1f} s",
        "",
        "| read | accepted | duplicate | quarantined |",
        "|---:|---:|---:|---:|",
        f"| {result.read} | {result.accepted} | {result.duplicate} | {result.quarantined} |",
        "",
    ]
    if result.reasons:
        lines += ["| quarantine reason | rows |", "|---|---:|"]
        lines += [f"| `{reason}` | {count} |" for reason, count in sorted(result.reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append("")
    lines += ["| file | status | read | accepted | duplicate | quarantined |", "|---|---|---:|---:|---:|---:|"]
    for item in result.files_ingested + result.files_skipped:
        c = item.counts
        name = item.uri.replace("|", "\\|")
        lines.append(f"| `{name}` | {item.status} | {c.read} | {c.accepted} | {c.duplicate} | {c.quarantined} |")
    return "\n".join(lines) + "\n"

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, Field

from spamloop.settings import SettingsSection


class IngestConfig(SettingsSection):
    """Where SMS report logs come from and how they are validated."""

    source: str = Field(
        default="data/sample/raw_logs",
        description="Folder of CSV/JSONL/Parquet report logs, or an S3 prefix like s3://bucket/prefix.",
    )
    batch_rows: int = Field(
        default=50_000, ge=100, description="Rows processed per batch; bounds memory regardless of file size."
    )
    max_text_chars: int = Field(
        default=2_000, ge=10, description="Longer texts are quarantined as text_too_long (SMS/MMS never get near this)."
    )
    max_record_bytes: int = Field(
        default=1 << 20,
        ge=4_096,
        le=1 << 30,
        description=(
            "Largest record (JSONL/CSV line, or a Parquet row's string fields) in bytes. Longer ones are quarantined as "
            "record_too_large while streaming, without ever being held whole, so one huge line cannot exhaust memory. "
            "Also the largest CSV field (the csv module's 128 KiB default is raised to it)."
        ),
    )
    max_future_skew_hours: float = Field(
        default=24.0, ge=0, description="received_at further than this in the future is quarantined as future_timestamp."
    )
    min_received_at: AwareDatetime = Field(
        default=datetime(2000, 1, 1, tzinfo=UTC),
        description=(
            "received_at earlier than this (with a UTC offset) is quarantined as timestamp_too_old: no SMS report app "
            "predates it, and year-1 dates break date arithmetic downstream."
        ),
    )
    campaign_threshold: float = Field(
        default=0.7, gt=0, lt=1, description="MinHash Jaccard threshold above which two templates share a campaign."
    )
    minhash_num_perm: int = Field(default=64, ge=16, le=256, description="MinHash permutations for campaign grouping.")
    file_patterns: list[str] = Field(
        default_factory=lambda: ["*.jsonl", "*.csv", "*.parquet", "*.jsonl.gz", "*.csv.gz", "*.jsonl.zst", "*.csv.zst"],
        description=(
            "Glob patterns of log files picked up under the source. Compression is recognised by content (gzip, zstd), "
            "so a compressed file may also carry a plain name."
        ),
    )

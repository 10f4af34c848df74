"""Column schemas of the files spamloop writes and reads, shared by every stage.

Each schema is a polars schema (column name -> dtype). ``arrow_schema`` turns one into the pyarrow schema
used by the incremental Parquet writers, so both libraries agree on the on-disk types.
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl
import pyarrow as pa

# --- raw report logs (input) -------------------------------------------------------------------------
RAW_REQUIRED_FIELDS: tuple[str, ...] = ("report_id", "received_at", "text")
RAW_OPTIONAL_STRING_FIELDS: tuple[str, ...] = ("user_verdict", "app_version", "locale")
RAW_FIELDS: tuple[str, ...] = RAW_REQUIRED_FIELDS + RAW_OPTIONAL_STRING_FIELDS + ("synthetic",)
USER_VERDICTS: tuple[str, ...] = ("spam", "ham")

# The parsed, not yet validated form of one batch of raw rows, whatever the file format.
# parse_reason/parse_detail are set when the physical row could not even be parsed (bad bytes, bad JSON...).
RAW_BATCH_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "report_id": pl.String(),
    "received_at": pl.String(),
    "text": pl.String(),
    "user_verdict": pl.String(),
    "app_version": pl.String(),
    "locale": pl.String(),
    "synthetic": pl.Boolean(),
    "parse_reason": pl.String(),
    "parse_detail": pl.String(),
    "raw_excerpt": pl.String(),
}


class QuarantineReason(StrEnum):
    """Stable codes for why a row was rejected. Tests, dashboards and EXPECTED.json files rely on them."""

    INVALID_UTF8 = "invalid_utf8"
    MALFORMED_JSON = "malformed_json"
    CSV_FIELD_COUNT = "csv_field_count"
    CSV_BROKEN_QUOTE = "csv_broken_quote"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"
    BAD_TIMESTAMP = "bad_timestamp"
    TIMESTAMP_WITHOUT_TIMEZONE = "timestamp_without_timezone"
    FUTURE_TIMESTAMP = "future_timestamp"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    UNKNOWN_VERDICT = "unknown_verdict"
    REPORT_ID_CONFLICT = "report_id_conflict"
    PARQUET_SCHEMA_MISMATCH = "parquet_schema_mismatch"
    UNREADABLE_FILE = "unreadable_file"
    RECORD_TOO_LARGE = "record_too_large"
    OUTSIDE_SOURCE_ROOT = "outside_source_root"
    COMPRESSED = "compressed"


# --- quarantine/<run>.parquet ------------------------------------------------------------------------
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source_uri": pl.String(),
    "source_row": pl.Int64(),  # 1-based physical line (CSV/JSONL) or row index (Parquet); 0 = whole file
    "report_id": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
    "excerpt": pl.String(),  # PII-scrubbed with the normaliser, at most 200 chars, invalid bytes escaped
}

# --- corpus/reports/part-<run>.parquet --------------------------------------------------------------
REPORT_STATUSES: tuple[str, ...] = ("accepted", "duplicate", "duplicate_report")
REPORTS_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "message_id": pl.String(),
    "received_at": pl.Datetime("us", "UTC"),
    "user_verdict": pl.String(),
    "app_version": pl.String(),
    "locale": pl.String(),
    "is_synthetic": pl.Boolean(),
    "source_uri": pl.String(),
    "source_row": pl.Int64(),
    # accepted: first report of a new message; duplicate: a new report of a known message;
    # duplicate_report: the same report (same report_id, same text) delivered again.
    "status": pl.String(),
    "ingest_run_id": pl.String(),
}

# --- corpus/messages/part-<run>.parquet (see docs/architecture.md) ----------------------------------
MESSAGES_SCHEMA: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "text": pl.String(),
    "text_norm": pl.String(),
    "text_model": pl.String(),
    "text_for_llm": pl.String(),
    "url_domains": pl.List(pl.String()),
    "lang": pl.String(),
    "campaign_id": pl.String(),
    "is_campaign_rep": pl.Boolean(),
    "first_seen_at": pl.Datetime("us", "UTC"),
    "report_count": pl.Int64(),
    "user_spam_reports": pl.Int64(),
    "user_ham_reports": pl.Int64(),
    "is_synthetic": pl.Boolean(),
    "ingest_run_id": pl.String(),
}

# --- corpus/campaigns.parquet ------------------------------------------------------------------------
CAMPAIGNS_SCHEMA: dict[str, pl.DataType] = {
    "template_hash": pl.String(),  # sha256(template_key) hex, first 16 chars
    "signature": pl.List(pl.UInt64()),  # datasketch MinHash hash values (seed 1) of char 3-gram shingles
    "campaign_id": pl.String(),
    "ingest_run_id": pl.String(),
}


def arrow_schema(schema: dict[str, pl.DataType]) -> pa.Schema:
    """The pyarrow schema with the same columns and types as a polars schema."""
    return pl.DataFrame(schema=schema).to_arrow().schema


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A zero-row frame with exactly these columns."""
    return pl.DataFrame(schema=schema)

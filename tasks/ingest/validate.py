"""Row validation of raw batches (vectorised) and building quarantine records.

``validate_batch`` gives every row either ``reason = null`` (valid) or the first rule it broke, as a
stable ``QuarantineReason`` code. Excerpts for the quarantine file are scrubbed with the shared
normaliser, so no raw phone number, card or account number ever lands in a quarantine artifact.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import polars as pl

from models.schemas import QUARANTINE_SCHEMA, USER_VERDICTS, QuarantineReason

EXCERPT_CHARS = 200
_TS_FORMAT_TZ = "%Y-%m-%dT%H:%M:%S%.f%z"
_TS_FORMAT_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"
_HAS_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"


def _parse_received_at(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(parsed UTC timestamp or null, has an explicit offset, parses as a naive timestamp)."""
    text = col.str.strip_chars()
    # ISO-8601 allows "Z" and a space instead of "T"; chrono's %z wants "+00:00".
    canonical = text.str.replace(r"[zZ]$", "+00:00").str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
    has_offset = text.str.contains(_HAS_OFFSET)
    parsed = (
        pl.when(has_offset)
        .then(canonical.str.to_datetime(_TS_FORMAT_TZ, strict=False, time_zone="UTC", time_unit="us"))
        .otherwise(None)
    )
    parses_naive = canonical.str.to_datetime(_TS_FORMAT_NAIVE, strict=False, time_unit="us").is_not_null()
    return parsed, has_offset, parses_naive


def validate_batch(
    raw: pl.DataFrame,
    *,
    max_text_chars: int,
    max_future_skew_hours: float,
    now: datetime,
    min_received_at: datetime | None = None,
) -> pl.DataFrame:
    """The raw batch plus ``reason``/``detail`` (null when valid), ``received_at_ts`` and a clean ``user_verdict``.

    Rules, first failing one wins: parse errors from the reader, missing required field, empty text,
    text too long, unparseable / timezone-less / future / too old timestamp, unknown verdict.
    """
    parsed, has_offset, parses_naive = _parse_received_at(pl.col("received_at"))
    if min_received_at is None:
        too_old = pl.lit(False)
    else:
        earliest = pl.lit(min_received_at).dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        too_old = pl.col("received_at_ts") < earliest
    # Trimmed and case-insensitive (" Spam " is spam); "" means no verdict.
    verdict = pl.col("user_verdict").str.strip_chars().str.to_lowercase()
    verdict = pl.when(verdict == "").then(None).otherwise(verdict)
    latest_allowed = now + timedelta(hours=max_future_skew_hours)
    text_chars = pl.col("text").str.len_chars()
    missing = (
        pl.when(pl.col("report_id").is_null() | (pl.col("report_id").str.strip_chars() == ""))
        .then(pl.lit("report_id"))
        .when(pl.col("received_at").is_null())
        .then(pl.lit("received_at"))
        .when(pl.col("text").is_null())
        .then(pl.lit("text"))
    )
    frame = raw.with_columns(
        parsed.alias("received_at_ts"),
        has_offset.alias("_has_offset"),
        parses_naive.alias("_parses_naive"),
        verdict.alias("user_verdict"),
        missing.alias("_missing"),
        text_chars.alias("_text_chars"),
    )
    reason = (
        pl.when(pl.col("parse_reason").is_not_null())
        .then(pl.col("parse_reason"))
        .when(pl.col("_missing").is_not_null())
        .then(pl.lit(QuarantineReason.MISSING_FIELD.value))
        .when(pl.col("text").str.strip_chars() == "")
        .then(pl.lit(QuarantineReason.EMPTY_TEXT.value))
        .when(pl.col("_text_chars") > max_text_chars)
        .then(pl.lit(QuarantineReason.TEXT_TOO_LONG.value))
        .when(pl.col("received_at_ts").is_null() & ~pl.col("_has_offset") & pl.col("_parses_naive"))
        .then(pl.lit(QuarantineReason.TIMESTAMP_WITHOUT_TIMEZONE.value))
        .when(pl.col("received_at_ts").is_null())
        .then(pl.lit(QuarantineReason.BAD_TIMESTAMP.value))
        .when(pl.col("received_at_ts") > pl.lit(latest_allowed).dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
        .then(pl.lit(QuarantineReason.FUTURE_TIMESTAMP.value))
        .when(too_old)
        .then(pl.lit(QuarantineReason.TIMESTAMP_TOO_OLD.value))
        .when(pl.col("user_verdict").is_not_null() & ~pl.col("user_verdict").is_in(list(USER_VERDICTS)))
        .then(pl.lit(QuarantineReason.UNKNOWN_VERDICT.value))
    )
    detail = (
        pl.when(pl.col("parse_reason").is_not_null())
        .then(pl.col("parse_detail"))
        .when(pl.col("_missing").is_not_null())
        .then(pl.format("{} is missing", pl.col("_missing")))
        .when(pl.col("text").str.strip_chars() == "")
        .then(pl.lit("text is empty"))
        .when(pl.col("_text_chars") > max_text_chars)
        .then(pl.format("text has {} chars, limit {}", pl.col("_text_chars"), pl.lit(max_text_chars)))
        .when(pl.col("received_at_ts").is_null() & ~pl.col("_has_offset") & pl.col("_parses_naive"))
        .then(pl.lit("received_at has no UTC offset"))
        .when(pl.col("received_at_ts").is_null())
        .then(pl.lit("received_at is not an ISO-8601 timestamp with offset"))
        .when(pl.col("received_at_ts") > pl.lit(latest_allowed).dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
        .then(pl.lit(f"received_at more than {max_future_skew_hours:g} h in the future"))
        .when(too_old)
        .then(pl.lit(f"received_at before {min_received_at:%Y-%m-%d %H:%M %Z} (ingest.min_received_at)" if min_received_at else ""))
        .when(pl.col("user_verdict").is_not_null() & ~pl.col("user_verdict").is_in(list(USER_VERDICTS)))
        .then(pl.lit("user_verdict is not spam, ham or empty"))
    )
    return frame.with_columns(reason.alias("reason"), detail.alias("detail")).drop(
        "_has_offset", "_parses_naive", "_missing", "_text_chars"
    )


_JSON_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}")


def _unescape_json(text: str) -> str:
    """``\\uXXXX`` escapes (surrogate pairs joined) as the characters they stand for: a raw JSON line may write
    a phone number as ``\\uff10\\uff11\\uff10...``, which the patterns only see once decoded."""

    def decode(match: re.Match[str]) -> str:
        units = bytes.fromhex(match.group(0).replace("\\u", "").replace("\\U", ""))
        return units.decode("utf-16-be", errors="replace")

    return _JSON_ESCAPE.sub(decode, text)


def scrub_excerpt(text: str | None) -> str | None:
    """A quarantine excerpt: JSON escapes decoded, then scrubbed as ``text_for_llm`` is (the spec's placeholders and
    the server-side privacy pass), then cut to 200 chars.

    Scrub before cutting, so a phone number is never cut into a fragment the patterns miss.
    """
    from models.normalization import text_for_llm

    if text is None:
        return None
    try:
        scrubbed = text_for_llm(_unescape_json(text))
    except Exception:  # the normaliser must never turn a quarantine entry into a crash
        scrubbed = "[excerpt withheld: normaliser failed]"
    return scrubbed[:EXCERPT_CHARS]


def quarantine_records(rejected: pl.DataFrame, source_uri: str) -> pl.DataFrame:
    """QUARANTINE_SCHEMA rows for rejected rows (which carry reason, detail, and raw_excerpt or fields)."""
    if rejected.height == 0:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    # Without a raw line (rows that parsed), the excerpt is built from the fields.
    fields_excerpt = pl.concat_str(
        [
            pl.lit("received_at="),
            pl.col("received_at").fill_null(""),
            pl.lit(" user_verdict="),
            pl.col("user_verdict").fill_null(""),
            pl.lit(" text="),
            pl.col("text").fill_null("").str.slice(0, 2_000),
        ]
    )
    # Whole-file entries (schema mismatch, unreadable) have neither: their excerpt stays empty.
    fields_excerpt = pl.when(pl.col("parse_reason").is_null()).then(fields_excerpt)
    source = rejected.with_columns(pl.coalesce(pl.col("raw_excerpt"), fields_excerpt).alias("_excerpt_source"))
    excerpts = [scrub_excerpt(value) for value in source["_excerpt_source"].to_list()]
    return pl.DataFrame(
        {
            "source_uri": [source_uri] * rejected.height,
            "source_row": rejected["source_row"],
            "report_id": rejected["report_id"],
            "reason": rejected["reason"],
            "detail": rejected["detail"],
            "excerpt": excerpts,
        },
        schema=QUARANTINE_SCHEMA,
    )

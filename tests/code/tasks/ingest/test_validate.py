"""Row validation rules and PII-free quarantine excerpts."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from models.schemas import RAW_BATCH_SCHEMA, QuarantineReason
from tasks.ingest.validate import EXCERPT_CHARS, quarantine_records, scrub_excerpt, validate_batch

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _raw(rows: list[dict]) -> pl.DataFrame:
    base = {name: None for name in RAW_BATCH_SCHEMA}
    filled = [{**base, "source_row": i + 1, "report_id": f"r{i}", "text": "hello there", **row} for i, row in enumerate(rows)]
    return pl.DataFrame(filled, schema=RAW_BATCH_SCHEMA)


def _reasons(rows: list[dict], **limits) -> list[str | None]:
    checked = validate_batch(
        _raw(rows), max_text_chars=limits.get("max_text_chars", 50), max_future_skew_hours=limits.get("skew", 24.0), now=NOW
    )
    return checked["reason"].to_list()


def test_timestamps_accept_iso8601_with_offset_only():
    reasons = _reasons(
        [
            {"received_at": "2026-11-20T09:15:00+09:00"},
            {"received_at": "2026-11-20T09:15:00Z"},
            {"received_at": "2026-11-20 09:15:00.123+0900"},
            {"received_at": "2026-11-20T09:15:00"},
            {"received_at": "20/11/2026 09:15"},
            {"received_at": "2026-11-26T00:00:00+00:00"},  # 36 h ahead of NOW
            {"received_at": "2026-11-25T06:00:00+00:00"},  # 18 h ahead: within the skew
        ]
    )
    assert reasons == [
        None,
        None,
        None,
        QuarantineReason.TIMESTAMP_WITHOUT_TIMEZONE,
        QuarantineReason.BAD_TIMESTAMP,
        QuarantineReason.FUTURE_TIMESTAMP,
        None,
    ]


def test_parsed_timestamp_is_utc():
    checked = validate_batch(_raw([{"received_at": "2026-11-20T09:15:00+09:00"}]), max_text_chars=50, max_future_skew_hours=24, now=NOW)
    assert checked["received_at_ts"][0] == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)


def test_fields_text_and_verdict_rules():
    ts = "2026-11-20T09:15:00+09:00"
    reasons = _reasons(
        [
            {"received_at": ts, "report_id": None},
            {"received_at": ts, "report_id": "  "},
            {"received_at": None},
            {"received_at": ts, "text": None},
            {"received_at": ts, "text": " \t "},
            {"received_at": ts, "text": "x" * 51},
            {"received_at": ts, "text": "x" * 50},
            {"received_at": ts, "user_verdict": " Spam "},
            {"received_at": ts, "user_verdict": ""},
            {"received_at": ts, "text": "binary\x00payload"},  # NUL: left to normalisation
            {"received_at": ts, "user_verdict": "phishing"},
            {"received_at": ts, "parse_reason": "malformed_json", "parse_detail": "x"},
        ]
    )
    assert reasons == [
        QuarantineReason.MISSING_FIELD,
        QuarantineReason.MISSING_FIELD,
        QuarantineReason.MISSING_FIELD,
        QuarantineReason.MISSING_FIELD,
        QuarantineReason.EMPTY_TEXT,
        QuarantineReason.TEXT_TOO_LONG,
        None,
        None,
        None,
        None,
        QuarantineReason.UNKNOWN_VERDICT,
        QuarantineReason.MALFORMED_JSON,
    ]


def test_verdict_is_trimmed_lower_cased_and_empty_means_none():
    checked = validate_batch(
        _raw([{"received_at": "2026-11-20T09:15:00Z", "user_verdict": " Spam "}, {"received_at": "2026-11-20T09:15:00Z", "user_verdict": ""}]),
        max_text_chars=50,
        max_future_skew_hours=24,
        now=NOW,
    )
    assert checked["user_verdict"].to_list() == ["spam", None]


def test_excerpt_is_scrubbed_then_truncated():
    text = "대출 문의 010-1234-5678 로 연락 주세요 " + "가" * 400
    excerpt = scrub_excerpt(text)
    assert excerpt is not None
    assert "010-1234-5678" not in excerpt and "5678" not in excerpt
    assert "[PHONE]" in excerpt
    assert len(excerpt) == EXCERPT_CHARS


def test_quarantine_records_never_hold_a_raw_phone_number():
    raw = _raw(
        [
            {"received_at": "not a time", "text": "call me 010-9876-5432 now"},
            {"received_at": None, "raw_excerpt": '{"text": "call 010-1111-2222"', "parse_reason": "malformed_json", "parse_detail": "d"},
        ]
    )
    checked = validate_batch(raw, max_text_chars=50, max_future_skew_hours=24, now=NOW)
    records = quarantine_records(checked.filter(pl.col("reason").is_not_null()), "file:///x.jsonl")
    assert records.height == 2
    joined = " ".join(records["excerpt"].to_list() + records["detail"].to_list())
    assert "9876" not in joined and "1111-2222" not in joined
    assert joined.count("[PHONE]") == 2
    assert records["source_uri"].to_list() == ["file:///x.jsonl"] * 2


def test_timestamps_before_the_lower_bound_are_too_old():
    checked = validate_batch(
        _raw(
            [
                {"received_at": "0001-01-01T00:00:00+00:00"},
                {"received_at": "1999-12-31T23:59:59+00:00"},
                {"received_at": "2000-01-01T08:59:59+09:00"},  # 1999-12-31 23:59:59 UTC
                {"received_at": "2000-01-01T00:00:00Z"},
                {"received_at": "9999-12-31T00:00:00+00:00"},
            ]
        ),
        max_text_chars=50,
        max_future_skew_hours=24,
        now=NOW,
        min_received_at=datetime(2000, 1, 1, tzinfo=UTC),
    )
    old, future = QuarantineReason.TIMESTAMP_TOO_OLD, QuarantineReason.FUTURE_TIMESTAMP
    assert checked["reason"].to_list() == [old, old, old, None, future]
    assert "before 2000-01-01" in checked["detail"][0]
    accepted = checked.filter(pl.col("reason").is_null())["received_at_ts"].to_list()  # the values downstream code uses
    assert [ts.year for ts in accepted] == [2000]

"""Deliberately damaged report logs, one file per kind of damage, with the outcome ingest must produce.

Each physical line is declared together with its expected outcome (``accepted``, ``duplicate_report`` or
a quarantine reason code of ``models.schemas.QuarantineReason``, see ``docs/raw_log_schema.md``), and
``EXPECTED.json`` is computed from those declarations, so the spec and the bytes cannot drift apart.
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from models.schemas import QuarantineReason as Q

# Outcomes of a row besides a quarantine reason; the names follow tasks/ingest's report statuses.
ACCEPTED = "accepted"  # a new report of a new message
DUPLICATE_REPORT = "duplicate_report"  # the same report delivered again: counted as a duplicate
QUARANTINE_REASONS: tuple[str, ...] = tuple(reason.value for reason in Q)
# Settings EXPECTED.json assumes (the IngestConfig defaults).
ASSUMED_MAX_TEXT_CHARS = 2_000
ASSUMED_MAX_FUTURE_SKEW_HOURS = 24.0
CSV_HEADER = "report_id,received_at,text,user_verdict,app_version,locale,synthetic"

Line = tuple[bytes, str]  # (physical line without its line end, expected outcome); outcome "" = blank line


def _json(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def _encoding_jsonl() -> list[Line]:
    good = _json(report_id="rb-enc-01", received_at="2026-11-17T09:00:00+09:00", text="[Web발신] [네이버] 인증번호 [482913]를 입력해주세요.", user_verdict="ham", app_version="4.12.0", locale="ko-KR")
    # A backend that wrote CP949 (EUC-KR) instead of UTF-8 for one line.
    cp949 = b'{"report_id": "rb-enc-02", "received_at": "2026-11-17T09:01:00+09:00", "text": "' + "택배 주소 불일치 확인".encode("cp949") + b' http://cj-korex.top"}'
    # A multi-byte character cut in half.
    truncated = b'{"report_id": "rb-enc-05", "received_at": "2026-11-17T09:04:00+09:00", "text": "\xea\xb0 cut"}'
    return [
        (b"\xef\xbb\xbf" + good, ACCEPTED),  # leading BOM is tolerated
        (cp949, Q.INVALID_UTF8),
        (_json(report_id="rb-enc-03", received_at="2026-11-17T09:02:00+09:00", text="Are we still on for lunch tomorrow?", locale="en-US"), ACCEPTED),
        (_json(report_id="rb-enc-04", received_at="2026-11-17T09:03:00+09:00", text="무료 쿠폰\u0000 지급 bit.ly/3xYz", user_verdict="spam"), ACCEPTED),  # NUL: normalisation drops it
        (truncated, Q.INVALID_UTF8),
        (_json(report_id="rb-enc-06", received_at="2026-11-17T09:05:00+09:00", text="엄마 오늘 늦어", synthetic=False), ACCEPTED),
    ]


def _fields_jsonl() -> list[Line]:
    ts = "2026-11-17T10:00:00+09:00"
    return [
        (_json(report_id="rb-fld-01", received_at=ts, text="회의 3시로 변경됐어요", user_verdict=None, app_version="4.11.0", locale="ko-KR"), ACCEPTED),
        (b'{"report_id": "rb-fld-02", "received_at": "2026-11-17T10:00:00+09:00", "text": "truncated', Q.MALFORMED_JSON),
        (b'["rb-fld-03", "2026-11-17T10:00:00+09:00", "an array, not an object"]', Q.MALFORMED_JSON),
        (_json(report_id="rb-fld-04", received_at=ts, user_verdict="spam"), Q.MISSING_FIELD),
        (_json(report_id="rb-fld-05", text="no timestamp here"), Q.MISSING_FIELD),
        (_json(report_id=None, received_at=ts, text="report id is null"), Q.MISSING_FIELD),
        (_json(report_id="rb-fld-07", received_at=ts, text=12345), Q.WRONG_TYPE),
        (_json(report_id="rb-fld-08", received_at=[ts], text="received_at is a list"), Q.WRONG_TYPE),
        (_json(report_id="rb-fld-09", received_at=ts, text="synthetic is a string", synthetic="yes"), Q.WRONG_TYPE),
        (_json(report_id="rb-fld-10", received_at=ts, text=""), Q.EMPTY_TEXT),
        (_json(report_id="rb-fld-11", received_at=ts, text="   \t \u3000 "), Q.EMPTY_TEXT),
        (_json(report_id="rb-fld-12", received_at=ts, text="(광고) 최대 70% 할인 무료거부 080-123-4567", user_verdict=" Spam "), ACCEPTED),  # trimmed, case-insensitive
        (_json(report_id="rb-fld-13", received_at=ts, text="토토 첫충 30% vip777", user_verdict="not_spam"), Q.UNKNOWN_VERDICT),
        (_json(report_id="rb-fld-13b", received_at=ts, text="what is this", user_verdict="junk"), Q.UNKNOWN_VERDICT),
        # Only invisible characters: empty once normalised.
        (_json(report_id="rb-fld-13c", received_at=ts, text="\u200b\u200b\ufeff"), Q.EMPTY_TEXT),
        # Unknown extra fields are ignored.
        (_json(report_id="rb-fld-14", received_at=ts, text="내일 10시에 강남역에서 봐", user_verdict=None, device="SM-S918N", os="android 15"), ACCEPTED),
        (b"   ", ""),  # blank line: skipped, not a row
        (_json(report_id="rb-fld-16", received_at=ts, text="Your parcel is waiting, pay the fee at http://dhl-fee.top/p", user_verdict="", locale="en-GB"), ACCEPTED),
    ]


def _values_jsonl() -> list[Line]:
    long_text = ("대출 승인 안내 연 3.9% 한도 5,000만원 상담 " * 3_000)[:55_000]  # about 100 KB of UTF-8
    return [
        (_json(report_id="rb-val-01", received_at="2026-11-18T08:00:00+09:00", text="[쿠팡] 로켓배송 내일 도착 예정입니다.", user_verdict="ham"), ACCEPTED),
        (_json(report_id="rb-val-02", received_at="2026-11-18T08:01:00+09:00", text=long_text), Q.TEXT_TOO_LONG),
        (_json(report_id="rb-val-03", received_at="2026-13-45T25:61:00+09:00", text="month 13, hour 25"), Q.BAD_TIMESTAMP),
        (_json(report_id="rb-val-04", received_at="yesterday", text="not a timestamp at all"), Q.BAD_TIMESTAMP),
        (_json(report_id="rb-val-05", received_at="2026-11-18T08:05:00", text="no UTC offset, so ambiguous"), Q.TIMESTAMP_WITHOUT_TIMEZONE),
        (_json(report_id="rb-val-06", received_at="2099-01-01T00:00:00+09:00", text="from the far future"), Q.FUTURE_TIMESTAMP),
        (_json(report_id="rb-val-07", received_at="2026-11-17T23:02:03.250Z", text="[Web발신] 신한카드(1234)승인 홍*동 12,000원 일시불 11/18 08:02 스타벅스"), ACCEPTED),
        # Same id as line 1, different text: a backend bug; the later row is quarantined.
        (_json(report_id="rb-val-01", received_at="2026-11-18T08:08:00+09:00", text="전혀 다른 문장이 같은 id로 들어옴"), Q.REPORT_ID_CONFLICT),
        # Exact re-delivery of line 7: neither accepted again nor quarantined.
        (_json(report_id="rb-val-07", received_at="2026-11-17T23:02:03.250Z", text="[Web발신] 신한카드(1234)승인 홍*동 12,000원 일시불 11/18 08:02 스타벅스"), DUPLICATE_REPORT),
        (_json(report_id="rb-val-10", received_at="2026-11-18T08:10:00+09:00", text="가" * ASSUMED_MAX_TEXT_CHARS), ACCEPTED),  # boundary: exactly the limit
        (_json(report_id="rb-val-11", received_at="2026-11-18 08:30:00+09:00", text="space instead of T is fine"), ACCEPTED),
        (_json(report_id="rb-val-12", received_at="1999-12-31T23:59:59+09:00", text="a clock reset to the last century"), Q.TIMESTAMP_TOO_OLD),
    ]


def _gzipped_jsonl() -> list[Line]:
    """A gzip file with a plain .jsonl name (read by its magic bytes), holding one record over the byte cap."""
    ts = "2026-11-18T09:00:00+09:00"
    oversized = "무료 충전 이벤트 " * 80_000  # about 1.6 MB of UTF-8: over ingest.max_record_bytes (1 MiB)
    return [
        (_json(report_id="rb-gz-01", received_at=ts, text="[Web발신] [CJ대한통운] 고객님의 상품이 배송 완료되었습니다."), ACCEPTED),
        (_json(report_id="rb-gz-02", received_at=ts, text=oversized, user_verdict="spam"), Q.RECORD_TOO_LARGE),
        (_json(report_id="rb-gz-03", received_at=ts, text="오늘 저녁 같이 먹을래?"), ACCEPTED),
    ]


def _csv_row(*cells: str) -> bytes:
    return ",".join(cells).encode("utf-8")


def _broken_quoting_csv() -> list[Line]:
    ts = "2026-11-19T11:00:00+09:00"
    return [
        (CSV_HEADER.encode(), "header"),
        (_csv_row("rb-csv-02", ts, "엄마 나 지금 집 가는 중", "", "4.12.1", "ko-KR", "false"), ACCEPTED),
        (_csv_row("rb-csv-03", ts, '"He said ""call me"", then hung up, twice"', "ham", "4.12.1", "en-US", "false"), ACCEPTED),
        # The quote opened here is never closed: only this line is lost.
        (_csv_row("rb-csv-04", ts, '"[Web발신] 택배 주소 불일치 확인 http://cj-korex.top', "spam", "4.12.0", "ko-KR", "false"), Q.CSV_BROKEN_QUOTE),
        (_csv_row("rb-csv-05", ts, "[Web발신] [카카오] 인증번호 551203 타인 노출 금지", "", "4.12.0", "ko-KR", "true"), ACCEPTED),
        (_csv_row("rb-csv-06", ts, "Sorry I'll call later", "", "4.10.2", "en-GB", "false"), ACCEPTED),
        (_csv_row("rb-csv-07", ts, "too few fields"), Q.CSV_FIELD_COUNT),
        (_csv_row("rb-csv-08", ts, "binary\x00payload", "", "4.12.0", "ko-KR", "false"), ACCEPTED),  # literal NUL: dropped by normalisation
        (_csv_row("rb-csv-09", ts, "synthetic flag is not a boolean", "", "4.12.0", "ko-KR", "maybe"), Q.WRONG_TYPE),
        (_csv_row("rb-csv-10", ts, "비 온대 우산 챙겨", "", "", "", ""), ACCEPTED),
        (_csv_row("rb-csv-11", ts, "unquoted, comma makes eight fields", "spam", "4.12.0", "ko-KR", "false"), Q.CSV_FIELD_COUNT),
        (_csv_row("rb-csv-12", ts, "카지노 첫충 20% 당일 환전 han.gl/Ab12", "spam", "5.0.0-beta.3", "ko-KR", "true"), ACCEPTED),
    ]


def _no_text_column_csv() -> list[Line]:
    ts = "2026-11-19T12:00:00+09:00"
    return [
        (b"report_id,received_at,body,user_verdict", "header"),
        (_csv_row("rb-ntc-02", ts, "the column is called body", "spam"), Q.MISSING_FIELD),
        (_csv_row("rb-ntc-03", ts, "so no row can be read", ""), Q.MISSING_FIELD),
        (_csv_row("rb-ntc-04", ts, "every row is quarantined", "ham"), Q.MISSING_FIELD),
    ]


TEXT_FILES = {
    "encoding.jsonl": _encoding_jsonl,
    "fields.jsonl": _fields_jsonl,
    "values.jsonl": _values_jsonl,
    "broken-quoting.csv": _broken_quoting_csv,
    "no-text-column.csv": _no_text_column_csv,
}
GZIP_FILES = {"gzipped.jsonl": _gzipped_jsonl}
WRONG_SCHEMA_PARQUET = "wrong-schema.parquet"
XZ_ARCHIVE = "xz-archive.jsonl"  # xz is not read: one whole-file entry
OUTSIDE_LINK = "outside-link.jsonl"  # a symlink out of the source folder: one whole-file entry, never read
OUTSIDE_LINK_TARGET = "../raw_logs/reports-2026-11-16.jsonl"
UNREADABLE_PARQUET = "truncated.parquet"
_WRONG_SCHEMA_ROWS = 5


def _wrong_schema_table() -> pa.Table:
    # Another backend's export: different names, epoch-millisecond timestamps.
    return pa.table(
        {
            "id": pa.array(range(1, _WRONG_SCHEMA_ROWS + 1), pa.int64()),
            "ts": pa.array([1_763_337_600_000 + i * 60_000 for i in range(_WRONG_SCHEMA_ROWS)], pa.int64()),
            "body": pa.array([f"wrong schema row {i}" for i in range(_WRONG_SCHEMA_ROWS)], pa.string()),
            "verdict": pa.array(["spam", "ham", None, "spam", None], pa.string()),
        }
    )


def _summary(outcomes: list[str]) -> dict[str, object]:
    """Counts in the shape of tasks/ingest's FileCounts: read (= physical_rows) = accepted + duplicate + quarantined."""
    reasons = Counter(o for o in outcomes if o in QUARANTINE_REASONS)
    unknown = set(outcomes) - {ACCEPTED, DUPLICATE_REPORT} - set(QUARANTINE_REASONS)
    if unknown:
        raise ValueError(f"outcomes that are neither a status nor a quarantine reason: {sorted(unknown)}")
    return {
        "physical_rows": len(outcomes),
        "accepted": outcomes.count(ACCEPTED),
        "duplicate": outcomes.count(DUPLICATE_REPORT),
        "quarantined": sum(reasons.values()),
        "reasons": dict(sorted(reasons.items())),
    }


def expected_outcomes() -> dict[str, object]:
    """The content of ``EXPECTED.json``: per file, row counts, outcome counts and each line's outcome."""
    files: dict[str, dict[str, object]] = {}
    all_outcomes: list[str] = []
    for name, make in {**TEXT_FILES, **GZIP_FILES}.items():
        per_line = {str(no): str(outcome) for no, (_, outcome) in enumerate(make(), start=1) if outcome not in ("", "header")}
        files[name] = {**_summary(list(per_line.values())), "lines": per_line}
        all_outcomes += per_line.values()
    whole_file = {
        WRONG_SCHEMA_PARQUET: [str(Q.PARQUET_SCHEMA_MISMATCH)] * _WRONG_SCHEMA_ROWS,
        UNREADABLE_PARQUET: [str(Q.UNREADABLE_FILE)],  # an unreadable file counts as one row
        XZ_ARCHIVE: [str(Q.COMPRESSED)],
        OUTSIDE_LINK: [str(Q.OUTSIDE_SOURCE_ROOT)],
    }
    for name, outcomes in whole_file.items():
        files[name] = _summary(outcomes)
        all_outcomes += outcomes
    return {
        "spec": "docs/raw_log_schema.md",
        "assumes": {
            "max_text_chars": ASSUMED_MAX_TEXT_CHARS,
            "max_future_skew_hours": ASSUMED_MAX_FUTURE_SKEW_HOURS,
            "state": "fresh: none of these report ids or texts ingested before; files ingested together, in name order",
            "line_numbers": "1-based physical lines; CSV header is line 1; blank JSONL lines are not rows",
            "counts": "as tasks/ingest FileCounts: physical_rows = read = accepted + duplicate + quarantined",
        },
        "files": dict(sorted(files.items())),
        "totals": _summary(all_outcomes),
    }


def build_bad_logs(out_dir: Path) -> list[Path]:
    """Write every bad-log file and ``EXPECTED.json`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in TEXT_FILES.items():
        path = out_dir / name
        path.write_bytes(b"".join(line + b"\n" for line, _ in make()))
        written.append(path)
    for name, make in GZIP_FILES.items():
        path = out_dir / name
        path.write_bytes(gzip.compress(b"".join(line + b"\n" for line, _ in make()), mtime=0))
        written.append(path)
    xz_path = out_dir / XZ_ARCHIVE
    xz_path.write_bytes(lzma.compress(b"".join(line + b"\n" for line, _ in _encoding_jsonl())))
    written.append(xz_path)
    link_path = out_dir / OUTSIDE_LINK
    if link_path.is_symlink() or link_path.exists():
        link_path.unlink()
    os.symlink(OUTSIDE_LINK_TARGET, link_path)
    written.append(link_path)
    parquet_path = out_dir / WRONG_SCHEMA_PARQUET
    pq.write_table(_wrong_schema_table(), parquet_path, compression="zstd")
    written.append(parquet_path)
    # The first half of a valid Parquet file: an upload cut short. No footer, so nothing is readable.
    truncated_path = out_dir / UNREADABLE_PARQUET
    truncated_path.write_bytes(parquet_path.read_bytes()[: parquet_path.stat().st_size // 2])
    written.append(truncated_path)
    expected_path = out_dir / "EXPECTED.json"
    expected_path.write_text(json.dumps(expected_outcomes(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(expected_path)
    return written

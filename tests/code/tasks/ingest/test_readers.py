"""Readers: every physical row comes out once; unparseable rows carry a stable reason."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from models.schemas import RAW_BATCH_SCHEMA, QuarantineReason
from tasks.ingest.readers import read_batches, read_csv, read_jsonl, read_parquet

HEADER = "report_id,received_at,text,user_verdict,app_version,locale\n"


def _all(frames) -> pl.DataFrame:
    frames = list(frames)
    return pl.concat(frames) if frames else pl.DataFrame(schema=RAW_BATCH_SCHEMA)


def _reasons(frame: pl.DataFrame) -> dict[int, str | None]:
    return dict(zip(frame["source_row"].to_list(), frame["parse_reason"].to_list()))


def test_jsonl_bad_rows_get_reasons_and_blank_lines_are_not_rows(log_dir: Path):
    frame = _all(read_jsonl(log_dir / "bad.jsonl", batch_rows=100))
    reasons = _reasons(frame)
    assert 14 not in reasons  # the blank line
    assert frame.height == 14
    assert reasons[1] is None
    assert reasons[2] == QuarantineReason.INVALID_UTF8
    assert reasons[3] == QuarantineReason.MALFORMED_JSON
    assert reasons[4] == QuarantineReason.WRONG_TYPE
    assert reasons[13] == QuarantineReason.MALFORMED_JSON  # a JSON array, not an object
    invalid = frame.filter(pl.col("source_row") == 2)["raw_excerpt"][0]
    assert "\\xff\\xfe" in invalid  # invalid bytes shown escaped


def test_jsonl_batches_are_bounded(tmp_path: Path):
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(json.dumps({"report_id": f"r{i}", "received_at": "2026-11-20T00:00:00Z", "text": f"t {i}"}) + "\n" for i in range(250))
    )
    sizes = [frame.height for frame in read_jsonl(path, batch_rows=100)]
    assert sizes == [100, 100, 50]


def test_csv_broken_quote_quarantines_one_line_and_reparses_the_rest(log_dir: Path):
    frame = _all(read_csv(log_dir / "reports.csv", batch_rows=100))
    reasons = _reasons(frame)
    assert reasons == {
        2: None,
        3: None,
        4: QuarantineReason.CSV_FIELD_COUNT,
        5: QuarantineReason.CSV_BROKEN_QUOTE,
        6: None,
        7: None,  # a legitimate two-line quoted text
        9: None,
    }
    ok = frame.filter(pl.col("source_row") == 7)
    assert ok["text"][0] == "여러 줄\n메시지도 정상입니다"
    assert ok["report_id"][0] == "c06"


def test_csv_unterminated_quote_at_end_of_file_keeps_nothing_hidden(tmp_path: Path):
    path = tmp_path / "eof.csv"
    lines = [HEADER, "a1,2026-11-20T00:00:00Z,\"opens and never closes,spam,1,ko\n"]
    lines += [f"a{i},2026-11-20T00:00:00Z,plain text {i},ham,1,ko\n" for i in range(2, 200)]
    path.write_text("".join(lines))
    frame = _all(read_csv(path, batch_rows=64))
    assert frame.height == 199
    assert frame.filter(pl.col("parse_reason").is_not_null())["source_row"].to_list() == [2]
    assert frame["report_id"].drop_nulls().to_list() == [f"a{i}" for i in range(2, 200)]


def test_csv_invalid_utf8_line_and_bad_boolean(tmp_path: Path):
    path = tmp_path / "bytes.csv"
    path.write_bytes(
        b"report_id,received_at,text,user_verdict,synthetic\n"
        b"x1,2026-11-20T00:00:00Z,ok text,ham,true\n"
        b"x2,2026-11-20T00:00:00Z,bad \xc3\x28 bytes,ham,false\n"
        b"x3,2026-11-20T00:00:00Z,ok again,spam,perhaps\n"
    )
    frame = _all(read_csv(path, batch_rows=10))
    assert _reasons(frame) == {2: None, 3: QuarantineReason.INVALID_UTF8, 4: QuarantineReason.WRONG_TYPE}
    assert frame.filter(pl.col("source_row") == 2)["synthetic"][0] is True


def test_parquet_good_file_and_timestamp_column(tmp_path: Path):
    path = tmp_path / "good.parquet"
    table = pa.table(
        {
            "report_id": ["p1", "p2", "p3"],
            "received_at": pa.array([1_700_000_000_000_000] * 3, type=pa.timestamp("us", tz="Asia/Seoul")),
            "text": ["one", "two", "three"],
            "user_verdict": ["spam", None, "ham"],
        }
    )
    pq.write_table(table, path, row_group_size=2)
    frame = _all(read_parquet(path, batch_rows=2))
    assert frame["source_row"].to_list() == [1, 2, 3]
    assert frame["parse_reason"].null_count() == 3
    assert frame["received_at"][0].endswith("+00:00")


def test_parquet_wrong_schema_quarantines_every_row_with_one_reason(tmp_path: Path):
    path = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"report_id": ["a"] * 7, "body": ["x"] * 7}), path)
    frame = _all(read_parquet(path, batch_rows=5))
    assert frame.height == 7
    assert set(frame["parse_reason"]) == {QuarantineReason.PARQUET_SCHEMA_MISMATCH}
    assert "received_at" in frame["parse_detail"][0]


def test_unreadable_parquet_is_one_entry(tmp_path: Path):
    path = tmp_path / "corrupt.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    frame = _all(read_batches(path, "parquet", batch_rows=100))
    assert frame.height == 1
    assert frame["parse_reason"][0] == QuarantineReason.UNREADABLE_FILE
    assert frame["source_row"][0] == 0


# --- the per-record byte cap ------------------------------------------------------------------------

CAP = 4_096
TS = "2026-11-20T00:00:00Z"


def _jsonl_line(report_id: str, text: str) -> bytes:
    return json.dumps({"report_id": report_id, "received_at": TS, "text": text}, ensure_ascii=False).encode() + b"\n"


def _padded(report_id: str, content_bytes: int) -> bytes:
    """A JSONL line of exactly ``content_bytes`` bytes before its newline."""
    bare = _jsonl_line(report_id, "")
    return _jsonl_line(report_id, "x" * (content_bytes - (len(bare) - 1)))


def test_jsonl_record_over_the_cap_is_quarantined_and_its_neighbours_read(tmp_path: Path):
    path = tmp_path / "long.jsonl"
    at_cap, over_cap = _padded("at", CAP), _padded("over", CAP + 1)
    assert len(at_cap) == CAP + 1 and len(over_cap) == CAP + 2
    huge = b'{"report_id": "huge", "text": "' + b"y" * (CAP * 50) + b'"}\n'
    crlf_at_cap = at_cap[:-1].replace(b'"at"', b'"cr"') + b"\r\n"
    path.write_bytes(_jsonl_line("a", "before") + huge + at_cap + over_cap + crlf_at_cap + _jsonl_line("b", "after") + b'{"no": "newline at EOF", "pad": "' + b"z" * CAP + b'"}')
    frame = _all(read_jsonl(path, batch_rows=3, max_record_bytes=CAP))
    too_large = QuarantineReason.RECORD_TOO_LARGE
    assert _reasons(frame) == {1: None, 2: too_large, 3: None, 4: too_large, 5: None, 6: None, 7: too_large}
    assert frame["report_id"].to_list() == ["a", None, "at", None, "cr", "b", None]
    detail = frame.filter(pl.col("source_row") == 2)["parse_detail"][0]
    assert f"{len(huge):,} bytes" in detail and f"limit {CAP:,}" in detail
    assert len(frame.filter(pl.col("source_row") == 2)["raw_excerpt"][0]) <= 2_000


def test_csv_line_over_the_cap_is_record_too_large_and_a_long_field_under_it_parses(tmp_path: Path):
    path = tmp_path / "long.csv"
    long_field = "가" * 60_000  # 180 KB: over the csv module's 128 KiB default field limit, under the cap
    path.write_text(
        HEADER
        + f"c1,{TS},{long_field},spam,1,ko\n"
        + f"c2,{TS},{'x' * 300_000},spam,1,ko\n"
        + f"c3,{TS},short,ham,1,ko\n",
        encoding="utf-8",
    )
    frame = _all(read_csv(path, batch_rows=10, max_record_bytes=256_000))
    assert _reasons(frame) == {2: None, 3: QuarantineReason.RECORD_TOO_LARGE, 4: None}
    assert frame.filter(pl.col("source_row") == 2)["text"][0] == long_field


def test_csv_quoted_record_over_the_cap_stops_at_the_cap(tmp_path: Path):
    path = tmp_path / "quoted.csv"
    body = "".join(f"line {i} " + "w" * 200 + "\n" for i in range(30))  # ~6 KB inside one open quote
    path.write_text(HEADER + f'q1,{TS},"{body}",spam,1,ko\n' + f"q2,{TS},after,ham,1,ko\n", encoding="utf-8")
    frame = _all(read_csv(path, batch_rows=100, max_record_bytes=CAP))
    assert frame.filter(pl.col("source_row") == 2)["parse_reason"][0] == QuarantineReason.CSV_BROKEN_QUOTE
    assert frame.filter(pl.col("report_id") == "q2").height == 1, "the row after it is still read"


def test_parquet_row_over_the_cap_is_record_too_large(tmp_path: Path):
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"report_id": ["p1", "p2"], "received_at": [TS, TS], "text": ["short", "x" * (CAP + 1)]}), path)
    frame = _all(read_parquet(path, batch_rows=10, max_record_bytes=CAP))
    assert _reasons(frame) == {1: None, 2: QuarantineReason.RECORD_TOO_LARGE}
    assert frame.filter(pl.col("source_row") == 2)["text"][0] is None


# --- compression and encodings ------------------------------------------------------------------------

ROWS = [{"report_id": f"e{i}", "received_at": TS, "text": f"인코딩 시험 {i} ✓ 😀"} for i in range(3)]
JSONL_TEXT = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ROWS)
CSV_TEXT = "report_id,received_at,text\n" + "".join(f"{r['report_id']},{r['received_at']},{r['text']}\n" for r in ROWS)


def _compressed(data: bytes, codec: str) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, codec) as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-32-le", b"\xff\xfe\x00\x00"),
     ("utf-32-be", b"\x00\x00\xfe\xff"), ("utf-16-le", b"")],
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_text_is_decoded_by_its_byte_order_mark(tmp_path: Path, encoding: str, bom: bytes, fmt: str):
    text = JSONL_TEXT if fmt == "jsonl" else CSV_TEXT
    path = tmp_path / f"encoded.{fmt}"
    path.write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))
    frame = _all(read_batches(path, fmt, batch_rows=100))
    assert frame["parse_reason"].to_list() == [None] * 3, "no row is lost to the encoding"
    assert frame["report_id"].to_list() == ["e0", "e1", "e2"]
    assert frame["text"].to_list() == [row["text"] for row in ROWS]
    first_row = 1 if fmt == "jsonl" else 2
    assert frame["source_row"].to_list() == list(range(first_row, first_row + 3))


def test_utf16_code_unit_that_does_not_decode_quarantines_only_its_line(tmp_path: Path):
    lines = JSONL_TEXT.splitlines(keepends=True)
    broken = lines[1].encode("utf-16-le").replace("✓".encode("utf-16-le"), b"\x00\xd8")  # an unpaired high surrogate
    path = tmp_path / "broken16.jsonl"
    path.write_bytes(b"\xff\xfe" + lines[0].encode("utf-16-le") + broken + lines[2].encode("utf-16-le"))
    frame = _all(read_batches(path, "jsonl", batch_rows=100))
    assert _reasons(frame) == {1: None, 2: QuarantineReason.INVALID_UTF8, 3: None}


@pytest.mark.parametrize("codec", ["gzip", "zstd"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_gzip_and_zstd_are_read_whatever_the_name(tmp_path: Path, codec: str, fmt: str):
    if fmt == "parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(ROWS), sink)
        data = sink.getvalue().to_pybytes()
    else:
        data = (JSONL_TEXT if fmt == "jsonl" else CSV_TEXT).encode("utf-16") if codec == "zstd" else (JSONL_TEXT if fmt == "jsonl" else CSV_TEXT).encode()
    path = tmp_path / f"plain-name.{fmt}"
    path.write_bytes(_compressed(data, codec))
    frame = _all(read_batches(path, fmt, batch_rows=2, spool_dir=tmp_path))
    assert frame["parse_reason"].to_list() == [None] * 3
    assert frame["text"].to_list() == [row["text"] for row in ROWS]
    assert list(tmp_path.iterdir()) == [path], "the spooled copy of compressed Parquet is gone"


def test_damaged_gzip_keeps_the_rows_before_and_quarantines_the_rest_once(tmp_path: Path):
    data = "".join(json.dumps({"report_id": f"g{i}", "received_at": TS, "text": f"행 {i} " + "가나다" * (i % 50)}) + "\n" for i in range(20_000))
    packed = _compressed(data.encode(), "gzip")
    path = tmp_path / "cut.jsonl"
    path.write_bytes(packed[: len(packed) // 2])
    frame = _all(read_batches(path, "jsonl", batch_rows=5_000))
    damaged = frame.filter(pl.col("parse_reason").is_not_null())
    assert damaged.height == 1 and damaged["parse_reason"][0] == QuarantineReason.UNREADABLE_FILE
    assert "gzip data is damaged or truncated" in damaged["parse_detail"][0]
    good = frame.filter(pl.col("parse_reason").is_null())
    assert good.height > 1_000 and damaged["source_row"][0] == good.height + 1


@pytest.mark.parametrize("kind", ["xz", "bzip2", "zip"])
def test_other_compressions_are_one_compressed_entry(tmp_path: Path, kind: str):
    import bz2
    import lzma
    import zipfile

    path = tmp_path / "packed.jsonl"
    if kind == "xz":
        path.write_bytes(lzma.compress(JSONL_TEXT.encode()))
    elif kind == "bzip2":
        path.write_bytes(bz2.compress(JSONL_TEXT.encode()))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("inner.jsonl", JSONL_TEXT)
    frame = _all(read_batches(path, "jsonl", batch_rows=100))
    assert frame.height == 1 and frame["source_row"][0] == 0
    assert frame["parse_reason"][0] == QuarantineReason.COMPRESSED and kind in frame["parse_detail"][0]

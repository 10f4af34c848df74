"""Streaming readers for CSV, JSONL and Parquet report logs.

Each reader yields polars frames of at most ``batch_rows`` physical rows in ``RAW_BATCH_SCHEMA``: one
row per physical record, with ``parse_reason`` set when the record could not be parsed at all (bad
bytes, bad JSON, broken CSV quoting, wrong field types, more than ``max_record_bytes``). Nothing here
raises on bad data: a reader never crashes a run, and every physical row it reads comes out exactly once,
so counts reconcile.

Memory is bounded per record as well as per batch: a line is read at most ``max_record_bytes`` at a time,
and the rest of a longer one is skipped in 1 MiB chunks, never held whole.

``read_batches`` looks at a file's first bytes, whatever its name: gzip and zstd are decompressed while
streaming (other compressions are one ``compressed`` entry), and a byte-order mark decides the text
encoding of JSONL and CSV (UTF-8 BOM stripped; UTF-16 and UTF-32 transcoded to UTF-8 line by line).
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from models.schemas import RAW_BATCH_SCHEMA, RAW_FIELDS, RAW_REQUIRED_FIELDS, QuarantineReason

try:  # orjson (already in the lock file, via prefect) parses ~2x faster; the stdlib is the fallback.
    import orjson

    _json_loads = orjson.loads
    _JSON_ERRORS: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - depends on the environment
    import json

    _json_loads = json.loads
    _JSON_ERRORS = (ValueError,)

_STRING_FIELDS = ("report_id", "received_at", "text", "user_verdict", "app_version", "locale")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})
# A broken quote must not swallow the rest of a file: no real SMS record spans this many lines.
MAX_CSV_RECORD_LINES = 50
_EXCERPT_SOURCE_CHARS = 2_000
_UTF8_BOM = b"\xef\xbb\xbf"
DEFAULT_MAX_RECORD_BYTES = 1 << 20  # IngestConfig.max_record_bytes
_SKIP_CHUNK = 1 << 20
_STREAM_BUFFER = 1 << 16

# Compression, by magic bytes: read transparently (pyarrow's codecs, streaming), or rejected whole.
_READABLE_CODECS = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd"}
_OTHER_COMPRESSIONS = {
    b"\xfd7zXZ\x00": "xz", b"BZh": "bzip2", b"PK\x03\x04": "zip", b"7z\xbc\xaf\x27\x1c": "7z", b"\x04\x22\x4d\x18": "lz4",
}
# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# A code unit that does not decode becomes U+DCFF, which re-encodes (surrogateescape) to the byte 0xFF: the
# line is then not valid UTF-8 and is quarantined as invalid_utf8, like a bad byte in a UTF-8 file.
codecs.register_error("spamloop.bad_unit", lambda error: ("\udcff", error.end))


class _CorruptStream(Exception):
    """A compressed stream that cannot be decompressed further (truncated or damaged)."""


class _DecompressedRaw(io.RawIOBase):
    """A gzip or zstd stream, decompressed as it is read (pyarrow's codec); damage raises _CorruptStream."""

    def __init__(self, handle: IO[bytes], codec: str) -> None:
        self.codec = codec
        self._stream = pa.CompressedInputStream(pa.PythonFile(handle, mode="r"), codec)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._stream.read(len(buffer))
        except (OSError, pa.ArrowException) as exc:
            raise _CorruptStream(f"{self.codec} data is damaged or truncated ({_short(str(exc), 80)})") from None
        buffer[: len(data)] = data
        return len(data)


class _TranscodedRaw(io.RawIOBase):
    """A UTF-16/UTF-32 text stream re-encoded as UTF-8 bytes, decoded incrementally in 64 KiB chunks."""

    def __init__(self, handle: IO[bytes], encoding: str) -> None:
        self._read = handle.read
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="spamloop.bad_unit")
        self._pending = memoryview(b"")
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._eof:
            chunk = self._read(_STREAM_BUFFER)
            self._eof = not chunk
            text = self._decoder.decode(chunk, final=self._eof)
            self._pending = memoryview(text.encode("utf-8", errors="surrogateescape"))
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _peekable(handle: IO[bytes]) -> Any:
    return handle if hasattr(handle, "peek") else io.BufferedReader(handle, _STREAM_BUFFER)  # type: ignore[arg-type]


def _head(handle: Any, size: int) -> bytes:
    return bytes(handle.peek(size)[:size])


def _text_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, BOM length) of a text file from its first bytes: a BOM, else UTF-16 by its NULs, else UTF-8."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    if len(head) >= 4 and head[1] == head[3] == 0 and head[0] and head[2]:
        return "utf-16-le", 0  # ASCII in UTF-16 LE without a BOM ('{\0"\0')
    if len(head) >= 4 and head[0] == head[2] == 0 and head[1] and head[3]:
        return "utf-16-be", 0
    return "utf-8", 0


def _as_utf8(stream: Any) -> Any:
    """The stream as UTF-8 bytes, without a byte-order mark."""
    encoding, bom = _text_encoding(_head(stream, 4))
    if bom:
        stream.read(bom)
    if encoding == "utf-8":
        return stream
    return io.BufferedReader(_TranscodedRaw(stream, encoding), _STREAM_BUFFER)


class _BatchBuilder:
    """One tuple per physical row (source_row + RAW_FIELDS values), plus sparse parse errors.

    Appending a tuple is the cheapest per-row operation in Python. Every ``CHUNK_ROWS`` rows the tuples are
    turned into a compact polars chunk, so Python objects never hold more than a chunk of a batch.
    """

    CHUNK_ROWS = 8_192
    __slots__ = ("rows", "errors", "chunks", "flushed")

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []  # cleared in place: callers may hold ``rows.append``
        self.errors: list[tuple[int, str, str | None, str | None]] = []  # (position, reason, detail, excerpt)
        self.chunks: list[pl.DataFrame] = []
        self.flushed = 0

    def __len__(self) -> int:
        return self.flushed + len(self.rows)

    def add(
        self,
        source_row: int,
        values: tuple[Any, ...] | None,
        parse_reason: str | None = None,
        parse_detail: str | None = None,
        raw_excerpt: str | None = None,
    ) -> None:
        """Add one physical row; ``values`` follow ``RAW_FIELDS`` order (None when unparsed)."""
        if parse_reason is not None:
            excerpt = raw_excerpt[:_EXCERPT_SOURCE_CHARS] if raw_excerpt is not None else None
            self.errors.append((len(self.rows), parse_reason, parse_detail, excerpt))
        self.rows.append((source_row, *(values if values is not None else _NO_VALUES)))

    def maybe_flush(self) -> None:
        if len(self.rows) >= self.CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        n = len(self.rows)
        if n == 0:
            return
        data: dict[str, Any] = dict(zip(("source_row", *RAW_FIELDS), zip(*self.rows)))
        reasons: list[str | None] = [None] * n
        details: list[str | None] = [None] * n
        excerpts: list[str | None] = [None] * n
        for position, reason, detail, excerpt in self.errors:
            reasons[position], details[position], excerpts[position] = reason, detail, excerpt
        data.update(parse_reason=reasons, parse_detail=details, raw_excerpt=excerpts)
        self.chunks.append(pl.DataFrame(data, schema=RAW_BATCH_SCHEMA))
        self.flushed += n
        self.rows.clear()
        self.errors.clear()

    def frame(self) -> pl.DataFrame:
        """The whole batch; the builder is empty (and reusable) afterwards."""
        self._flush()
        chunks, self.chunks, self.flushed = self.chunks, [], 0
        if not chunks:
            return pl.DataFrame(schema=RAW_BATCH_SCHEMA)
        return pl.concat(chunks, rechunk=True) if len(chunks) > 1 else chunks[0]


_NO_VALUES: tuple[None, ...] = (None,) * len(RAW_FIELDS)
_STR_OR_NONE = frozenset({str, type(None)})


Source = Path | IO[bytes]


def _binary(source: Source) -> Any:
    """A context manager giving a binary handle: ``source`` opened if it is a path, else as it is (left open)."""
    return source.open("rb") if isinstance(source, Path) else nullcontext(source)


class _Lines:
    """Physical lines of a binary stream, none held longer than ``max_record_bytes`` (plus its line ending).

    Each item is ``(line, 0)``, or ``(first bytes, total bytes)`` for a line over the cap: its rest is read
    and dropped in chunks, so a 200 MB line costs 1 MiB of memory. ``line_no`` is the last line's number.
    """

    def __init__(self, handle: IO[bytes], max_record_bytes: int) -> None:
        self._readline = handle.readline
        self.cap = max_record_bytes
        self.limit = max_record_bytes + 2  # room for CRLF
        self.line_no = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> tuple[bytes, int]:
        raw = self._readline(self.limit)
        if not raw:
            raise StopIteration
        self.line_no += 1
        if len(raw) <= self.cap + 1 and raw[-1] == 10:  # the common case: a short line ending in LF
            return raw, 0
        return self.measure(raw)

    def measure(self, raw: bytes) -> tuple[bytes, int]:
        """``(raw, 0)`` if the line read (at most ``limit`` bytes) is within the cap, else its head and full size."""
        if raw.endswith(b"\n"):
            content = len(raw) - (2 if raw.endswith(b"\r\n") else 1)
            return (raw, 0) if content <= self.cap else (raw[:_EXCERPT_SOURCE_CHARS], len(raw))
        if len(raw) <= self.cap:
            return raw, 0  # the last line, without a line ending
        total = len(raw)
        if len(raw) == self.limit:
            while chunk := self._readline(_SKIP_CHUNK):
                total += len(chunk)
                if chunk.endswith(b"\n"):
                    break
        return raw[:_EXCERPT_SOURCE_CHARS], total


def _read_or_mark_damage(readline: Any, limit: int, builder: _BatchBuilder, line_no: int) -> bytes:
    """The next line; at damaged compressed data, one unreadable_file row for the rest and b"" (the end)."""
    try:
        return readline(limit)
    except _CorruptStream as damage:
        builder.add(line_no + 1, None, QuarantineReason.UNREADABLE_FILE, f"{damage}: the rest of the file after line {line_no} is not read")
        return b""


def _too_large(total: int, cap: int) -> str:
    return f"record has {total:,} bytes, limit {cap:,} (ingest.max_record_bytes)"


def _escaped(raw: bytes) -> str:
    """Text of a raw line with invalid UTF-8 bytes shown as \\xNN escapes."""
    return raw.decode("utf-8", errors="backslashreplace").rstrip("\r\n")


def _typed_values(record: dict[str, Any]) -> tuple[tuple[Any, ...], str | None]:
    """Field values in RAW_FIELDS order, and the name of the first field with a wrong JSON type (if any)."""
    get = record.get
    values = tuple(get(name) for name in RAW_FIELDS)
    for name, value in zip(_STRING_FIELDS, values):
        if value is not None and type(value) is not str:
            return values, name
    synthetic = values[-1]
    if synthetic is not None and type(synthetic) is not bool:
        return values, "synthetic"
    return values, None


def _wrong_type_values(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Keep only correctly typed values (for the quarantine record) so the frame's types hold."""
    kept = [v if (v is None or type(v) is str) else None for v in values[:-1]]
    return (*kept, values[-1] if type(values[-1]) is bool else None)


def read_jsonl(source: Source, batch_rows: int, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Iterator[pl.DataFrame]:
    """JSON Lines: one report object per line. Blank lines are not records and are not counted."""
    builder = _BatchBuilder()
    append = builder.rows.append
    with _binary(source) as handle:
        lines = _Lines(handle, max_record_bytes)
        readline, short, line_no = handle.readline, max_record_bytes + 1, 0
        # The loop of _Lines, inlined: this is the hot path of JSONL ingest.
        while raw := _read_or_mark_damage(readline, lines.limit, builder, line_no):
            line_no += 1
            oversize = 0
            if len(raw) > short or raw[-1] != 10:
                try:
                    raw, oversize = lines.measure(raw)
                except _CorruptStream as damage:
                    builder.add(line_no, None, QuarantineReason.UNREADABLE_FILE, f"{damage}: the rest of the file is not read")
                    break
            if oversize:
                builder.add(line_no, None, QuarantineReason.RECORD_TOO_LARGE, _too_large(oversize, max_record_bytes), _escaped(raw))
                builder.maybe_flush()
                if len(builder) >= batch_rows:
                    yield builder.frame()
                continue
            if line_no == 1 and raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]  # a leading BOM is tolerated (docs/raw_log_schema.md)
            if not raw.strip():
                continue
            try:
                record = _json_loads(raw)
            except _JSON_ERRORS as exc:
                try:
                    raw.decode("utf-8")
                    builder.add(line_no, None, QuarantineReason.MALFORMED_JSON, _short(str(exc)), _escaped(raw))
                except UnicodeDecodeError as decode_error:
                    builder.add(line_no, None, QuarantineReason.INVALID_UTF8, f"byte offset {decode_error.start}", _escaped(raw))
            else:
                if type(record) is dict:
                    get = record.get
                    values = (
                        line_no, get("report_id"), get("received_at"), get("text"),
                        get("user_verdict"), get("app_version"), get("locale"), get("synthetic"),
                    )  # fmt: skip
                    synthetic = values[7]
                    if set(map(type, values[1:7])) <= _STR_OR_NONE and (synthetic is None or type(synthetic) is bool):
                        append(values)  # the fast path: a well-typed row
                    else:
                        typed, wrong_field = _typed_values(record)
                        detail = f"{wrong_field} is {type(record[wrong_field]).__name__}"
                        builder.add(line_no, _wrong_type_values(typed), QuarantineReason.WRONG_TYPE, detail, _escaped(raw))
                else:
                    builder.add(
                        line_no, None, QuarantineReason.MALFORMED_JSON, f"line is a JSON {type(record).__name__}, not an object", _escaped(raw)
                    )
            builder.maybe_flush()
            if len(builder) >= batch_rows:
                yield builder.frame()
    if len(builder):
        yield builder.frame()


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _CsvLineFeed:
    """Decoded lines for csv.reader, remembering which physical lines each record used.

    Lines with invalid UTF-8 are held back (reported separately); lines a broken record swallowed can
    be pushed back to be parsed again.
    """

    def __init__(self, handle: IO[bytes], max_record_bytes: int) -> None:
        self.lines = _Lines(handle, max_record_bytes)
        self.max_record_bytes = max_record_bytes
        self.pending: deque[tuple[int, str]] = deque()
        self.consumed: list[tuple[int, str]] = []
        self.consumed_chars = 0
        self.bad_lines: list[tuple[int, bytes, str, str]] = []  # (line, raw, reason, detail)
        self.hit_record_limit = False

    def __iter__(self) -> _CsvLineFeed:
        return self

    def __next__(self) -> str:
        if len(self.consumed) >= MAX_CSV_RECORD_LINES or self.consumed_chars > self.max_record_bytes:
            # Pretend the file ends here; the record then comes back broken and is handled as such.
            self.hit_record_limit = True
            raise StopIteration
        if self.pending:
            item = self.pending.popleft()
        else:
            while True:
                try:
                    raw, oversize = next(self.lines)
                except StopIteration:
                    raise StopIteration from None
                line_no = self.lines.line_no
                if oversize:
                    self.bad_lines.append((line_no, raw, QuarantineReason.RECORD_TOO_LARGE, _too_large(oversize, self.max_record_bytes)))
                    continue
                try:
                    item = (line_no, raw.decode("utf-8"))
                    break
                except UnicodeDecodeError:
                    self.bad_lines.append((line_no, raw, QuarantineReason.INVALID_UTF8, "invalid UTF-8 bytes"))
        self.consumed.append(item)
        self.consumed_chars += len(item[1])
        return item[1]


def _csv_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def read_csv(source: Source, batch_rows: int, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Iterator[pl.DataFrame]:
    """CSV with a header row naming the raw log fields (any order; unknown columns are ignored).

    A record with the wrong field count is quarantined (csv_field_count). If it spans several lines, an
    unterminated quote swallowed the lines after it: only its first line is quarantined
    (csv_broken_quote) and the swallowed lines are parsed again as records of their own. A line over
    ``max_record_bytes`` is record_too_large; a field may be as long as a record (the csv module's own
    128 KiB field limit is raised to the record cap).
    """
    if csv.field_size_limit() < max_record_bytes:
        csv.field_size_limit(max_record_bytes)  # process-wide; only ever raised
    builder = _BatchBuilder()
    with _binary(source) as handle:
        feed = _CsvLineFeed(handle, max_record_bytes)
        reader = csv.reader(feed)
        header: list[str] | None = None
        field_index: list[int | None] = []
        n_fields = 0
        while True:
            feed.consumed = []
            feed.consumed_chars = 0
            feed.hit_record_limit = False
            try:
                fields: list[str] | None = next(reader)
            except StopIteration:
                fields = None
            except csv.Error:
                fields = []  # e.g. a NUL byte: treated as a broken record below
                reader = csv.reader(feed)
            except _CorruptStream as damage:
                first = feed.consumed[0][0] if feed.consumed else feed.lines.line_no + 1
                builder.add(first, None, QuarantineReason.UNREADABLE_FILE, f"{damage}: the rest of the file from line {first} is not read")
                break
            consumed = feed.consumed
            for bad_no, bad_raw, bad_reason, bad_detail in feed.bad_lines:
                builder.add(bad_no, None, bad_reason, bad_detail, _escaped(bad_raw))
            feed.bad_lines = []
            if fields is None and not consumed:
                break
            if feed.hit_record_limit or fields is None:
                reader = csv.reader(feed)  # the old reader saw a fake end of file
                fields = fields or []
            if not consumed or (not fields and len(consumed) == 1 and not consumed[0][1].strip()):
                continue  # a blank line is not a record
            first_no, first_text = consumed[0]
            if header is None:
                header = [name.strip().lstrip("\ufeff") for name in fields]
                n_fields = len(header)
                field_index = [header.index(name) if name in header else None for name in RAW_FIELDS]
                continue
            if len(fields) != n_fields or feed.hit_record_limit:
                if len(consumed) > 1:
                    builder.add(
                        first_no,
                        None,
                        QuarantineReason.CSV_BROKEN_QUOTE,
                        f"unterminated quote swallowed {len(consumed) - 1} following line(s) "
                        f"(a record ends within {MAX_CSV_RECORD_LINES} lines and ingest.max_record_bytes); they were parsed again",
                        first_text,
                    )
                    feed.pending.extendleft(reversed(consumed[1:]))
                else:
                    builder.add(
                        first_no, None, QuarantineReason.CSV_FIELD_COUNT, f"{len(fields)} fields, header has {n_fields}", first_text
                    )
            else:
                values: list[Any] = [fields[i] if i is not None else None for i in field_index]
                for position in (0, 1, 3, 4, 5):  # empty optional/id cells mean "not given"; empty text stays ""
                    if values[position] == "":
                        values[position] = None
                synthetic_raw = values[-1]
                if synthetic_raw is None:
                    builder.add(first_no, tuple(values))
                else:
                    synthetic = _csv_bool(synthetic_raw)
                    values[-1] = synthetic
                    if synthetic is None:
                        builder.add(
                            first_no, tuple(values), QuarantineReason.WRONG_TYPE, "synthetic is not a boolean", "".join(t for _, t in consumed)
                        )
                    else:
                        builder.add(first_no, tuple(values))
            builder.maybe_flush()
            if len(builder) >= batch_rows:
                yield builder.frame()
    if len(builder):
        yield builder.frame()


def _parquet_schema_problem(schema: pa.Schema) -> str | None:
    """Why a Parquet file's columns do not fit the raw log schema, or None when they do."""
    names = set(schema.names)
    missing = [name for name in RAW_REQUIRED_FIELDS if name not in names]
    if missing:
        return f"missing column(s): {', '.join(missing)}"
    for name in ("report_id", "text", "user_verdict", "app_version", "locale"):
        if name in names and not (pa.types.is_string(schema.field(name).type) or pa.types.is_large_string(schema.field(name).type)):
            return f"column {name} is {schema.field(name).type}, expected string"
    received = schema.field("received_at").type
    if not (pa.types.is_string(received) or pa.types.is_large_string(received)):
        if not (pa.types.is_timestamp(received) and received.tz is not None):
            return f"column received_at is {received}, expected string or timestamp with time zone"
    if "synthetic" in names and not pa.types.is_boolean(schema.field("synthetic").type):
        return f"column synthetic is {schema.field('synthetic').type}, expected bool"
    return None


def read_parquet(source: Source, batch_rows: int, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Iterator[pl.DataFrame]:
    """Parquet with the raw log columns. A wrong schema quarantines every row (one reason, counted by the
    file's row count); an unreadable file is one quarantine entry with source_row 0. A row whose string
    fields hold more than ``max_record_bytes`` is record_too_large (Parquet is read by row group, so its
    memory is bounded by the writer's row group size, not by this cap)."""
    try:
        parquet = pq.ParquetFile(source)
        schema = parquet.schema_arrow
        total_rows = parquet.metadata.num_rows
    except Exception as exc:  # pyarrow raises several types for corrupt files
        yield _whole_file_rows(0, 1, QuarantineReason.UNREADABLE_FILE, _short(f"{type(exc).__name__}: {exc}"))
        return
    problem = _parquet_schema_problem(schema)
    if problem is not None:
        for start in range(0, total_rows, batch_rows):
            yield _whole_file_rows(start + 1, min(batch_rows, total_rows - start), QuarantineReason.PARQUET_SCHEMA_MISMATCH, problem)
        return
    columns = [name for name in RAW_FIELDS if name in schema.names]
    next_row = 1
    batches = parquet.iter_batches(batch_size=batch_rows, columns=columns)
    while True:
        # Only pyarrow's reading is guarded: corruption found mid-file quarantines the rows not read yet.
        try:
            record_batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:
            if next_row <= total_rows:
                yield _whole_file_rows(
                    next_row, total_rows - next_row + 1, QuarantineReason.UNREADABLE_FILE, _short(f"{type(exc).__name__}: {exc}")
                )
            return
        frame = pl.DataFrame(pl.from_arrow(record_batch))
        if frame.schema.get("received_at", pl.String()) != pl.String():
            frame = frame.with_columns(
                pl.col("received_at").dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z")
            )
        n = frame.height
        frame = frame.with_columns(
            *(
                pl.lit(None, dtype=RAW_BATCH_SCHEMA[name]).alias(name)
                for name in RAW_BATCH_SCHEMA
                if name not in frame.columns and name != "source_row"
            ),
            pl.int_range(next_row, next_row + n, dtype=pl.Int64).alias("source_row"),
        ).select([pl.col(name).cast(dtype) for name, dtype in RAW_BATCH_SCHEMA.items()])
        next_row += n
        yield _mark_too_large(frame, max_record_bytes)


def _mark_too_large(frame: pl.DataFrame, max_record_bytes: int) -> pl.DataFrame:
    """record_too_large for rows whose string fields add up to more than the cap (their values are dropped)."""
    record_bytes = pl.sum_horizontal(
        [pl.col(name).str.len_bytes().fill_null(0) for name, dtype in RAW_BATCH_SCHEMA.items() if dtype == pl.String() and name in RAW_FIELDS]
    )
    too_large = record_bytes > max_record_bytes
    if not frame.select(too_large.any()).item():
        return frame
    return frame.with_columns(
        *(pl.when(too_large).then(None).otherwise(pl.col(name)).alias(name) for name in RAW_FIELDS),
        pl.when(too_large).then(pl.lit(QuarantineReason.RECORD_TOO_LARGE.value)).otherwise(pl.col("parse_reason")).alias("parse_reason"),
        pl.when(too_large)
        .then(pl.format("record has {} bytes, limit {} (ingest.max_record_bytes)", record_bytes, pl.lit(max_record_bytes)))
        .otherwise(pl.col("parse_detail"))
        .alias("parse_detail"),
    )


def whole_file_rejection(reason: str, detail: str) -> pl.DataFrame:
    """The one row (source_row 0) of a file that is rejected as a whole without being read."""
    return _whole_file_rows(0, 1, reason, detail)


def _whole_file_rows(first_row: int, count: int, reason: str, detail: str) -> pl.DataFrame:
    """``count`` rows (source_row first_row..), all quarantined with one reason; count 1 with row 0 = the file."""
    rows = pl.int_range(first_row, first_row + count, dtype=pl.Int64, eager=True) if first_row > 0 else pl.Series([0], dtype=pl.Int64)
    frame = pl.DataFrame({"source_row": rows})
    return frame.with_columns(
        *(pl.lit(None, dtype=RAW_BATCH_SCHEMA[name]).alias(name) for name in RAW_FIELDS),
        pl.lit(reason, dtype=pl.String).alias("parse_reason"),
        pl.lit(detail, dtype=pl.String).alias("parse_detail"),
        pl.lit(None, dtype=pl.String).alias("raw_excerpt"),
    ).select(list(RAW_BATCH_SCHEMA))


def read_batches(
    source: Source,
    fmt: str,
    batch_rows: int,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    spool_dir: Path | None = None,
) -> Iterator[pl.DataFrame]:
    """Raw batches of one file (a path or a binary handle), by format ("csv" | "jsonl" | "parquet").

    Compression is recognised by magic bytes, whatever the name: gzip and zstd are read transparently
    (compressed Parquet is first spooled to an unnamed temporary file in ``spool_dir``: Parquet needs
    seeking); another compression is one ``compressed`` entry. JSONL and CSV are decoded by their BOM.
    """
    if fmt not in ("jsonl", "csv", "parquet"):
        raise ValueError(f"unsupported log format: {fmt!r}")
    with _binary(source) as handle:
        stream = _peekable(handle)
        head = _head(stream, 8)
        for magic, name in _OTHER_COMPRESSIONS.items():
            if head.startswith(magic):
                yield whole_file_rejection(
                    QuarantineReason.COMPRESSED, f"{name}-compressed file: ingest reads gzip and zstd; decompress it or recompress it with one of those"
                )
                return
        codec = next((name for magic, name in _READABLE_CODECS.items() if head.startswith(magic)), None)
        if codec is not None:
            stream = io.BufferedReader(_DecompressedRaw(stream, codec), _STREAM_BUFFER)
        if fmt == "parquet":
            if codec is None:
                yield from read_parquet(stream, batch_rows, max_record_bytes)
                return
            with tempfile.TemporaryFile(dir=spool_dir) as spooled:
                try:
                    shutil.copyfileobj(stream, spooled, _SKIP_CHUNK)
                except _CorruptStream as damage:
                    yield whole_file_rejection(QuarantineReason.UNREADABLE_FILE, str(damage))
                    return
                spooled.seek(0)
                yield from read_parquet(spooled, batch_rows, max_record_bytes)
            return
        try:
            text = _as_utf8(stream)
        except _CorruptStream as damage:
            yield whole_file_rejection(QuarantineReason.UNREADABLE_FILE, str(damage))
            return
        reader = read_jsonl if fmt == "jsonl" else read_csv
        yield from reader(text, batch_rows, max_record_bytes)

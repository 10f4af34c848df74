"""The bundled data: seed corpora, seed labels, the raw-log sample and the bad-log spec."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from models.gold_rule import GOLD_V2_HELDOUT_SUBTYPES, gold_holdout_expr, gold_v2_expr, is_gold_holdout, is_gold_v2
from models.normalization import normalize, normalize_frame
from models.seed import SEED_LABEL_SCHEMA, load_seed_labels
from tasks.sample.bad_logs import (
    ACCEPTED,
    DUPLICATE_REPORT,
    OUTSIDE_LINK,
    OUTSIDE_LINK_TARGET,
    QUARANTINE_REASONS,
    XZ_ARCHIVE,
    expected_outcomes,
)
from tasks.sample.build import RAW_LOG_SEED, SYNTH_ROWS, SYNTH_SPAM_RATIO, build
from tasks.sample.synth_ko_v2 import CATEGORIES, SUBTYPES
from tests.conftest import REPO_ROOT

DATA = REPO_ROOT / "data"
SEED_DIR = DATA / "seed"
RAW_DIR = DATA / "sample" / "raw_logs"
BAD_DIR = DATA / "sample" / "bad_logs"
RAW_FIELDS = ["report_id", "received_at", "text", "user_verdict", "app_version", "locale", "synthetic"]
SEOUL = timezone(timedelta(hours=9))


def read_tsv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t", quote_char=None, infer_schema=False)


def read_raw_logs() -> pl.DataFrame:
    """Every sample report as strings/bools, with the file it came from."""
    frames = []
    for path in sorted(RAW_DIR.iterdir()):
        if path.suffix == ".jsonl":
            records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            frame = pl.DataFrame([{f: r.get(f) for f in RAW_FIELDS} for r in records], schema={f: pl.String for f in RAW_FIELDS[:-1]} | {"synthetic": pl.Boolean})
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle, strict=True)
                header = next(reader)
                assert header == RAW_FIELDS
                records = [dict(zip(header, row, strict=True)) for row in reader]
            frame = pl.DataFrame(
                [{**{f: r[f] or None for f in RAW_FIELDS[:-1]}, "synthetic": r["synthetic"] == "true"} for r in records],
                schema={f: pl.String for f in RAW_FIELDS[:-1]} | {"synthetic": pl.Boolean},
            )
        elif path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            assert frame.columns == RAW_FIELDS
        else:
            raise AssertionError(f"unexpected file {path.name}")
        frames.append(frame.with_columns(pl.lit(path.name).alias("file")))
    return pl.concat(frames)


@pytest.fixture(scope="module")
def seed_labels() -> pl.DataFrame:
    return load_seed_labels(SEED_DIR)


@pytest.fixture(scope="module")
def reports() -> pl.DataFrame:
    return read_raw_logs()


# ----------------------------------------------------------------------------- seed corpora


@pytest.mark.parametrize("name", ["uci_sms_spam.tsv", "ko_chatbot_ham.tsv", "ko_synthetic_sms.tsv"])
def test_seed_tsv_schema(name):
    path = SEED_DIR / name
    first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
    frame = read_tsv(path)
    assert first_line == "\t".join(frame.columns)
    assert frame.columns in (["label", "text"], ["label", "category", "text"], ["label", "category", "subtype", "text"])
    assert set(frame["label"].unique()) <= {"ham", "spam"}
    assert frame["text"].null_count() == 0 and (frame["text"].str.strip_chars() != "").all()
    assert frame["text"].n_unique() == frame.height
    assert not frame["text"].str.contains(r"[\t\r\n]").any()


def test_licences_and_attribution_kept():
    readme = (SEED_DIR / "README.md").read_text(encoding="utf-8")
    for needle in ("CC BY 4.0", "Almeida", "MIT", "Youngsook Song", "synthetic"):
        assert needle in readme
    assert (SEED_DIR / "uci_sms_spam.readme.txt").stat().st_size > 1000
    assert "MIT License" in (SEED_DIR / "ko_chatbot_ham.LICENSE").read_text(encoding="utf-8")


def test_synthetic_corpus_rows_and_labels():
    frame = read_tsv(SEED_DIR / "ko_synthetic_sms.tsv")
    assert frame.columns == ["label", "category", "subtype", "text"]
    assert frame.height == SYNTH_ROWS == 8_000
    assert set(frame["category"].unique()) == set(CATEGORIES)
    assert set(frame["subtype"].unique()) == set(SUBTYPES)
    for label, category, subtype in frame.select("label", "category", "subtype").iter_rows():
        assert SUBTYPES[subtype].category == category and CATEGORIES[category] == label
    assert (frame["label"] == "spam").mean() == SYNTH_SPAM_RATIO == 0.5


def test_data_folder_stays_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024


# ----------------------------------------------------------------------------- seed labels


def test_seed_labels_schema(seed_labels):
    assert seed_labels.schema == pl.Schema(SEED_LABEL_SCHEMA)
    assert seed_labels["message_id"].n_unique() == seed_labels.height
    assert set(seed_labels["label_source"].unique()) == {"seed"}
    assert set(seed_labels["label"].unique()) == {"ham", "spam"}
    assert set(seed_labels["corpus"].unique()) == {"uci_sms_spam", "ko_chatbot_ham", "ko_synthetic_sms"}
    assert set(seed_labels["lang"].unique()) <= {"ko", "en", "other"}


def test_every_synthetic_seed_row_marked_synthetic(seed_labels):
    synthetic = seed_labels.filter(pl.col("is_synthetic"))
    assert set(synthetic["corpus"].unique()) == {"ko_synthetic_sms"}
    assert seed_labels.filter(pl.col("corpus") == "ko_synthetic_sms")["is_synthetic"].all()
    assert synthetic["category"].null_count() == 0 and synthetic["subtype"].null_count() == 0
    assert seed_labels.filter(~pl.col("is_synthetic"))["subtype"].null_count() == seed_labels.filter(~pl.col("is_synthetic")).height
    # Normalisation merges texts that differ only in placeholders; most synthetic rows stay distinct.
    assert synthetic.height > 0.99 * SYNTH_ROWS


def test_seed_labels_use_the_text_contract(seed_labels):
    sample = seed_labels.head(300)
    again = normalize_frame(sample.select("text"), text_col="text")
    assert again["message_id"].to_list() == sample["message_id"].to_list()
    assert again["text_norm"].to_list() == sample["text_norm"].to_list()


def test_gold_holdout_rule(seed_labels):
    ids = seed_labels["message_id"].to_list()
    by_function = [is_gold_holdout(i) for i in ids]
    assert seed_labels.select(gold_holdout_expr())["message_id"].to_list() == by_function
    assert 0.08 < sum(by_function) / len(ids) < 0.12
    assert is_gold_holdout("00000000aaaaaaaa") and not is_gold_holdout("00000001aaaaaaaa")


def test_gold_v2_rule(seed_labels):
    in_v2 = seed_labels.select(gold_v2_expr())["message_id"].to_list()
    by_function = [
        is_gold_v2(m, c, l, s) for m, c, l, s in seed_labels.select("message_id", "corpus", "label", "subtype").iter_rows()
    ]
    assert in_v2 == by_function
    v2 = seed_labels.filter(gold_v2_expr())
    # v2 contains v1, every row of the held-out subtypes, about half of the real spam, a tenth of the rest.
    assert seed_labels.filter(gold_holdout_expr() & ~gold_v2_expr()).height == 0
    heldout = seed_labels.filter(pl.col("subtype").is_in(sorted(GOLD_V2_HELDOUT_SUBTYPES)))
    assert heldout.height > 500 and heldout.join(v2, on="message_id", how="anti").height == 0
    assert set(heldout["label"]) == {"spam"}  # ham subtypes stay in training; gold takes 1 in 10 of each
    real_spam = seed_labels.filter((pl.col("corpus") == "uci_sms_spam") & (pl.col("label") == "spam"))
    assert 0.42 < real_spam.join(v2, on="message_id", how="semi").height / real_spam.height < 0.58
    others = seed_labels.filter(pl.col("subtype").is_null() | ~pl.col("subtype").is_in(sorted(GOLD_V2_HELDOUT_SUBTYPES)))
    others = others.filter(~((pl.col("corpus") == "uci_sms_spam") & (pl.col("label") == "spam")))
    assert 0.08 < others.join(v2, on="message_id", how="semi").height / others.height < 0.12
    assert is_gold_v2("00000001aaaaaaaa", "ko_synthetic_sms", "spam", "gambling_holdem")
    assert not is_gold_v2("00000001aaaaaaaa", "ko_synthetic_sms", "spam", "gambling_casino")
    assert is_gold_v2("0000001faaaaaaaa", "uci_sms_spam", "spam", None)  # 31 % 100 < 45, not in v1 (31 % 10 != 0)
    assert not is_gold_v2("0000001faaaaaaaa", "uci_sms_spam", "ham", None)


# ----------------------------------------------------------------------------- raw logs


def test_raw_log_files_and_fields(reports):
    names = sorted(p.name for p in RAW_DIR.iterdir())
    assert {Path(n).suffix for n in names} == {".jsonl", ".csv", ".parquet"}
    assert all(re.fullmatch(r"reports-2026-11-\d\d\.(jsonl|csv|parquet)", n) for n in names)
    assert 2_200 <= reports.height <= 2_800
    assert reports["report_id"].n_unique() == reports.height
    assert reports.select(pl.col("report_id", "received_at", "text").null_count().sum()).row(0) == (0, 0, 0)
    assert set(reports["user_verdict"].drop_nulls().unique()) == {"spam", "ham"}
    assert 0.2 < reports["user_verdict"].is_null().mean() < 0.8
    assert {"ko-KR", "en-US"} <= set(reports["locale"].drop_nulls().unique())
    assert reports["app_version"].n_unique() >= 4


def test_raw_log_timestamps_in_one_week_seoul_time(reports):
    stamps = [datetime.fromisoformat(s) for s in reports["received_at"]]
    assert all(s.utcoffset() == timedelta(hours=9) for s in stamps)
    assert min(stamps) >= datetime(2026, 11, 16, tzinfo=SEOUL)
    assert max(stamps) < datetime(2026, 11, 23, tzinfo=SEOUL)
    for (name,), group in reports.group_by("file"):
        day = name.removeprefix("reports-")[:10]
        assert group["received_at"].str.starts_with(day).all(), name


def test_raw_logs_mix_corpora_duplicates_campaigns_and_pii(reports, seed_labels):
    texts = Counter(reports["text"])
    assert sum(count >= 2 for count in texts.values()) >= 50  # same text, several users
    joined = reports.join(seed_labels.select("text", "corpus"), on="text", how="left")
    corpora = Counter(joined["corpus"].drop_nulls())
    assert all(corpora[c] >= 300 for c in ("uci_sms_spam", "ko_chatbot_ham", "ko_synthetic_sms"))
    # Every text from the synthetic corpus, and the campaign variants, is flagged synthetic.
    assert joined.filter(pl.col("corpus") == "ko_synthetic_sms")["synthetic"].all()
    assert not joined.filter(pl.col("corpus").is_in(["uci_sms_spam", "ko_chatbot_ham"]))["synthetic"].any()
    not_in_seed = joined.filter(pl.col("corpus").is_null())
    assert not_in_seed.height > 200  # PII-injected texts and campaign variants
    normalized = normalize_frame(reports.select("text"), text_col="text")
    per_template = Counter(normalized["template_key"])
    assert sum(count >= 5 for count in per_template.values()) >= 10  # campaigns
    assert reports["text"].str.contains(r"(?:010|\+82 10)[-. ]?\d{4}[-. ]?\d{4}").sum() > 50  # every layout texts use
    assert reports["text"].str.contains(r"[a-z0-9]+@[a-z]+\.[a-z.]+").sum() > 20


def test_no_gold_holdout_message_in_raw_logs(reports, seed_labels):
    normalized = normalize_frame(reports.select("text"), text_col="text")
    assert not normalized.select(gold_holdout_expr())["message_id"].any()
    for gold in (seed_labels.filter(gold_holdout_expr()), seed_labels.filter(gold_v2_expr())):
        assert gold.height > 1000
        assert normalized.join(gold, on="message_id", how="semi").height == 0
        assert reports.join(gold, on="text", how="semi").height == 0


def test_no_message_of_a_gold_v2_subtype_in_raw_logs(reports, seed_labels):
    """Campaign variants and PII-injected copies get new ids, so check by subtype: none of gold's kinds leak."""
    heldout_texts = seed_labels.filter(pl.col("subtype").is_in(sorted(GOLD_V2_HELDOUT_SUBTYPES)))["text"]
    assert not reports["text"].is_in(heldout_texts.implode()).any()
    assert not any(any(t in text for t in heldout_texts.head(400).to_list()) for text in reports["text"].to_list()[:500])


# ----------------------------------------------------------------------------- bad logs


def test_expected_json_matches_its_declaration_and_the_files():
    expected = json.loads((BAD_DIR / "EXPECTED.json").read_text(encoding="utf-8"))
    assert expected == expected_outcomes()
    files = expected["files"]
    assert set(files) == {p.name for p in BAD_DIR.iterdir()} - {"EXPECTED.json"}
    reasons_seen = set()
    for name, spec in files.items():
        reasons_seen |= set(spec["reasons"])
        assert spec["quarantined"] == sum(spec["reasons"].values()), name
        assert spec["accepted"] + spec["duplicate"] + spec["quarantined"] == spec["physical_rows"], name
        path = BAD_DIR / name
        if name == "truncated.parquet":
            with pytest.raises(Exception):
                pq.ParquetFile(path)
            assert spec["reasons"] == {"unreadable_file": 1}
        elif path.suffix == ".parquet":
            assert pq.read_metadata(path).num_rows == spec["physical_rows"]
        elif name == OUTSIDE_LINK:
            assert path.is_symlink() and os.readlink(path) == OUTSIDE_LINK_TARGET
            assert spec["reasons"] == {"outside_source_root": 1}
        elif name == XZ_ARCHIVE:
            assert path.read_bytes().startswith(b"\xfd7zXZ\x00")
            assert spec["reasons"] == {"compressed": 1}
        else:
            raw = path.read_bytes()
            if raw.startswith(b"\x1f\x8b"):
                raw = gzip.decompress(raw)
            lines = raw.split(b"\n")
            assert lines[-1] == b""
            rows = [line for line in lines[:-1] if line.strip()]
            assert len(rows) - (path.suffix == ".csv") == spec["physical_rows"] == len(spec["lines"]), name
    # Every reason code ingest knows is exercised by at least one row.
    assert reasons_seen == set(QUARANTINE_REASONS)
    assert expected["totals"]["physical_rows"] == sum(f["physical_rows"] for f in files.values())


def _check_accepted(record: dict) -> None:
    """The row rules of docs/raw_log_schema.md that an accepted row must pass."""
    assert isinstance(record["report_id"], str) and record["report_id"]
    assert isinstance(record["text"], str) and record["text"].strip()
    assert normalize(record["text"]).strip()
    assert len(record["text"]) <= 2_000
    stamp = datetime.fromisoformat(record["received_at"].replace("Z", "+00:00"))
    assert stamp.utcoffset() is not None and stamp.year < 2030
    assert (record.get("user_verdict") or "").strip().lower() in ("", "spam", "ham")
    assert record.get("synthetic") in (None, True, False, "true", "false", "")


def test_bad_jsonl_lines_do_what_expected_says():
    expected = expected_outcomes()["files"]
    checked: Counter[str] = Counter()
    for name in ("encoding.jsonl", "fields.jsonl", "values.jsonl", "gzipped.jsonl"):
        raw_file = (BAD_DIR / name).read_bytes()
        lines = (gzip.decompress(raw_file) if raw_file.startswith(b"\x1f\x8b") else raw_file).split(b"\n")
        for line_no, outcome in expected[name]["lines"].items():
            raw = lines[int(line_no) - 1]
            checked[outcome] += 1
            if outcome == "invalid_utf8":
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
                continue
            decoded = raw.decode("utf-8").removeprefix("\ufeff")  # BOM tolerated at the start of a file
            if outcome == "malformed_json":
                with pytest.raises((json.JSONDecodeError, AssertionError)):
                    assert isinstance(json.loads(decoded), dict)
                continue
            record = json.loads(decoded)
            if outcome in (ACCEPTED, DUPLICATE_REPORT):
                _check_accepted(record)
            elif outcome == "missing_field":
                assert any(record.get(f) in (None, "") for f in ("report_id", "received_at", "text"))
            elif outcome == "wrong_type":
                assert not isinstance(record["text"], str) or not isinstance(record["received_at"], str) or not isinstance(record.get("synthetic", False), bool)
            elif outcome == "empty_text":
                assert not normalize(record["text"]).strip()
            elif outcome == "text_too_long":
                assert len(record["text"]) > 2_000 and len(raw) > 90_000
            elif outcome == "timestamp_without_timezone":
                assert datetime.fromisoformat(record["received_at"]).utcoffset() is None
            elif outcome == "bad_timestamp":
                with pytest.raises(ValueError):
                    datetime.fromisoformat(record["received_at"])
            elif outcome == "timestamp_too_old":
                assert datetime.fromisoformat(record["received_at"]) < datetime(2000, 1, 1, tzinfo=timezone.utc)
            elif outcome == "record_too_large":
                assert len(raw) > 1 << 20  # ingest.max_record_bytes
            elif outcome == "future_timestamp":
                assert datetime.fromisoformat(record["received_at"]) > datetime.now(timezone.utc) + timedelta(days=365)
            elif outcome == "unknown_verdict":
                assert record["user_verdict"].strip().lower() not in ("", "spam", "ham")
            elif outcome == "report_id_conflict":
                earlier = [json.loads(lines[i]) for i in range(int(line_no) - 1)]
                assert any(e["report_id"] == record["report_id"] and e["text"] != record["text"] for e in earlier)
            else:
                raise AssertionError(f"unchecked outcome {outcome}")
    assert checked[ACCEPTED] >= 10 and checked[DUPLICATE_REPORT] == 1
    # A BOM on the first line and NUL characters do not cost a row.
    assert (BAD_DIR / "encoding.jsonl").read_bytes().startswith(b"\xef\xbb\xbf") and expected["encoding.jsonl"]["lines"]["1"] == ACCEPTED


def test_bad_csv_lines_do_what_expected_says():
    expected = expected_outcomes()["files"]["broken-quoting.csv"]["lines"]
    csv_lines = (BAD_DIR / "broken-quoting.csv").read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([csv_lines[0]]))
    assert header == RAW_FIELDS
    for line_no, outcome in expected.items():
        line = csv_lines[int(line_no) - 1]
        if outcome == "csv_broken_quote":
            with pytest.raises(csv.Error):
                next(csv.reader([line], strict=True))
            continue
        fields = next(csv.reader([line], strict=True))
        if outcome == "csv_field_count":
            assert len(fields) != len(header)
            continue
        assert len(fields) == len(header)
        record = dict(zip(header, fields, strict=True))
        if outcome == ACCEPTED:
            _check_accepted(record)
        else:
            assert outcome == "wrong_type" and record["synthetic"] not in ("true", "false", "")
    # The unterminated quote sits in the middle, with good rows after it; one row carries a literal NUL.
    outcomes = list(expected.values())
    assert outcomes[outcomes.index("csv_broken_quote") + 1 :].count(ACCEPTED) >= 3
    nul_line = next(n for n, line in enumerate(csv_lines, start=1) if "\x00" in line)
    assert expected[str(nul_line)] == ACCEPTED


def test_accepted_bad_log_rows_are_distinct_messages():
    """So `accepted` (new messages, fresh state) equals the number of accepted rows."""
    texts = []
    for name in ("encoding.jsonl", "fields.jsonl", "values.jsonl", "gzipped.jsonl"):
        raw_file = (BAD_DIR / name).read_bytes()
        lines = (gzip.decompress(raw_file) if raw_file.startswith(b"\x1f\x8b") else raw_file).split(b"\n")
        for line_no, outcome in expected_outcomes()["files"][name]["lines"].items():
            if outcome == ACCEPTED:
                texts.append(json.loads(lines[int(line_no) - 1].decode("utf-8").removeprefix("\ufeff"))["text"])
    csv_lines = (BAD_DIR / "broken-quoting.csv").read_text(encoding="utf-8").split("\n")
    for line_no, outcome in expected_outcomes()["files"]["broken-quoting.csv"]["lines"].items():
        if outcome == ACCEPTED:
            texts.append(next(csv.reader([csv_lines[int(line_no) - 1]]))[2])
    assert len(texts) == expected_outcomes()["totals"]["accepted"]
    ids = normalize_frame(pl.DataFrame({"text": texts}), text_col="text")["message_id"]
    assert ids.n_unique() == len(texts)


@pytest.mark.slow
def test_committed_files_equal_a_fresh_build(tmp_path):
    written = build(tmp_path)
    fresh = {p.relative_to(tmp_path) for p in written}
    committed = {p.relative_to(DATA) for p in (DATA / "sample").rglob("*") if p.is_file()}
    committed.add(Path("seed") / "ko_synthetic_sms.tsv")
    assert fresh == committed
    for rel in sorted(fresh):
        if rel.suffix == ".parquet" and rel.name != "truncated.parquet":
            assert pq.read_table(tmp_path / rel).equals(pq.read_table(DATA / rel)), rel
        else:
            assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel
    assert RAW_LOG_SEED == 7  # the seed the committed sample was built with

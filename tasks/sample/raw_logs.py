"""The raw-log sample: what an app backend drops, in the format of ``docs/raw_log_schema.md``.

``build_raw_logs`` writes a week of user reports (JSONL, CSV and Parquet, one file per day) drawn from the
seed corpora; ``build_bad_logs`` writes one file per kind of damage plus ``EXPECTED.json``, the outcome
ingest must produce for each. Both are deterministic for a seed.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from models.gold_rule import GOLD_V2_HELDOUT_SUBTYPES, gold_holdout_expr, gold_v2_expr
from models.normalization import normalize_frame
from models.seed import load_seed_labels
from tasks.sample.synth_ko_v2 import SPAM, SPAM_SUBTYPE_NAMES, campaign_variants

FIELDS = ("report_id", "received_at", "text", "user_verdict", "app_version", "locale", "synthetic")
VERDICTS = ("spam", "ham")
SEOUL = timezone(timedelta(hours=9))
FIRST_DAY = datetime(2026, 11, 16, tzinfo=SEOUL)
DAYS = 7
# File format of each day's log, so the sample exercises every reader (JSONL is the common case).
DAY_FORMATS = ("jsonl", "csv", "jsonl", "parquet", "jsonl", "csv", "jsonl")

# Share of the unique texts drawn from each seed corpus (Korean first).
CORPUS_SHARES = {"ko_synthetic_sms": 0.45, "ko_chatbot_ham": 0.25, "uci_sms_spam": 0.30}
UNIQUE_TEXTS = 1_900
DUPLICATED_TEXTS = 110  # texts reported by several users ...
DUPLICATE_REPORTS = (2, 7)  # ... this many times each
CAMPAIGNS = 14
CAMPAIGN_SIZE = (5, 14)
PII_RATE = 0.07
APP_VERSIONS = ("4.10.2", "4.11.0", "4.12.0", "4.12.1", "5.0.0-beta.3")

PARQUET_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("received_at", pa.string()),
        ("text", pa.string()),
        ("user_verdict", pa.string()),
        ("app_version", pa.string()),
        ("locale", pa.string()),
        ("synthetic", pa.bool_()),
    ]
)


@dataclass
class _Source:
    text: str
    label: str
    lang: str
    synthetic: bool


def _report_id(rng: random.Random, prefix: str = "r-") -> str:
    return f"{prefix}{rng.getrandbits(64):016x}"


def _received_at(rng: random.Random) -> datetime:
    day = rng.randrange(DAYS)
    # Reports cluster in waking hours, as people report what they just read.
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 8, 9, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2])[0]
    return FIRST_DAY + timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def _verdict(rng: random.Random, label: str) -> str | None:
    """What the user said: often nothing, sometimes wrong (a spam marked not-spam and vice versa)."""
    draw = rng.random()
    if label == SPAM:
        return "spam" if draw < 0.55 else ("ham" if draw < 0.60 else None)
    return "ham" if draw < 0.12 else ("spam" if draw < 0.16 else None)


def _locale(rng: random.Random, lang: str) -> str | None:
    draw = rng.random()
    if draw < 0.03:
        return None
    if lang == "en":
        return rng.choice(["en-US", "en-US", "en-GB", "en-SG", "ko-KR"])
    return "ko-KR" if draw < 0.93 else rng.choice(["en-US", "ja-JP", "zh-CN"])


def _inject_pii(text: str, lang: str, rng: random.Random) -> str:
    """Add a phone number or an e-mail, as real texts carry (downstream scrubbing must catch it)."""
    phone = rng.choice([f"010-{rng.randrange(10000):04d}-{rng.randrange(10000):04d}", f"+82 10 {rng.randrange(10000):04d} {rng.randrange(10000):04d}", f"070{rng.randrange(10**8):08d}"])
    email = f"{''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(6))}{rng.randrange(100)}@{rng.choice(['gmail.com', 'naver.com', 'daum.net', 'yahoo.co.uk'])}"
    if lang == "en":
        extra = rng.choice([f"Call me on {phone}", f"my email {email}", f"reply to {email}", f"ring {phone}"])
    else:
        extra = rng.choice([f"연락처 {phone}", f"메일 {email} 로 보내줘", f"문의 {phone}", f"{email} 로 회신 바랍니다"])
    return f"{text} {extra}" if rng.random() < 0.7 else f"{extra} {text}"


def _sources(seeds: pl.DataFrame, rng: random.Random) -> list[_Source]:
    """Unique seed texts outside gold (v2, which contains v1), drawn per corpus share."""
    seeds = seeds.filter(~gold_v2_expr()).sort("message_id")
    picked: list[_Source] = []
    for corpus, share in CORPUS_SHARES.items():
        rows = seeds.filter(pl.col("corpus") == corpus).to_dicts()
        k = min(len(rows), round(UNIQUE_TEXTS * share))
        picked += [_Source(r["text"], r["label"], r["lang"], r["is_synthetic"]) for r in rng.sample(rows, k)]
    return picked


def _report(rng: random.Random, source: _Source, text: str | None = None) -> dict[str, Any]:
    return {
        "report_id": _report_id(rng),
        "received_at": _received_at(rng),
        "text": source.text if text is None else text,
        "user_verdict": _verdict(rng, source.label),
        "app_version": rng.choice(APP_VERSIONS) if rng.random() > 0.02 else None,
        "locale": _locale(rng, source.lang),
        "synthetic": source.synthetic,
    }


def make_reports(seed_dir: Path, seed: int) -> list[dict[str, Any]]:
    """All sample reports (``received_at`` still a datetime), gold-holdout messages removed, sorted by time."""
    rng = random.Random(seed)
    seeds = load_seed_labels(seed_dir)
    sources = _sources(seeds, rng)
    reports: list[dict[str, Any]] = []
    for source in sources:
        text = _inject_pii(source.text, source.lang, rng) if rng.random() < PII_RATE else None
        reports.append(_report(rng, source, text))
    # Same text, several users: spam gets reported far more often than ham.
    spam_sources = [s for s in sources if s.label == SPAM]
    for source in rng.sample(spam_sources, k=min(len(spam_sources), DUPLICATED_TEXTS)):
        reports += [_report(rng, source) for _ in range(rng.randint(*DUPLICATE_REPORTS))]
    # Campaigns: one wording, many phones, different numbers and links; never of a subtype gold holds out.
    campaign_subtypes = [name for name in SPAM_SUBTYPE_NAMES if name not in GOLD_V2_HELDOUT_SUBTYPES]
    for subtype in rng.sample(campaign_subtypes, k=CAMPAIGNS):
        for row in campaign_variants(subtype, rng.randint(*CAMPAIGN_SIZE), seed=seed):
            reports.append(_report(rng, _Source(row.flat_text, row.label, "ko", True)))
    # The holdout rules apply to the final text (PII and variants change the message id): drop the v1 bucket
    # and every gold v2 message.
    gold_ids = seeds.filter(gold_v2_expr())["message_id"].implode()
    frame = normalize_frame(pl.DataFrame({"text": [r["text"] for r in reports]}), text_col="text")
    keep = (~frame.select(gold_holdout_expr("message_id") | pl.col("message_id").is_in(gold_ids)).to_series()).to_list()
    kept = [report for report, ok in zip(reports, keep, strict=True) if ok]
    kept.sort(key=lambda r: (r["received_at"], r["report_id"]))
    for report in kept:
        report["received_at"] = report["received_at"].isoformat()
    return kept


def _jsonl_line(report: dict[str, Any]) -> str:
    # Optional fields are left out when empty, as a lean backend would; `synthetic` only when true.
    record = {k: report[k] for k in ("report_id", "received_at", "text")}
    for key in ("user_verdict", "app_version", "locale"):
        if report[key] is not None:
            record[key] = report[key]
    if report["synthetic"]:
        record["synthetic"] = True
    return json.dumps(record, ensure_ascii=False)


def write_jsonl(path: Path, reports: list[dict[str, Any]]) -> None:
    path.write_text("".join(_jsonl_line(r) + "\n" for r in reports), encoding="utf-8")


def write_csv(path: Path, reports: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(FIELDS)
    for r in reports:
        if "\n" in r["text"] or "\r" in r["text"]:
            raise ValueError("CSV reports must be one physical line (docs/raw_log_schema.md)")
        synthetic = "true" if r["synthetic"] else "false"
        writer.writerow([r["report_id"], r["received_at"], r["text"], r["user_verdict"] or "", r["app_version"] or "", r["locale"] or "", synthetic])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_parquet(path: Path, reports: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist([{k: r[k] for k in FIELDS} for r in reports], schema=PARQUET_SCHEMA)
    pq.write_table(table, path, compression="zstd")


def build_raw_logs(seed_dir: Path, out_dir: Path, seed: int) -> list[Path]:
    """Write the week of sample reports to ``out_dir/reports-YYYY-MM-DD.<jsonl|csv|parquet>``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = make_reports(Path(seed_dir), seed)
    written = []
    for day, fmt in enumerate(DAY_FORMATS):
        date = (FIRST_DAY + timedelta(days=day)).date().isoformat()
        day_reports = [r for r in reports if r["received_at"].startswith(date)]
        path = out_dir / f"reports-{date}.{fmt}"
        {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}[fmt](path, day_reports)
        written.append(path)
    return written

"""Load benchmark: a week of report logs at the scale of 50k users through ingest and champion scoring.

    nice -n 10 python -m bench.load                      # 3,500,000 rows (50k users x 10 reports a day x 7 days)
    python -m bench.load --rows 200000 --keep            # smaller; keep the generated logs and state

1. Generates the logs streamed to disk, one day at a time: a Parquet file (morning) and a JSONL file
   (afternoon) per day, written in chunks of ``--chunk-rows``, never the whole week in memory. Texts come
   from the campaign templates of ``bench.ingest`` with skewed popularity (~8 reports per distinct text),
   and 0.5% of rows are damaged (bad JSON, bad timestamps, wrong types, empty texts).
2. Ingests them with ``run_ingest`` in a fresh process (peak RSS sampled every 20 ms).
3. Scores every snapshot message with a champion-like model (the TF-IDF baseline fitted on the seed labels)
   in a fresh process, reading the snapshot parts in batches and writing scores as it goes, then folds the
   scores onto the week's reports, also in batches.

Prints one table: rows, seconds, rows/s and peak RSS per phase, and whether every row was reconciled
(read = accepted + duplicate + quarantined = rows generated).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from bench.ingest import _BAD_JSONL, PeakRss, _message_pool, _rss_kib

SEOUL = timezone(timedelta(hours=9))
WEEK_START = datetime(2026, 11, 16, tzinfo=SEOUL)
DAYS = 7
BAD_EVERY = 200  # 0.5% damaged rows
PARQUET_BAD = [("yesterday", None), (None, ""), ("2026-11-20T09:00:00", None)]  # (received_at, text) overrides


def _chunks(total: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(size, total - start)) for start in range(0, total, size)]


def generate_week(rows: int, users: int, folder: Path, chunk_rows: int = 50_000, seed: int = 13) -> dict[str, int]:
    """Write ``rows`` reports over 7 days into ``folder`` (Parquet + JSONL per day), chunk by chunk."""
    import orjson
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = _message_pool(min(max(1_000, rows // 8), 400_000), rng)
    weights = 1.0 / (np.arange(len(pool)) + 1.0) ** 0.8
    weights /= weights.sum()
    np_rng = np.random.default_rng(seed)
    verdicts = np.array(["spam", "spam", "ham", ""])
    schema = pa.schema([(name, pa.string()) for name in ("report_id", "received_at", "text", "user_verdict", "app_version", "locale")])
    per_day = [rows // DAYS + (1 if day < rows % DAYS else 0) for day in range(DAYS)]
    written = bad = files = 0
    for day, day_rows in enumerate(per_day):
        halves = [day_rows // 2, day_rows - day_rows // 2]
        for half, half_rows in enumerate(halves):
            if half_rows == 0:
                continue
            is_parquet = half == 0
            path = folder / f"{WEEK_START + timedelta(days=day):%Y-%m-%d}-{'am.parquet' if is_parquet else 'pm.jsonl'}"
            writer = pq.ParquetWriter(path, schema, compression="zstd") if is_parquet else None
            handle = None if is_parquet else path.open("wb")
            try:
                for start, count in _chunks(half_rows, chunk_rows):
                    index = written + start + np.arange(count)
                    picks = np_rng.choice(len(pool), size=count, p=weights)
                    seconds = half * 43_200 + np_rng.integers(0, 43_200, size=count)
                    user_ids = np_rng.integers(0, users, size=count)
                    day_start = WEEK_START + timedelta(days=day)
                    stamps = [(day_start + timedelta(seconds=int(s))).isoformat() for s in seconds]
                    texts = [pool[i] for i in picks]
                    report_ids = [f"u{u:06d}-{i:09d}" for u, i in zip(user_ids, index)]
                    verdict = verdicts[index % 4].tolist()
                    damaged = np.flatnonzero(index % BAD_EVERY == BAD_EVERY - 1)
                    bad += len(damaged)
                    if is_parquet:
                        for k in damaged:
                            stamp, text = PARQUET_BAD[int(index[k]) % len(PARQUET_BAD)]
                            stamps[k] = stamp if stamp is not None else stamps[k]
                            texts[k] = text if text is not None else texts[k]
                        table = pa.table(
                            [report_ids, stamps, texts, verdict, ["5.0.1"] * count, ["ko-KR"] * count], schema=schema
                        )
                        writer.write_table(table)
                    else:
                        damaged_set = set(damaged.tolist())
                        lines = []
                        for k in range(count):
                            if k in damaged_set:
                                lines.append(_BAD_JSONL[int(index[k]) % len(_BAD_JSONL)])
                                continue
                            lines.append(
                                orjson.dumps(
                                    {"report_id": report_ids[k], "received_at": stamps[k], "text": texts[k],
                                     "user_verdict": verdict[k], "app_version": "5.0.1", "locale": "ko-KR"}
                                )
                            )
                        handle.write(b"\n".join(lines) + b"\n")
            finally:
                if writer is not None:
                    writer.close()
                if handle is not None:
                    handle.close()
            files += 1
            written += half_rows
    return {"rows": written, "files": files, "bad_rows": bad, "distinct_texts": len(set(pool)), "users": users}


# --- children (fresh processes, so each phase's peak RSS is its own) ----------------------------------------


def ingest_child(log_dir: Path, state_dir: Path, batch_rows: int | None) -> dict[str, Any]:
    from bench.ingest import run_child

    return run_child(log_dir, state_dir, batch_rows, None)


def score_child(state_dir: Path, batch_rows: int, fit_rows: int) -> dict[str, Any]:
    """Fit the champion-like baseline, then score the snapshot messages and fold scores onto the reports, in batches."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    from models.seed import load_seed_labels
    from spamloop.config import load_config
    from tasks.ingest.snapshot import read_manifest
    from tasks.train.baseline import baseline_spam_proba, fit_baseline

    config = load_config(state_dir=state_dir)
    manifest = read_manifest(config)
    started = time.perf_counter()
    seed = load_seed_labels(Path(__file__).resolve().parents[1] / "data" / "seed")
    seed = seed.sample(n=min(fit_rows, seed.height), seed=13)
    model = fit_baseline(seed["text_model"].to_list(), (seed["label"] == "spam").to_list())
    fit_s = time.perf_counter() - started
    baseline = _rss_kib()

    scores_path = state_dir / "champion_scores.parquet"
    score_schema = pa.schema([("message_id", pa.string()), ("spam_probability", pa.float64())])
    scored = flagged_messages = 0
    started = time.perf_counter()
    with PeakRss() as rss:
        with pq.ParquetWriter(scores_path, score_schema, compression="zstd") as writer:
            for part in manifest.parts:
                for batch in pq.ParquetFile(state_dir / part.path).iter_batches(batch_size=batch_rows, columns=["message_id", "text_model"]):
                    frame = pl.DataFrame(pl.from_arrow(batch))
                    probability = baseline_spam_proba(model, frame["text_model"].to_list())
                    writer.write_table(pa.table([frame["message_id"].to_arrow(), pa.array(probability)], schema=score_schema))
                    scored += frame.height
                    flagged_messages += int((probability >= 0.5).sum())
        score_s = time.perf_counter() - started
        # The week's reports get their message's score: one batch of reports at a time against the score table.
        scores = pl.read_parquet(scores_path)
        reports = flagged_reports = 0
        for part in manifest.report_parts:
            for batch in pq.ParquetFile(state_dir / part.path).iter_batches(batch_size=batch_rows, columns=["message_id"]):
                joined = pl.DataFrame(pl.from_arrow(batch)).join(scores, on="message_id", how="left")
                if joined["spam_probability"].null_count():
                    raise RuntimeError("a report's message has no score")
                reports += joined.height
                flagged_reports += int((joined["spam_probability"] >= 0.5).sum())
    fold_s = time.perf_counter() - started - score_s
    return {
        "messages": scored,
        "reports": reports,
        "flagged_messages": flagged_messages,
        "flagged_reports": flagged_reports,
        "fit_s": fit_s,
        "score_s": score_s,
        "fold_s": fold_s,
        "messages_per_s": scored / score_s if score_s else 0.0,
        "reports_per_s": reports / fold_s if fold_s else 0.0,
        "baseline_mib": baseline / 1024,
        "peak_mib": rss.peak_kib / 1024,
        "peak_above_baseline_mib": (rss.peak_kib - baseline) / 1024,
    }


def _child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.load", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {args[0]} failed: {done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_load(
    rows: int, users: int, work: Path, chunk_rows: int = 50_000, batch_rows: int | None = None, score_batch: int = 50_000,
    fit_rows: int = 6_000,
) -> dict[str, Any]:
    """Generate, ingest (child), score (child); every figure in one dict."""
    started = time.perf_counter()
    generated = generate_week(rows, users, work / "logs", chunk_rows)
    generate_s = time.perf_counter() - started
    ingest_args = ["--child-ingest", str(work / "logs"), str(work / "state")]
    if batch_rows:
        ingest_args += ["--batch-rows", str(batch_rows)]
    ingest = _child(ingest_args)
    score = _child(["--child-score", str(work / "state"), "--score-batch", str(score_batch), "--fit-rows", str(fit_rows)])
    reconciled = generated["rows"] == ingest["read"] == ingest["accepted"] + ingest["duplicate"] + ingest["quarantined"]
    reconciled = reconciled and score["reports"] == ingest["accepted"] + ingest["duplicate"]
    return {"generated": generated, "generate_s": generate_s, "ingest": ingest, "score": score, "reconciled": reconciled}


def print_table(figures: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    generated, ingest, score = figures["generated"], figures["ingest"], figures["score"]
    table = Table(title=f"load: {generated['rows']:,} reports, {generated['users']:,} users, 7 days, {generated['files']} files")
    for column in ("phase", "rows", "seconds", "rows/s", "peak RSS MiB", "peak - baseline MiB", "notes"):
        table.add_column(column, justify="left" if column in ("phase", "notes") else "right")
    table.add_row("generate (streamed)", f"{generated['rows']:,}", f"{figures['generate_s']:.1f}",
                  f"{generated['rows'] / figures['generate_s']:,.0f}", "", "",
                  f"{generated['distinct_texts']:,} distinct texts, {generated['bad_rows']:,} damaged rows")
    table.add_row("ingest", f"{ingest['read']:,}", f"{ingest['seconds']:.1f}", f"{ingest['rows_per_s']:,.0f}",
                  f"{ingest['peak_mib']:.0f}", f"{ingest['peak_above_baseline_mib']:.0f}",
                  f"accepted {ingest['accepted']:,} / duplicate {ingest['duplicate']:,} / quarantined {ingest['quarantined']:,}")
    table.add_row("champion scoring (messages)", f"{score['messages']:,}", f"{score['score_s']:.1f}",
                  f"{score['messages_per_s']:,.0f}", f"{score['peak_mib']:.0f}", f"{score['peak_above_baseline_mib']:.0f}",
                  f"TF-IDF baseline, fit {score['fit_s']:.1f} s; {score['flagged_messages']:,} flagged")
    table.add_row("scores onto reports", f"{score['reports']:,}", f"{score['fold_s']:.1f}", f"{score['reports_per_s']:,.0f}",
                  "(in scoring)", "", f"{score['flagged_reports']:,} reports flagged spam")
    Console(width=200).print(table)
    print(f"reconciled (generated = read = accepted + duplicate + quarantined; every report scored): {figures['reconciled']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_500_000, help="reports in the week (default 3,500,000)")
    parser.add_argument("--users", type=int, default=50_000, help="distinct reporting users (sets report ids)")
    parser.add_argument("--chunk-rows", type=int, default=50_000, help="rows generated and written per chunk")
    parser.add_argument("--batch-rows", type=int, default=None, help="override ingest.batch_rows")
    parser.add_argument("--score-batch", type=int, default=50_000, help="messages scored per batch")
    parser.add_argument("--fit-rows", type=int, default=6_000, help="seed rows the champion-like baseline is fitted on")
    parser.add_argument("--keep", action="store_true", help="keep the generated logs and state folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON after the table")
    parser.add_argument("--child-ingest", nargs=2, metavar=("LOG_DIR", "STATE_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--child-score", metavar="STATE_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_ingest:
        print(json.dumps(ingest_child(Path(args.child_ingest[0]), Path(args.child_ingest[1]), args.batch_rows)))
        return 0
    if args.child_score:
        print(json.dumps(score_child(Path(args.child_score), args.score_batch, args.fit_rows)))
        return 0

    work = Path(tempfile.mkdtemp(prefix=f"bench-load-{args.rows}-"))
    try:
        figures = run_load(args.rows, args.users, work, args.chunk_rows, args.batch_rows, args.score_batch, args.fit_rows)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    print_table(figures)
    if args.json:
        print(json.dumps(figures))
    return 0 if figures["reconciled"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

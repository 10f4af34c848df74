"""Bench: what labelling 1,000 new messages costs, batched + campaign-deduplicated + cached vs naive.

Runs the real pipeline (official SDKs) against the local LLM server of tests/support, on messages made
by the real ingest path from the bundled sample report logs (campaign duplicates included):

    .venv/bin/python -m bench.labeling                  # ours measured, naive estimated (same token counter)
    .venv/bin/python -m bench.labeling --measure-naive  # also send the naive 3 x 1,000 requests
    .venv/bin/python -m bench.labeling --json out.json

"naive" = one message per request, every message (no campaign propagation), to each of 3 providers.
The server computes usage from the request text, so the numbers are tokens as sent, not API prices.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from spamloop.config import load_config
from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import LabelingResult, run_labeling
from tasks.label.tokens import token_counter_name
from tests.support.llm_server import LLMServer

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOGS = REPO_ROOT / "data" / "sample" / "raw_logs"


def sample_messages(state_dir: Path, n: int) -> pl.DataFrame:
    """The first ``n`` messages (by first_seen_at) of a snapshot ingested from the bundled sample logs."""
    from tasks.ingest.pipeline import run_ingest
    from tasks.ingest.snapshot import load_snapshot

    # Ingest a copy: the sample folder may be rebuilt while the bench runs.
    logs = state_dir / "raw_logs"
    shutil.copytree(SAMPLE_LOGS, logs)
    config = load_config(state_dir=state_dir, ingest={"source": str(logs)})
    run_ingest(config)
    return load_snapshot(config).sort(["first_seen_at", "message_id"]).head(n)


def _row(name: str, result: LabelingResult, scale: float, seconds: float | None) -> dict[str, object]:
    return {
        "approach": name,
        "requests": round(result.requests * scale),
        "input_tokens": round(result.input_tokens * scale),
        "output_tokens": round(result.output_tokens * scale),
        "cost_usd": round(result.cost_usd * scale, 4),
        "seconds": None if seconds is None else round(seconds, 1),
    }


def run_bench(n_messages: int, batch_size: int, measure_naive: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-labeling-") as tmp, LLMServer() as server:
        tmp_path = Path(tmp)
        messages = sample_messages(tmp_path / "ingest", n_messages)
        n = messages.height
        scale = 1000 / n
        campaigns = messages["campaign_id"].n_unique()
        ours_config = LabelConfig(
            providers=server.provider_configs(max_concurrency=4), batch_size=batch_size, budget_usd=None
        )
        config = load_config(state_dir=tmp_path / "ours")
        started = time.monotonic()
        ours = run_labeling(config, messages, label_config=ours_config, include_seed=False)
        ours_seconds = time.monotonic() - started
        server_requests = len(server.requests_for())
        rerun = run_labeling(config, messages, label_config=ours_config, include_seed=False)
        rerun_requests = len(server.requests_for()) - server_requests

        naive_config = LabelConfig(
            providers=server.provider_configs(max_concurrency=4),
            batch_size=1,
            propagate_campaigns=False,
            budget_usd=None,
        )
        naive_state = load_config(state_dir=tmp_path / "naive")
        started = time.monotonic()
        naive = run_labeling(
            naive_state, messages, label_config=naive_config, include_seed=False, dry_run=not measure_naive
        )
        naive_seconds = time.monotonic() - started if measure_naive else None

    rows = [
        _row("ours (K=%d, campaign reps, cache)" % batch_size, ours, scale, ours_seconds),
        _row("ours, re-run", rerun, scale, None),
        _row("naive (1 msg/request x 3)" + ("" if measure_naive else ", estimated"), naive, scale, naive_seconds),
    ]
    return {
        "messages": n,
        "campaigns": campaigns,
        "labelled_reps": ours.selected,
        "propagated": ours.propagated,
        "decided": ours.decided,
        "review_queued": ours.review_queued,
        "abstentions": ours.abstentions,
        "server_requests_ours": server_requests,
        "server_requests_rerun": rerun_requests,
        "token_counter": token_counter_name(),
        "rows_per_1000_messages": rows,
        "input_token_ratio_naive_over_ours": round(naive.input_tokens / max(ours.input_tokens, 1), 1),
        "request_ratio_naive_over_ours": round(naive.requests / max(ours.requests, 1), 1),
    }


def print_report(report: dict[str, object], console: Console) -> None:
    table = Table(title=f"Labelling cost per 1,000 new messages ({report['messages']} measured, local server)")
    for column in ("approach", "requests", "input_tokens", "output_tokens", "cost_usd", "seconds"):
        table.add_column(column, justify="left" if column == "approach" else "right", no_wrap=True)
    for row in report["rows_per_1000_messages"]:  # type: ignore[union-attr]
        table.add_row(*[("" if row[c] is None else f"{row[c]:,}" if isinstance(row[c], int) else str(row[c]))
                        for c in ("approach", "requests", "input_tokens", "output_tokens", "cost_usd", "seconds")])
    console.print(table)
    console.print(
        f"{report['messages']} messages in {report['campaigns']} campaigns: {report['labelled_reps']} sent, "
        f"{report['propagated']} propagated, {report['review_queued']} to review; "
        f"naive/ours input tokens = {report['input_token_ratio_naive_over_ours']}x, "
        f"requests = {report['request_ratio_naive_over_ours']}x; re-run requests = {report['server_requests_rerun']} "
        f"(token counter: {report['token_counter']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="New messages to label (default 1000).")
    parser.add_argument("--batch-size", type=int, default=40, help="Messages per request (default 40).")
    parser.add_argument("--measure-naive", action="store_true", help="Send the naive requests too (slow).")
    parser.add_argument("--json", type=Path, help="Also write the report as JSON here.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = run_bench(args.messages, args.batch_size, args.measure_naive)
    print_report(report, Console(width=max(Console().width, 110)))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

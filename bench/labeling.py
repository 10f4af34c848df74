"""Bench: what labelling 1,000 new messages costs, lever by lever, against naive labelling, at measured accuracy.

Runs the real pipeline (official SDKs) against the local wire-format server acting as three simulated providers
that know each message's true label (tasks/replay/llm_server.py; accuracies 0.93/0.92/0.95, correlated errors,
abstentions, failures, list prices), on one week of replay traffic (tasks/replay/weeks.py: established and new
spam campaigns, ham, with the truth) put through the real ingest:

    .venv/bin/python -m bench.labeling                  # levers measured, naive estimated (same token counter)
    .venv/bin/python -m bench.labeling --measure-naive  # also send the naive 3 x N requests
    .venv/bin/python -m bench.labeling --json out.json

Rows: naive (1 message per request, every message, 3 providers, full answers); batched K=40 with campaign
propagation and the cache (full answers, every provider on every message); + routing (anthropic asked only where
openai and gemini disagree: with full answers, the config's default); + compact answers; + compact + routing.
The cascade needs a champion and is measured by bench/replay.py.
Label accuracy is over the messages each approach decided (not sent to review), against the generator's truth.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from models.llm_tokens import token_counter_name
from spamloop.config import load_config
from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import run_labeling
from tasks.label.plan import LabelingResult
from tasks.label.store import final_labels
from tasks.replay.llm_server import LLMServer, Simulation, default_sim_providers
from tasks.replay.metrics import llm_texts, policy_category
from tasks.replay.weeks import plan_drift, read_truth, write_weeks

WEEK = 2  # the first week with a new spam subtype


def week_messages(work: Path, n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The first ``n`` messages of one replay week after the real ingest, and ``message_id, truth, category``."""
    from tasks.ingest.pipeline import run_ingest
    from tasks.ingest.snapshot import load_snapshot

    logs = work / "logs"
    write_weeks(plan_drift(WEEK, seed=seed), logs)
    folder = logs / f"week-{WEEK:02d}"
    config = load_config(state_dir=work / "ingest", ingest={"source": str(folder)})
    run_ingest(config)
    messages = load_snapshot(config).sort(["first_seen_at", "message_id"]).head(n)
    raw = read_truth(folder)
    ids = llm_texts(raw["text"].to_list(), 600)
    truth = pl.concat([raw, ids], how="horizontal").unique(subset="message_id", keep="first")
    return messages, truth


def _accuracy(config, truth: pl.DataFrame, ids: list[str]) -> tuple[float, int]:  # noqa: ANN001
    labels = final_labels(config, include_seed=False).filter(pl.col("message_id").is_in(ids))
    joined = labels.join(truth.select("message_id", pl.col("label").alias("truth")), on="message_id")
    return (float((joined["label"] == joined["truth"]).mean()) if joined.height else 0.0), joined.height


def _row(name: str, result: LabelingResult, scale: float, seconds: float | None, accuracy: tuple[float, int] | None) -> dict:
    return {
        "approach": name,
        "requests": round(result.requests * scale),
        "input_tokens": round(result.input_tokens * scale),
        "output_tokens": round(result.output_tokens * scale),
        "cost_usd": round(result.cost_usd * scale, 4),
        "label_accuracy": None if accuracy is None else round(accuracy[0], 4),
        "decided": None if accuracy is None else accuracy[1],
        "seconds": None if seconds is None else round(seconds, 1),
    }


def run_bench(n_messages: int, batch_size: int, measure_naive: bool, seed: int = 7) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-labeling-") as tmp:
        tmp_path = Path(tmp)
        messages, truth = week_messages(tmp_path, n_messages, seed)
        simulation = Simulation(default_sim_providers(), correlation=0.5, seed=seed)
        for text, label, subtype in truth.select("llm_text", "label", "subtype").iter_rows():
            simulation.add_truth(text, label, policy_category(label, subtype))
        ids = messages["message_id"].to_list()
        n = messages.height
        scale = 1000 / n
        rows = []
        with LLMServer(simulation) as server:
            providers = server.provider_configs(max_concurrency=4)
            # Every row names its routing: the config's default routes (anthropic breaks ties).
            common = {"providers": providers, "batch_size": batch_size, "budget_usd": None, "backoff_base_s": 0.05,
                      "tiebreak_providers": []}
            routed = {"tiebreak_providers": ["anthropic"]}
            levers = [
                ("batched K=%d, campaigns, cache, full answers" % batch_size, {}),
                ("+ routing (anthropic breaks ties), full answers: the default", routed),
                ("+ compact answers", {"answer_format": "compact"}),
                ("+ compact + routing (anthropic breaks ties)", {"answer_format": "compact", **routed}),
            ]
            results = {}
            for index, (name, update) in enumerate(levers):
                config = load_config(state_dir=tmp_path / f"lever-{index}")
                started = time.monotonic()
                result = run_labeling(config, messages, label_config=LabelConfig(**{**common, **update}), include_seed=False)
                rows.append(_row(name, result, scale, time.monotonic() - started, _accuracy(config, truth, ids)))
                results[name] = result
            first = levers[0][0]
            before = len(server.requests_for())
            rerun = run_labeling(
                load_config(state_dir=tmp_path / "lever-0"), messages, label_config=LabelConfig(**common), include_seed=False
            )
            rerun_requests = len(server.requests_for()) - before
            rows.insert(1, _row("batched, re-run (cache)", rerun, scale, None, None))
            naive_config = LabelConfig(
                providers=providers, tiebreak_providers=[], batch_size=1, propagate_campaigns=False, budget_usd=None
            )
            naive_state = load_config(state_dir=tmp_path / "naive")
            started = time.monotonic()
            naive = run_labeling(naive_state, messages, label_config=naive_config, include_seed=False, dry_run=not measure_naive)
            naive_seconds = time.monotonic() - started if measure_naive else None
            naive_accuracy = _accuracy(naive_state, truth, ids) if measure_naive else None
            rows.insert(0, _row("naive: 1 msg/request x 3, full" + ("" if measure_naive else " (estimated)"), naive, scale, naive_seconds, naive_accuracy))
    best = results[levers[-1][0]]
    return {
        "messages": n,
        "campaigns": messages["campaign_id"].n_unique(),
        "token_counter": token_counter_name(),
        "rerun_requests": rerun_requests,
        "unknown_texts": simulation.unknown,
        "rows_per_1000_messages": rows,
        "ratios_naive_over": {
            name: {
                "input_tokens": round(naive.input_tokens / max(r.input_tokens, 1), 1),
                "cost_usd": round(naive.cost_usd / max(r.cost_usd, 1e-12), 1),
            }
            for name, r in results.items()
        },
        "best": levers[-1][0] if best else first,
    }


def print_report(report: dict[str, object], console: Console) -> None:
    columns = ("approach", "requests", "input_tokens", "output_tokens", "cost_usd", "label_accuracy", "decided", "seconds")
    table = Table(title=f"Labelling cost per 1,000 new messages ({report['messages']} measured, simulated providers)")
    for column in columns:
        table.add_column(column, justify="left" if column == "approach" else "right", no_wrap=True)
    for row in report["rows_per_1000_messages"]:  # type: ignore[union-attr]
        table.add_row(*[("–" if row[c] is None else f"{row[c]:,}" if isinstance(row[c], int) else str(row[c])) for c in columns])
    console.print(table)
    for name, ratio in report["ratios_naive_over"].items():  # type: ignore[union-attr]
        console.print(f"naive / ({name}): input tokens {ratio['input_tokens']}x, cost {ratio['cost_usd']}x")
    console.print(
        f"{report['messages']} messages in {report['campaigns']} campaigns; re-run requests = {report['rerun_requests']}; "
        f"texts the providers did not know: {report['unknown_texts']} (token counter: {report['token_counter']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="New messages to label (default 1000).")
    parser.add_argument("--batch-size", type=int, default=40, help="Messages per request (default 40).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure-naive", action="store_true", help="Send the naive requests too (slow).")
    parser.add_argument("--json", type=Path, help="Also write the report as JSON here.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = run_bench(args.messages, args.batch_size, args.measure_naive, args.seed)
    print_report(report, Console(width=max(Console().width, 130)))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Bench: the loop replay, N weeks of drifting reports through the real weekly retrain (docs/replay.md).

    .venv/bin/python -m bench.replay [--weeks 4] [--seed 7] [--epochs 1] [--no-cascade] [--no-routing]
        [--answer-format full|compact] [--accuracy 0.93,0.92,0.95] [--state-dir DIR] [--markdown out.md] [--json out.json]

Prints the week-by-week table (recall on new campaigns before/after each retrain, ham FPR, LLM requests, tokens,
USD, KRW/month at 50k users, label accuracy, review queue, failed gates, wall time), the label accuracy of each
simulated provider against majority vote and Dawid-Skene, time to block per new campaign, and the plot's path.
Same as `spamloop replay`, with a temporary state folder by default.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--epochs", type=float, default=1.0, help="train.epochs per week (default 1: a 4-week replay in 15 minutes on 2 cores)")
    parser.add_argument("--preset", default=None)
    parser.add_argument("--accuracy", default="0.93,0.92,0.95", help="openai,gemini,anthropic")
    parser.add_argument("--correlation", type=float, default=0.5)
    parser.add_argument("--no-cascade", action="store_true")
    parser.add_argument("--no-routing", action="store_true")
    parser.add_argument("--answer-format", default="compact", choices=("compact", "full"))
    parser.add_argument("--budget", type=float, default=5.0)
    parser.add_argument("--new-subtypes", default=None, help="comma-separated, for weeks 2, 3, ...")
    parser.add_argument("--logs", type=Path, default=None)
    parser.add_argument(
        "--gates-off", action="store_true",
        help="switch every promotion gate off (loop mechanics with a quick model that cannot pass them; the table says so)",
    )
    parser.add_argument("--seed-rows", type=int, default=None, help="keep the first N rows of each seed corpus (quick runs)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--state-dir", type=Path, default=None, help="default: a temporary folder, deleted afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state folder")
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    state_dir = (args.state_dir or Path(tempfile.mkdtemp(prefix="spamloop-replay-")) / "state").resolve()
    os.environ["PREFECT_HOME"] = str(state_dir / "prefect")
    os.environ.pop("PREFECT_API_URL", None)
    for name, value in (("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"), ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                        ("MLFLOW_DISABLE_TELEMETRY", "true"), ("HF_HUB_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(name, value)
    logging.basicConfig(level=logging.WARNING)

    # Before Prefect is imported: the embedded API's home in this state folder, and its server dies with us.
    from spamloop.config import load_config
    from spamloop.runtime import prepare_runtime

    prepare_runtime(load_config(state_dir=state_dir))

    from rich.console import Console

    from flows.replay import ReplayOptions, run_replay, save_json
    from spamloop.overrides import parse_overrides
    from tasks.replay.report import markdown, print_table

    console = Console(width=max(Console().width, 200))
    overrides = parse_overrides(args.overrides)
    if args.gates_off:
        from flows.replay import GATES_OFF

        overrides.setdefault("evaluate", {}).update(GATES_OFF)
    options = ReplayOptions(
        weeks=args.weeks, seed=args.seed, logs=args.logs, epochs=args.epochs, preset=args.preset,
        accuracies=tuple(float(v) for v in args.accuracy.split(",")), correlation=args.correlation,
        cascade=not args.no_cascade, routing=not args.no_routing, answer_format=args.answer_format, budget_usd=args.budget,
        new_subtypes=args.new_subtypes.split(",") if args.new_subtypes else None, overrides=overrides,
        seed_rows=args.seed_rows,
    )
    try:
        report = run_replay(options, state_dir, console=console)
        print_table(report, console)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
        console.print(f"{os.cpu_count()} CPU(s); wall {report.wall_s:.0f} s; CPU time {cpu:.0f} s (this process and children)")
        if args.markdown:
            args.markdown.write_text(markdown(report), encoding="utf-8")
        if args.json:
            save_json(report, args.json)
        return 1 if any(row.error for row in report.rows) else 0
    finally:
        if args.state_dir is None and not args.keep:
            shutil.rmtree(state_dir.parent, ignore_errors=True)
        else:
            print(f"state folder: {state_dir}")


if __name__ == "__main__":
    raise SystemExit(main())

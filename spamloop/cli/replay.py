"""`spamloop replay`: N weeks of drifting reports through the real weekly retrain, with simulated LLM providers.

Mounted by ``spamloop.cli`` (spamloop/cli/__init__.py) with ``register(app)``. docs/replay.md explains the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``replay`` command to the main CLI."""
    app.command("replay")(replay)


def replay(
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Weekly retrains to run; new spam subtypes appear from week 2.")] = 4,
    state_dir: Annotated[Path, typer.Option("--state-dir", help="Fresh state folder of the replay (must be empty).")] = Path(
        ".spamloop-replay"
    ),
    logs: Annotated[
        Path | None, typer.Option(help="Replay your weekly folders (week-01/, ...); a 'label' field is the truth.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the drift plan, the logs and the providers' errors.")] = 7,
    accuracy: Annotated[
        str, typer.Option(help="Accuracies of the simulated openai,gemini,anthropic providers.")
    ] = "0.93,0.92,0.95",
    correlation: Annotated[float, typer.Option(min=0.0, max=0.99, help="How much the providers' errors coincide (0..0.99).")] = 0.5,
    cascade: Annotated[bool, typer.Option(help="Champion-confident messages skip the LLMs.")] = True,
    routing: Annotated[bool, typer.Option(help="Ask anthropic only where openai and gemini disagree.")] = True,
    answer_format: Annotated[str, typer.Option(help="LLM answers: compact or full.")] = "compact",
    budget: Annotated[float | None, typer.Option(help="LLM budget per weekly run in USD.")] = 5.0,
    epochs: Annotated[float | None, typer.Option(help="Training epochs per week (the table says so).")] = 1.0,
    preset: Annotated[str | None, typer.Option(help="Encoder preset override (tiny, mini).")] = None,
    new_subtypes: Annotated[
        str | None, typer.Option(help="Comma-separated spam subtypes for weeks 2, 3, ... (default: drawn by seed).")
    ] = None,
    report_md: Annotated[Path | None, typer.Option("--markdown", help="Also write the table as Markdown here.")] = None,
) -> None:
    """Replay weeks of drifting traffic through ingest -> label -> train -> export -> evaluate -> publish.

    Prints, per week: recall on the week's new campaigns before and after the retrain, ham FPR, LLM requests,
    tokens and cost (and KRW/month at 50k users), label accuracy, the review queue, which gates failed.
    """
    from tasks.replay.report import markdown, print_table

    try:
        values = tuple(float(v) for v in accuracy.split(","))
    except ValueError:
        raise typer.BadParameter("three numbers, e.g. 0.93,0.92,0.95", param_hint="--accuracy") from None
    if len(values) != 3 or not all(0.5 <= v <= 1.0 for v in values):
        raise typer.BadParameter("three accuracies between 0.5 and 1", param_hint="--accuracy")
    # Typer has checked the options the replay's own model checks (weeks, correlation), so nothing is refused after
    # this point for bad input. Prefect reads its settings once, so the runtime comes before any flows import.
    from spamloop.config import load_config
    from spamloop.runtime import prepare_runtime

    prepare_runtime(load_config(state_dir=state_dir.resolve()))
    from flows.replay import ReplayOptions, run_replay

    options = ReplayOptions(
        weeks=weeks, seed=seed, logs=logs, accuracies=values, correlation=correlation, cascade=cascade, routing=routing,
        answer_format=answer_format, budget_usd=budget, epochs=epochs, preset=preset,
        new_subtypes=[s.strip() for s in new_subtypes.split(",")] if new_subtypes else None,
    )
    report = run_replay(options, state_dir, console=console)
    print_table(report, console)
    if report_md is not None:
        report_md.write_text(markdown(report), encoding="utf-8")
        console.print(f"wrote {report_md}")
    if any(row.error for row in report.rows):
        raise typer.Exit(1)

"""`spamloop ingest`, `train`, `retrain`: run a stage's flow (or the weekly retrain) once, locally.

Mounted by spamloop/cli/__init__.py with ``register(app)``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from spamloop.cli.common import SetOption, StateDirOption, VerboseOption, build_config, log_line, quiet_run
from spamloop.progress import stage_finished, stage_started

# Exit codes of `spamloop retrain` when the run worked but published nothing (docs/operations.md).
# 1 stays "error or refused command", 2 is click's usage error.
EXIT_BLOCKED = 3
EXIT_AWAITING_REVIEW = 4

SourceOption = Annotated[str | None, typer.Option(help="Folder or s3://bucket/prefix of report logs.")]


def register(app: typer.Typer) -> None:
    """Add the ``ingest``, ``train`` and ``retrain`` commands to the main CLI."""
    app.command()(ingest)
    app.command()(train)
    app.command()(retrain)


def ingest(
    source: SourceOption = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the ingest flow: validate, normalise, dedupe, scrub PII, write a snapshot."""
    config = build_config(overrides, state_dir, ingest__source=source)
    with quiet_run(config, "ingest", verbose) as (run_log, out):
        from flows.ingest import ingest as ingest_flow

        stage_started("ingest")
        result = ingest_flow(config=config)
        stage_finished("ingest", "completed", f"snapshot {result.snapshot_id}")
        out.print(
            f"snapshot {result.snapshot_id}: read {result.read} = accepted {result.accepted} "
            f"+ duplicate {result.duplicate} + quarantined {result.quarantined}"
        )
        log_line(run_log, out)


def train(overrides: SetOption = None, state_dir: StateDirOption = None, verbose: VerboseOption = False) -> None:
    """Run the train flow: encoder + TF-IDF baseline on the latest labels, tracked in MLflow."""
    config = build_config(overrides, state_dir)
    with quiet_run(config, "train", verbose) as (run_log, out):
        from flows.train import train as train_flow

        stage_started("train")
        result = train_flow(config=config)
        stage_finished("train", "completed", f"MLflow run {result.run_id}")
        out.print(f"MLflow run {result.run_id}: model {result.model_uri}, threshold {result.threshold:.4f}")
        for model, metrics in (("encoder", result.encoder_metrics), ("baseline", result.baseline_metrics)):
            overall = metrics.get("all", {})
            out.print(f"  {model}: dev F1 {overall.get('spam_f1', 0):.4f}, ham FPR {overall.get('ham_fpr', 0):.4f}")
        run_log.attach_to_mlflow(config.resolved_tracking_uri, result.run_id)
        log_line(run_log, out)


def retrain(
    source: SourceOption = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the weekly retrain flow once, locally (embedded Prefect API, SQLite MLflow).

    Prints one line per stage (and per training epoch), then the summary tables; library output goes to
    <state>/logs/ and the MLflow training run (--verbose shows it instead).

    Exit code: 0 published, 3 blocked (a gate failed: nothing published), 4 awaiting review (passed every gate,
    not published until approved), 1 error.
    """
    config = build_config(overrides, state_dir, ingest__source=source)
    with quiet_run(config, "retrain", verbose) as (run_log, out):
        from flows.retrain import STATE_AWAITING_REVIEW, STATE_BLOCKED, weekly_retrain
        from flows.retrain_report import print_summary

        state = weekly_retrain(config=config, return_state=True)
        print_summary(state.result(), out)
        log_line(run_log, out)
        code = {STATE_BLOCKED: EXIT_BLOCKED, STATE_AWAITING_REVIEW: EXIT_AWAITING_REVIEW}.get(state.name or "")
        if code is not None:
            out.print(f"[bold yellow]{state.name}[/]: {state.message} (exit {code})", highlight=False, soft_wrap=True)
            raise typer.Exit(code)

"""`spamloop review ...` and `spamloop label ...`: the label stage's commands.

Mount with ``register(app)`` (adds the ``review`` and ``label`` groups). Config is built like every
other command's (``spamloop.cli.common.build_config``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from spamloop.cli.common import StateDirOption, build_config, refused

review_app = typer.Typer(help="Human review of labels the LLMs disagreed on.", no_args_is_help=True)
label_app = typer.Typer(help="LLM ensemble labelling.", no_args_is_help=True)
console = Console()

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config field, dotted: --set label.batch_size=20 (value parsed as YAML)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``review`` and ``label`` command groups to the main CLI."""
    app.add_typer(review_app, name="review")
    app.add_typer(label_app, name="label")


def _config(overrides: list[str] | None, state_dir: Path | None) -> Any:
    return build_config(overrides, state_dir)


@review_app.command("export")
def review_export(
    path: Annotated[Path, typer.Argument(help="Output file: .csv or .jsonl.")],
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Write the open review queue (PII-free text, every vote) for reviewers to fill in."""
    from tasks.label.review import export_review_queue

    count = export_review_queue(_config(overrides, state_dir), path)
    console.print(f"{count} message(s) to review written to {path}")


@review_app.command("import")
def review_import(
    path: Annotated[Path, typer.Argument(help="Filled-in .csv or .jsonl (message_id, label, category, reviewer, comment).")],
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Store reviewers' verdicts; they outrank every LLM label and become gold candidates (`spamloop gold build`)."""
    from tasks.label.review import import_verdicts

    config = _config(overrides, state_dir)
    snapshot_id, messages = _latest_messages(config)
    report = import_verdicts(config, path, messages=messages, snapshot_id=snapshot_id)
    console.print(f"imported {report.imported}, left unreviewed {report.skipped_unreviewed}, rejected {len(report.rejected)}")
    console.print(
        f"gold candidates: own:review {report.candidates['own:review']}, own:audit {report.candidates['own:audit']}"
        + (f"; {report.without_text} not in snapshot {snapshot_id or '(none)'}, so no candidate" if report.without_text else "")
    )
    if report.audit_verified:
        console.print(
            f"audit: the human agrees with the LLM label on {report.audit_agreed} of {report.audit_verified} "
            f"({report.audit_agreed / report.audit_verified:.1%})"
        )
    for problem in report.rejected:
        console.print(f"  [red]rejected[/red] {problem}")
    if report.rejected:
        raise typer.Exit(code=1)


@review_app.command("audit-export")
def review_audit_export(
    path: Annotated[Path, typer.Argument(help="Output file: .csv or .jsonl (same columns as `review export`).")],
    size: Annotated[int, typer.Option(min=1, help="Messages to sample.")] = 200,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Write a blind audit sample of LLM-labelled messages (reason=audit) for reviewers; import it with `review import`."""
    from tasks.label.review import export_audit_sample

    config = _config(overrides, state_dir)
    snapshot_id, messages = _latest_messages(config)
    if messages is None:
        refused(RuntimeError("no snapshot to audit: run `spamloop ingest` and `spamloop label run` first"))
    count = export_audit_sample(config, path, messages, size=size, seed=config.seed)
    console.print(f"{count} LLM-labelled message(s) of snapshot {snapshot_id} to audit written to {path}")


def _latest_messages(config: Any) -> tuple[str | None, Any]:
    """(snapshot id, its messages) of the newest snapshot, or (None, None) before the first ingest."""
    from tasks.ingest.snapshot import latest_snapshot_id, load_snapshot

    snapshot_id = latest_snapshot_id(config)
    return (snapshot_id, load_snapshot(config, snapshot_id)) if snapshot_id else (None, None)


def print_usage_table(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for header in ("provider", "model"):
        table.add_column(header, no_wrap=True)
    for header in ("req", "in tok", "out tok", "USD"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            row["provider"], row["model"], str(row["requests"]), f"{row['input_tokens']:,}",
            f"{row['output_tokens']:,}", f"{row['cost_usd']:.4f}",
        )
    console.print(table)


@label_app.command("dry-run")
def label_dry_run(
    snapshot_id: Annotated[str | None, typer.Option(help="Snapshot to price (default: the latest).")] = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Estimate requests, tokens and USD for labelling a snapshot, without calling any API."""
    from tasks.ingest.snapshot import load_snapshot
    from tasks.label.pipeline import run_labeling

    config = _config(overrides, state_dir)
    result = run_labeling(config, load_snapshot(config, snapshot_id), dry_run=True)
    print_usage_table(result.cost_rows(), "label dry run (estimate)")
    console.print(result.message)


@label_app.command("run")
def label_run(
    dry_run: Annotated[bool, typer.Option(help="Only estimate the cost.")] = False,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Run the label flow on the latest snapshot."""
    config = _config(overrides, state_dir)  # prepares the runtime: Prefect reads its settings when first imported
    from flows.label import label as label_flow

    result = label_flow(config=config, dry_run=dry_run)
    if result is None:
        console.print("no snapshot: run `spamloop ingest` first")
        raise typer.Exit(code=1)
    print_usage_table(result.cost_rows(), f"label run {result.run_id}")
    console.print(result.message)

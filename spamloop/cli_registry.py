"""`spamloop registry ...`: review and move the champion (approve, reject, rollback, show).

Mounted by spamloop/cli.py as ``app.add_typer(registry_app, name="registry")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


registry_app = typer.Typer(help="Model registry: approve, reject, roll back and show versions.", no_args_is_help=True)
console = Console()

TrackingOption = Annotated[
    str | None, typer.Option("--tracking-uri", help="MLflow tracking URI (default: the config's, SQLite in the state folder).")
]
ModelOption = Annotated[str | None, typer.Option("--model", help="Registered model name (default: evaluate config).")]
StateDirOption = Annotated[Path | None, typer.Option("--state-dir", help="State folder (default ./.spamloop).")]
ReviewerOption = Annotated[str | None, typer.Option("--reviewer", help="Who decides (default: the login name).")]


def _target(tracking_uri: str | None, model: str | None, state_dir: Path | None) -> tuple[str, str]:
    # Imported here: spamloop.cli mounts this app, so a top-level import would be circular.
    from spamloop.cli import build_config

    config = build_config(None, state_dir)
    eval_config = config.evaluate
    return tracking_uri or config.resolved_tracking_uri, model or eval_config.registered_model_name


def _client(tracking_uri: str):  # noqa: ANN202 - MlflowClient import is slow, keep it lazy
    from tasks.evaluate.registry import registry_client

    return registry_client(tracking_uri)


PublishOption = Annotated[
    bool, typer.Option("--publish/--no-publish", help="Publish the new champion's bundle to phones right away.")
]


def _publish_champion(tracking_uri: str, model: str, state_dir: Path | None) -> None:
    from spamloop.cli import build_config

    overrides = [f"mlflow_tracking_uri={tracking_uri}", f"evaluate.registered_model_name={model}"]
    config = build_config(overrides, state_dir)  # prepares the runtime before any flow (and Prefect) is imported
    from flows.publish import publish_champion

    manifest = publish_champion(config=config)
    console.print(f"published: manifest -> {manifest.name} {manifest.version}")


def _refused(error: Exception) -> None:
    console.print(f"[red]refused:[/red] {error}")
    raise typer.Exit(code=1)


@registry_app.command("approve")
def approve_command(
    version: Annotated[str, typer.Argument(help="Model version to make champion.")],
    comment: Annotated[str, typer.Option("--comment", help="What the reviewer checked (required).")],
    publish: PublishOption = True,
    reviewer: ReviewerOption = None,
    tracking_uri: TrackingOption = None,
    model: ModelOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Approve a version that passed every gate: it becomes champion."""
    from tasks.evaluate.registry import PromotionRefused, approve

    uri, name = _target(tracking_uri, model, state_dir)
    try:
        previous = approve(_client(uri), name, version, comment, reviewer)
    except PromotionRefused as error:
        _refused(error)
    console.print(f"{name} v{version} is champion (was {previous or 'none'})")
    if publish:
        _publish_champion(uri, name, state_dir)


@registry_app.command("reject")
def reject_command(
    version: Annotated[str, typer.Argument(help="Model version to reject.")],
    comment: Annotated[str, typer.Option("--comment", help="Why (required).")],
    reviewer: ReviewerOption = None,
    tracking_uri: TrackingOption = None,
    model: ModelOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Reject a version: recorded on the version; no alias moves."""
    from tasks.evaluate.registry import PromotionRefused, reject

    uri, name = _target(tracking_uri, model, state_dir)
    try:
        reject(_client(uri), name, version, comment, reviewer)
    except PromotionRefused as error:
        _refused(error)
    console.print(f"{name} v{version} rejected")


@registry_app.command("rollback")
def rollback_command(
    version: Annotated[str | None, typer.Argument(help="Version to go back to (default: the previous champion).")] = None,
    comment: Annotated[str, typer.Option("--comment", help="Why.")] = "",
    publish: PublishOption = True,
    reviewer: ReviewerOption = None,
    tracking_uri: TrackingOption = None,
    model: ModelOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Move champion back to an earlier version and print what must be republished."""
    from tasks.evaluate.registry import PromotionRefused, rollback

    uri, name = _target(tracking_uri, model, state_dir)
    try:
        result = rollback(_client(uri), name, version, comment, reviewer)
    except PromotionRefused as error:
        _refused(error)
    console.print(f"{name} champion: v{result.from_version} -> v{result.to_version}")
    if publish:
        _publish_champion(uri, name, state_dir)
    else:
        console.print(f"republish {result.model_uri} (run {result.run_id}, threshold {result.threshold})")


@registry_app.command("show")
def show_command(tracking_uri: TrackingOption = None, model: ModelOption = None, state_dir: StateDirOption = None) -> None:
    """List versions with aliases, gate verdict and review state."""
    from tasks.evaluate.registry import show

    uri, name = _target(tracking_uri, model, state_dir)
    table = Table(title=f"{name} @ {uri}")
    for column in ("version", "aliases", "verdict", "review", "threshold", "created", "failed gates"):
        table.add_column(column)
    for row in show(_client(uri), name):
        table.add_row(
            row.version,
            ", ".join(row.aliases),
            row.verdict or "",
            row.review or "",
            row.threshold or "",
            row.created,
            ", ".join(row.failed_gates),
        )
    console.print(table)

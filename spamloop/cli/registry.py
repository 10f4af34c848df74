"""`spamloop registry ...`: review and move the champion (approve, override, reject, rollback, show).

Mounted by spamloop/cli/__init__.py as ``app.add_typer(registry_app, name="registry")``. A refused command prints one
line on stderr and exits 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spamloop.cli.common import StateDirOption, build_config, refused

registry_app = typer.Typer(help="Model registry: approve, override, reject, roll back and show versions.", no_args_is_help=True)
console = Console()
SHOW_WIDTH = 160  # `registry show` outside a terminal

TrackingOption = Annotated[
    str | None, typer.Option("--tracking-uri", help="MLflow tracking URI (default: the config's, SQLite in the state folder).")
]
ModelOption = Annotated[str | None, typer.Option("--model", help="Registered model name (default: evaluate config).")]
ReviewerOption = Annotated[str | None, typer.Option("--reviewer", help="Who decides (default: the login name).")]


def registry_target(tracking_uri: str | None, model: str | None, state_dir: Path | None) -> tuple[str, str]:
    """(tracking URI, registered model name): the options if given, else the config's."""
    config = build_config(None, state_dir)
    eval_config = config.evaluate
    return tracking_uri or config.resolved_tracking_uri, model or eval_config.registered_model_name


def _client(tracking_uri: str):  # noqa: ANN202 - MlflowClient import is slow, keep it lazy
    from models.registry import registry_client

    return registry_client(tracking_uri)


PublishOption = Annotated[
    bool, typer.Option("--publish/--no-publish", help="Publish the new champion's bundle to phones right away.")
]


def _decide(action: Callable[[Any, str], Any], tracking_uri: str | None, model: str | None, state_dir: Path | None) -> tuple[str, str, Any]:
    """(tracking URI, model name, what ``action(client, name)`` returned); a PromotionRefused exits 1 with one line."""
    from tasks.evaluate.registry import PromotionRefused

    uri, name = registry_target(tracking_uri, model, state_dir)
    try:
        return uri, name, action(_client(uri), name)
    except PromotionRefused as error:
        refused(error)


def _publish_champion(tracking_uri: str, model: str, state_dir: Path | None) -> None:
    from models.release import ReleaseRefused, alias_release

    try:  # checked here too, so a refusal is one line rather than a failed flow run's traceback
        alias_release(_client(tracking_uri), model)
    except ReleaseRefused as error:
        refused(error)
    overrides = [f"mlflow_tracking_uri={tracking_uri}", f"evaluate.registered_model_name={model}"]
    config = build_config(overrides, state_dir)  # prepares the runtime before any flow (and Prefect) is imported
    from flows.publish import publish_champion

    manifest = publish_champion(config=config)
    console.print(f"published: manifest -> {manifest.name} {manifest.version} (registry v{manifest.registry.version})")


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
    """Approve a version that passed every gate (or was overridden): it becomes champion."""
    from tasks.evaluate.registry import approve

    uri, name, previous = _decide(
        lambda client, name: approve(client, name, version, comment, reviewer), tracking_uri, model, state_dir
    )
    console.print(f"{name} v{version} is champion (was {previous or 'none'})")
    if publish:
        _publish_champion(uri, name, state_dir)


@registry_app.command("override")
def override_command(
    version: Annotated[str, typer.Argument(help="Model version that failed its gates, to release anyway.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who takes the decision (required, recorded).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the failed gates are acceptable (required, recorded).")],
    publish: PublishOption = True,
    tracking_uri: TrackingOption = None,
    model: ModelOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Release a version that FAILED its gates, as an audited decision: it becomes champion.

    Records who, when, why and the verdict overridden as tags on the version; the manifest carries them.
    """
    from tasks.evaluate.registry import override

    uri, name, previous = _decide(
        lambda client, name: override(client, name, version, reviewer, reason), tracking_uri, model, state_dir
    )
    console.print(f"{name} v{version} is champion by {reviewer.strip()}'s override of its gates (was {previous or 'none'})")
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
    from tasks.evaluate.registry import reject

    _, name, _ = _decide(lambda client, name: reject(client, name, version, comment, reviewer), tracking_uri, model, state_dir)
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
    """Move champion back to an earlier releasable version and republish it."""
    from tasks.evaluate.registry import rollback

    uri, name, result = _decide(
        lambda client, name: rollback(client, name, version, comment, reviewer), tracking_uri, model, state_dir
    )
    console.print(f"{name} champion: v{result.from_version} -> v{result.to_version}")
    if publish:
        _publish_champion(uri, name, state_dir)
    else:
        console.print(f"republish {result.model_uri} (run {result.run_id}, threshold {result.threshold})")


def _release_cell(refusal: str | None, overridden: bool) -> str:
    if refusal is not None:
        return "[bold red]REFUSED[/]"
    return "[yellow]override[/]" if overridden else "ok"


@registry_app.command("show")
def show_command(tracking_uri: TrackingOption = None, model: ModelOption = None, state_dir: StateDirOption = None) -> None:
    """List versions with aliases, gate verdict, review state and whether publishing may ship them.

    Warns about every alias on a version that failed its gates (refused, or released by an override).
    """
    from tasks.evaluate.registry import alias_warnings, show

    uri, name = registry_target(tracking_uri, model, state_dir)
    rows = show(_client(uri), name)
    table = Table(title=escape(f"{name} @ {uri}"))
    for column in ("version", "aliases", "verdict", "release", "review", "threshold", "created", "failed gates"):
        table.add_column(column, overflow="fold", no_wrap=column in ("version", "verdict", "release"))  # fold, never cut
    for row in rows:
        table.add_row(
            row.version,
            ", ".join(row.aliases),
            row.verdict or "",
            _release_cell(row.refusal, row.override is not None),
            row.review or "",
            row.threshold or "",
            row.created,
            ", ".join(row.failed_gates),
        )
    # A pipe or a log file gets rich's 80 columns unless told otherwise: too narrow for this table.
    view = console if console.is_terminal else Console(width=max(console.width, SHOW_WIDTH))
    view.print(table)
    for warning in alias_warnings(rows):
        view.print(f"[bold red]WARNING[/]: {escape(warning)}", soft_wrap=True)

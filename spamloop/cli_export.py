"""CLI commands of the on-device side: predict with a bundle, verify a bundle, publish, roll back.

Mounted by spamloop/cli.py with ``app.add_typer(export_app)`` (no name: the commands sit at the top level,
``spamloop predict "..."``). ``predict`` and ``verify`` never import torch: they use the reference client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

export_app = typer.Typer(help="On-device bundle: predict, verify, publish, roll back.", no_args_is_help=True)
console = Console()


@export_app.command("predict")
def predict(
    texts: Annotated[list[str], typer.Argument(help="Raw SMS texts to score.")],
    bundle: Annotated[Path | None, typer.Option("--bundle", help="Bundle folder (contains bundle.json).")] = None,
    manifest_url: Annotated[
        str | None, typer.Option("--manifest-url", help="URL of a published manifest.json (http(s):// or file://).")
    ] = None,
    model: Annotated[str, typer.Option(help="tflite_fp32 or tflite_int8.")] = "tflite_fp32",
    cache_dir: Annotated[Path | None, typer.Option(help="Download folder for --manifest-url.")] = None,
) -> None:
    """Score texts exactly as the phone does (normalise, WordPiece, LiteRT), from a bundle or a manifest."""
    from models.reference_client import ReferenceClient

    if (bundle is None) == (manifest_url is None):
        raise typer.BadParameter("give exactly one of --bundle or --manifest-url")
    client = (
        ReferenceClient(bundle, model=model)
        if bundle is not None
        else ReferenceClient.from_manifest_url(manifest_url, cache_dir=cache_dir, model=model)  # type: ignore[arg-type]
    )
    table = Table(title=f"{client.index['name']} {client.version} ({model}, threshold {client.threshold:.4f})")
    table.add_column("label")
    table.add_column("spam probability", justify="right")
    table.add_column("text")
    for text, result in zip(texts, client.predict(texts), strict=True):
        table.add_row(result.label, f"{result.spam_probability:.4f}", text if len(text) <= 60 else text[:57] + "...")
    console.print(table)


@export_app.command("verify-bundle")
def verify_bundle_command(bundle: Annotated[Path, typer.Argument(help="Bundle folder.")]) -> None:
    """Check every file of a bundle against bundle.json (size and sha256)."""
    from models.ondevice import BundleIntegrityError, verify_bundle

    try:
        index = verify_bundle(bundle)
    except BundleIntegrityError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"{index['name']} {index['version']}: {len(index['files'])} files verified")


TargetOption = Annotated[str | None, typer.Option(help="s3://bucket/prefix or file:///folder (default: state folder).")]
StateDirOption = Annotated[Path | None, typer.Option("--state-dir", help="State folder (default ./.spamloop).")]
TrackingOption = Annotated[
    str | None, typer.Option("--tracking-uri", help="MLflow tracking URI of the registry (default: the config's).")
]
ModelOption = Annotated[str | None, typer.Option("--model", help="Registered model name (default: evaluate config).")]


def _store(target: str | None, state_dir: Path | None):  # noqa: ANN202 - the store classes import boto3: keep lazy
    from spamloop.cli import build_config
    from tasks.publish.stores import S3Store, open_store

    config = build_config(None, state_dir)
    publish_config = config.publish
    if target:
        publish_config = publish_config.model_copy(update={"target": target})
    store = open_store(publish_config, config.s3, config.paths.root)
    if isinstance(store, S3Store):
        store.check_conditional_writes()
    return store, publish_config


def _release(run_id: str | None, tracking_uri: str | None, model: str | None, state_dir: Path | None):  # noqa: ANN202
    """The checked registry version of training run ``run_id``; a refusal exits 1 with one line."""
    from models.release import ReleaseRefused, registry_client, run_release
    from spamloop.cli_registry import refused, registry_target

    uri, name = registry_target(tracking_uri, model, state_dir)
    try:
        return run_release(registry_client(uri), name, run_id)
    except ReleaseRefused as error:
        refused(error)


@export_app.command("publish")
def publish_command(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder to publish.")],
    target: TargetOption = None,
    state_dir: StateDirOption = None,
    tracking_uri: TrackingOption = None,
    model: ModelOption = None,
) -> None:
    """Upload a bundle and point the manifest at it.

    Refused if its parity report failed, or unless the registry version registered from its training run
    (bundle.json mlflow_run_id) passed its gates or carries a reviewer's override.
    """
    from models.ondevice import read_bundle_index
    from tasks.publish.publish import publish_bundle

    release = _release(read_bundle_index(bundle).get("mlflow_run_id"), tracking_uri, model, state_dir)
    store, publish_config = _store(target, state_dir)
    manifest = publish_bundle(bundle, store, publish_config, release=release)
    console.print(
        f"published {manifest.name} {manifest.version} (registry v{release.version}, verdict {release.verdict}"
        f"{', OVERRIDE by ' + release.override.reviewer if release.override else ''}) to {store.describe()} "
        f"(previous {manifest.previous_version})"
    )


@export_app.command("rollback-model")
def rollback_command(
    name: Annotated[str, typer.Argument(help="Model name, e.g. spam-encoder.")],
    version: Annotated[str, typer.Argument(help="Published version to point the manifest back at.")],
    target: TargetOption = None,
    state_dir: StateDirOption = None,
    tracking_uri: TrackingOption = None,
    model: ModelOption = None,
) -> None:
    """Re-point the app's manifest at an earlier published version (its files and registry verdict checked first)."""
    from tasks.publish.publish import published_bundle_index, rollback

    store, publish_config = _store(target, state_dir)
    index, _ = published_bundle_index(store, name, version)
    release = _release(index.get("mlflow_run_id"), tracking_uri, model, state_dir)
    manifest = rollback(store, name, version, publish_config, release=release)
    console.print(f"{name}: manifest now points at {manifest.version} (was {manifest.previous_version})")


if __name__ == "__main__":
    export_app()

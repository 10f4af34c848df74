"""CLI commands of the on-device side: export a bundle, predict with it, verify it, publish it (and issue the
manifest URL the app downloads from), roll back.

Mounted by spamloop/cli/__init__.py with ``app.add_typer(export_app)`` (no name: the commands sit at the top level,
``spamloop predict "..."``). ``predict`` and ``verify`` never import torch: they use the reference client.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from spamloop.cli.common import StateDirOption, build_config, log_line, quiet_run, refused
from spamloop.cli.registry import registry_target
from spamloop.progress import stage_finished, stage_started

export_app = typer.Typer(help="On-device bundle: export, predict, verify, publish, roll back.", no_args_is_help=True)
console = Console()
error_console = Console(stderr=True)


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
    from models.ondevice import BundleIntegrityError
    from models.reference_client import DownloadError, ReferenceClient

    if (bundle is None) == (manifest_url is None):
        raise typer.BadParameter("give exactly one of --bundle or --manifest-url")
    try:
        client = (
            ReferenceClient(bundle, model=model)
            if bundle is not None
            else ReferenceClient.from_manifest_url(manifest_url, cache_dir=cache_dir, model=model)  # type: ignore[arg-type]
        )
    except (DownloadError, BundleIntegrityError) as error:  # a 403/expired URL or a bad file: one line, no traceback
        error_console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
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
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config field, dotted: --set export.coreml=false (value parsed as YAML)."),
]


@export_app.command("export")
def export_command(
    model_dir: Annotated[Path, typer.Argument(help="Trained classifier folder (save_pretrained layout, with its tokenizer).")],
    version: Annotated[str, typer.Option(help="Bundle version; <state>/exports/<version> must not exist yet.")],
    threshold: Annotated[float, typer.Option(help="Operating threshold: spam iff probability >= threshold.")],
    max_seq_len: Annotated[int | None, typer.Option(help="Truncation length the model was trained with.")] = None,
    mlflow_run_id: Annotated[
        str | None, typer.Option(help="Training run to attach the export figures to and record in bundle.json.")
    ] = None,
    eval_texts: Annotated[
        Path | None, typer.Option(help="UTF-8 file, one raw text per line, to check parity on (default: the gold set).")
    ] = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the converters' output instead of progress lines.")] = False,
) -> None:
    """Run the export flow: TFLite fp32 + int8 and Core ML, parity against PyTorch on the gold set, a versioned bundle."""
    config = build_config(overrides, state_dir)
    with quiet_run(config, "export", verbose) as (run_log, out):
        from flows.export import export
        from models.candidate import Candidate

        stage_started("export")
        texts = None  # the flow's default: the gold set's texts
        if eval_texts is not None:
            texts = [line for line in eval_texts.read_text(encoding="utf-8").splitlines() if line.strip()]
        candidate = Candidate(
            name=version, model_dir=model_dir, threshold=threshold, max_seq_len=max_seq_len, run_id=mlflow_run_id
        )
        result = export(candidate=candidate, eval_texts=texts, config=config)
        passed = result.bundle_dir is not None
        stage_finished("export", "completed" if passed else "blocked", result.report.summary())
        out.print(f"bundle: {result.bundle_dir}" if passed else f"parity gate failed; files kept in {result.rejected_dir}")
        if mlflow_run_id:
            run_log.attach_to_mlflow(config.resolved_tracking_uri, mlflow_run_id)
        log_line(run_log, out)
    if not passed:
        raise typer.Exit(1)


TrackingOption = Annotated[
    str | None, typer.Option("--tracking-uri", help="MLflow tracking URI of the registry (default: the config's).")
]
ModelOption = Annotated[str | None, typer.Option("--model", help="Registered model name (default: evaluate config).")]


def _store(target: str | None, state_dir: Path | None):  # noqa: ANN202 - the store classes import boto3: keep lazy
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
    from models.registry import registry_client
    from models.release import ReleaseRefused, run_release

    uri, name = registry_target(tracking_uri, model, state_dir)
    try:
        return run_release(registry_client(uri), name, run_id)
    except ReleaseRefused as error:
        refused(error)


class _PublishGroup(TyperGroup):
    """``spamloop publish BUNDLE`` stays the publish command (``publish bundle`` by default); ``publish url`` is
    the other subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["bundle", *args]
        return super().parse_args(ctx, args)


publish_app = typer.Typer(
    cls=_PublishGroup,
    no_args_is_help=True,
    help="Publish a bundle (spamloop publish BUNDLE) or issue the manifest URL the app downloads from "
    "(spamloop publish url).",
)
export_app.add_typer(publish_app, name="publish")


@publish_app.command("bundle")
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
    from tasks.publish.app_check import check_as_the_app_does
    from tasks.publish.publish import PublishError, publish_bundle

    release = _release(read_bundle_index(bundle).get("mlflow_run_id"), tracking_uri, model, state_dir)
    store, publish_config = _store(target, state_dir)
    checked = []
    try:
        manifest = publish_bundle(
            bundle, store, publish_config, release=release, app_check=lambda new: checked.append(check_as_the_app_does(new))
        )
    except PublishError as error:  # refused or stopped: one line; the manifest is unchanged
        error_console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"checked as the app downloads it: {checked[0].summary()}", soft_wrap=True)
    console.print(
        f"published {manifest.name} {manifest.version} (registry v{release.version}, verdict {release.verdict}"
        f"{', OVERRIDE by ' + release.override.reviewer if release.override else ''}) to {store.describe()} "
        f"(previous {manifest.previous_version})"
    )


DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
DURATION_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(duration: str) -> int:
    match = DURATION.match(duration.strip().lower())
    if match is None:
        raise typer.BadParameter(f"{duration!r} is not a duration such as 90m, 12h or 7d")
    return int(match.group(1)) * DURATION_UNIT_S[match.group(2)]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@publish_app.command("url")
def publish_url_command(
    name: Annotated[str | None, typer.Argument(help="Model name (default: export.model_name, spam-encoder).")] = None,
    expires_in: Annotated[
        str | None,
        typer.Option("--expires-in", help="How long the URL works: 90m, 12h, 7d (at most 7d; default publish.presign_expiry_s)."),
    ] = None,
    target: TargetOption = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Print the URL the app downloads the manifest from: presigned by the configured S3 store, with its expiry.

    The URL alone goes to stdout (URL=$(spamloop publish url)); when it and the manifest's file URLs expire goes to
    stderr. Refused (exit 1) for a local-folder store, missing S3 credentials, or nothing published yet.
    """
    from tasks.publish.publish import PublishError, manifest_link
    from tasks.publish.stores import ObjectStoreError, open_store

    lifetime = _seconds(expires_in) if expires_in is not None else None
    try:
        config = build_config(overrides, state_dir)
        publish_config = config.publish.model_copy(update={"target": target}) if target else config.publish
        store = open_store(publish_config, config.s3, config.paths.root)
        link = manifest_link(store, name or config.export.model_name, publish_config, lifetime)
    except (PublishError, ObjectStoreError, ValueError) as error:
        error_console.print(f"[red]refused: {escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    typer.echo(link.url)
    lasts = "no expiry (public-read)" if link.expires_at is None else f"valid until {_utc(link.expires_at)}"
    files = (
        f"; the files it lists until {_utc(link.files_expire_at)} (the next publish renews them)"
        if link.files_expire_at is not None
        else ""
    )
    error_console.print(f"{link.name} {link.version}: manifest URL {lasts}{files}", highlight=False, soft_wrap=True)


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

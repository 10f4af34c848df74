"""The publish flow (bundle -> store, manifest last) and the publish-rollback flow (manifest -> older version).

Every flow here first resolves the registry version it would ship (the bundle's training run, or alias
``champion``) and refuses one whose gates failed without a reviewer's override (models/release.py).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.orchestration import parameter, run_name, tag_run
from models.ondevice import read_bundle_index
from models.parity import ParityReport
from models.registry import ALIAS_CHAMPION
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.settings.export import PublishConfig
from tasks.evaluate.pipeline import EvaluationResult
from tasks.export.pipeline import ExportResult
from tasks.publish.champion import ChampionBundleError, find_bundle_for_run
from tasks.publish.publish import Manifest
from tasks.publish.steps import publish_bundle_task, release_task, rollback_task


def release_line(manifest: Manifest) -> str:
    """Which registry version, verdict and gate table the manifest ships, and any override, in one line."""
    release = manifest.registry
    if release is None:
        return "registry version: not recorded (a spamloop-manifest/1 manifest)"
    line = (
        f"registry {release.registered_model} v{release.version}, verdict **{release.verdict}**, "
        f"gates sha256 `{(release.gates_sha256 or 'not recorded')[:16]}`"
    )
    if release.override is not None:
        o = release.override
        line += f"; **override** by {o.reviewer} at {o.at} (overrode {o.overridden_verdict}): {o.reason}"
    return line


def manifest_markdown(action: str, manifest: Manifest) -> str:
    """The manifest as operators read it; no URLs (they may be presigned)."""
    lines = [
        f"# {action}: {manifest.name} → **{manifest.version}**",
        "",
        f"- {release_line(manifest)}",
        f"- previous version: {manifest.previous_version or 'none'}",
        f"- threshold {manifest.threshold}, normalisation {manifest.normalization_version}, "
        f"max_seq_len {manifest.max_seq_len}, min app {manifest.min_app_version or 'any'}",
        f"- published at {manifest.published_at} (bundle built {manifest.created_at})",
        "",
        "| file | bytes | sha256 |",
        "|---|---|---|",
        *(f"| {f.path} | {f.size} | `{f.sha256[:16]}…` |" for f in manifest.files),
    ]
    return "\n".join(lines) + "\n"


def _publish_artifact(action: str, manifest: Manifest) -> None:
    create_markdown_artifact(
        key="publish-manifest",
        markdown=manifest_markdown(action, manifest),
        description=f"{action}: {manifest.name} {manifest.version}",
    )


def publish_config_of(config: SpamloopConfig, publish_config: PublishConfig | None) -> PublishConfig:
    """The explicit publish config, else the one inside SpamloopConfig."""
    return publish_config or config.publish


@flow(name="publish", flow_run_name=run_name("publish", lambda p: Path(str(parameter(p, "bundle_dir"))).name))
def publish(
    bundle_dir: Path,
    config: SpamloopConfig = CONFIG_DEFAULTS,
    publish_config: PublishConfig | None = None,
    report: ParityReport | None = None,
) -> Manifest:
    """Upload a verified bundle (its parity report must have passed) and point the manifest at it.

    Refused unless the registry version registered from the bundle's training run (bundle.json mlflow_run_id)
    passed its gates or carries a reviewer's override.

    Args:
        bundle_dir: The exported bundle folder (<state>/exports/<version>).
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        publish_config: Publish settings for this run only; empty means ``config.publish``.
        report: The export's parity report, checked in addition to the one stored in the bundle.
    """
    config = resolve_config(config)
    tag_run()
    release = release_task(config, run_id=read_bundle_index(Path(bundle_dir)).get("mlflow_run_id"))
    manifest = publish_bundle_task(config, publish_config_of(config, publish_config), bundle_dir, release, report)
    _publish_artifact("Published", manifest)
    return manifest


@flow(
    name="publish-rollback",
    flow_run_name=run_name("publish-rollback", lambda p: f"{parameter(p, 'name')}-{parameter(p, 'version')}"),
)
def publish_rollback(
    name: str, version: str, config: SpamloopConfig = CONFIG_DEFAULTS, publish_config: PublishConfig | None = None
) -> Manifest:
    """Point the app's manifest back at an earlier published version (its files are checked first).

    Refused, like a new publish, unless that version's registry version passed its gates or was overridden.

    Args:
        name: Model name in the store (the manifest's name).
        version: Published version to point the manifest at.
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        publish_config: Publish settings for this run only; empty means ``config.publish``.
    """
    config = resolve_config(config)
    tag_run()
    manifest = rollback_task(config, publish_config_of(config, publish_config), name, version)
    _publish_artifact("Rolled back", manifest)
    return manifest


@flow(name="publish-champion", flow_run_name=run_name("publish-champion"))
def publish_champion(config: SpamloopConfig = CONFIG_DEFAULTS, publish_config: PublishConfig | None = None) -> Manifest:
    """Publish the version that holds alias ``champion`` (after an approval, override or registry rollback).

    Refused when that version did not pass its gates and no reviewer overrode them, whoever moved the alias
    (an alias set in the MLflow UI is not an approval). Idempotent: files already in the store are not
    uploaded again; the manifest is re-pointed.

    Args:
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        publish_config: Publish settings for this run only; empty means ``config.publish``.
    """
    config = resolve_config(config)
    tag_run()
    release = release_task(config, alias=ALIAS_CHAMPION)
    if release.run_id is None:
        raise ChampionBundleError(f"champion v{release.version} records no training run, so no bundle can be found")
    bundle_dir = find_bundle_for_run(config.paths.exports, release.run_id)
    manifest = publish_bundle_task(config, publish_config_of(config, publish_config), bundle_dir, release, None)
    _publish_artifact(f"Published champion v{release.version}", manifest)
    return manifest


def publish_if_champion(evaluated: EvaluationResult, exported: ExportResult, config: SpamloopConfig) -> Manifest | None:
    """The weekly retrain's publish stage: the candidate's bundle ships only when it is champion and passed parity;
    None when nothing was published."""
    if not evaluated.promoted or exported.bundle_dir is None:
        return None
    return publish(bundle_dir=exported.bundle_dir, config=config, report=exported.report)

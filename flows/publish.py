"""The publish flow (bundle -> store, manifest last) and the publish-rollback flow (manifest -> older version)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from spamloop.config import SpamloopConfig, load_config
from spamloop.settings.export import PublishConfig
from tasks.export.parity import ParityReport
from tasks.publish.publish import Manifest
from tasks.publish.champion import champion_run_id, find_bundle_for_run
from tasks.publish.steps import publish_bundle_task, rollback_task


def publish_config_of(config: SpamloopConfig, publish_config: PublishConfig | None) -> PublishConfig:
    """The explicit publish config, else the one inside SpamloopConfig."""
    return publish_config or config.publish


@flow(name="publish")
def publish(
    bundle_dir: Path,
    config: SpamloopConfig | None = None,
    publish_config: PublishConfig | None = None,
    report: ParityReport | None = None,
) -> Manifest:
    """Upload a verified bundle (its parity report must have passed) and point the manifest at it."""
    config = config or load_config()
    return publish_bundle_task(config, publish_config_of(config, publish_config), bundle_dir, report)


@flow(name="publish-rollback")
def publish_rollback(
    name: str, version: str, config: SpamloopConfig | None = None, publish_config: PublishConfig | None = None
) -> Manifest:
    """Point the app's manifest back at an earlier published version (its files are checked first)."""
    config = config or load_config()
    return rollback_task(config, publish_config_of(config, publish_config), name, version)


@flow(name="publish-champion")
def publish_champion(config: SpamloopConfig | None = None, publish_config: PublishConfig | None = None) -> Manifest:
    """Publish whatever version holds alias ``champion`` (after an approval or a registry rollback).

    Idempotent: files already in the store are not uploaded again; the manifest is re-pointed.
    """
    config = config or load_config()
    _, run_id = champion_run_id(config.resolved_tracking_uri, config.evaluate.registered_model_name)
    bundle_dir = find_bundle_for_run(config.paths.exports, run_id)
    return publish_bundle_task(config, publish_config_of(config, publish_config), bundle_dir, None)

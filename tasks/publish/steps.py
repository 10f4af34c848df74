"""Prefect task wrappers of the publish stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from models.parity import ParityGateError, ParityReport
from models.registry import registry_client
from models.release import Release, ReleaseRefused, alias_release, run_release
from spamloop.config import SpamloopConfig
from spamloop.settings.export import PublishConfig
from tasks.publish.app_check import AppCheck, check_as_the_app_does
from tasks.publish.publish import AppCheckRefused, Manifest, PublishConflictError, published_bundle_index, publish_bundle, rollback
from tasks.publish.stores import S3Store, open_store


def _retry_transient(task, task_run, state) -> bool:  # noqa: ANN001 (Prefect's callback signature)
    """Retry network/store errors only: a lost race, a failed gate or a refused release would fail again."""
    try:
        state.result()
    except (PublishConflictError, AppCheckRefused, ParityGateError, ReleaseRefused, ValueError):
        return False
    except Exception:  # noqa: BLE001
        return True
    return False


def _log_release(release: Release, what: str) -> None:
    override = release.override
    get_run_logger().info(
        "%s: %s v%s, verdict %s, gates sha256 %s%s",
        what, release.registered_model, release.version, release.verdict, release.gates_sha256 or "none",
        f"; OVERRIDE by {override.reviewer} ({override.reason})" if override else "",
    )


# No retries: a refusal is final, and the registry answers in milliseconds.
@task(name="registry-release", cache_policy=NO_CACHE)
def release_task(config: SpamloopConfig, run_id: str | None = None, alias: str | None = None) -> Release:
    """The checked registry version behind ``alias``, else the one registered from training run ``run_id``."""
    client = registry_client(config.resolved_tracking_uri)
    name = config.evaluate.registered_model_name
    release = alias_release(client, name, alias) if alias else run_release(client, name, run_id)
    _log_release(release, "releasable")
    return release


# Retries are safe: uploads are idempotent per key and the manifest is a compare-and-swap.
@task(name="publish-bundle", retries=2, retry_delay_seconds=5, retry_condition_fn=_retry_transient, cache_policy=NO_CACHE)
def publish_bundle_task(
    config: SpamloopConfig,
    publish_config: PublishConfig,
    bundle_dir: Path,
    release: Release,
    report: ParityReport | None = None,
) -> Manifest:
    store = open_store(publish_config, config.s3, config.paths.root)
    if isinstance(store, S3Store):
        store.check_conditional_writes()
    checked: list[AppCheck] = []
    manifest = publish_bundle(
        bundle_dir, store, publish_config, report, release=release,
        app_check=lambda new_manifest: checked.append(check_as_the_app_does(new_manifest)),
    )
    get_run_logger().info("checked as the app downloads it: %s", checked[0].summary())
    get_run_logger().info(
        "published %s %s to %s (%d files; previous %s; registry v%s)",
        manifest.name, manifest.version, store.describe(), len(manifest.files), manifest.previous_version, release.version,
    )
    return manifest


@task(name="publish-rollback", retries=2, retry_delay_seconds=5, retry_condition_fn=_retry_transient, cache_policy=NO_CACHE)
def rollback_task(config: SpamloopConfig, publish_config: PublishConfig, name: str, version: str) -> Manifest:
    store = open_store(publish_config, config.s3, config.paths.root)
    index, _ = published_bundle_index(store, name, version)
    release = run_release(
        registry_client(config.resolved_tracking_uri), config.evaluate.registered_model_name, index.get("mlflow_run_id")
    )
    _log_release(release, "rolling back to")
    manifest = rollback(store, name, version, publish_config, release=release)
    get_run_logger().info("manifest of %s now points at %s (was %s)", name, version, manifest.previous_version)
    return manifest

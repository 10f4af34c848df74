"""Prefect task wrappers of the publish stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from spamloop.config import SpamloopConfig
from spamloop.settings.export import PublishConfig
from tasks.export.parity import ParityGateError, ParityReport
from tasks.publish.publish import Manifest, PublishConflictError, publish_bundle, rollback
from tasks.publish.stores import S3Store, open_store


def _retry_transient(task, task_run, state) -> bool:  # noqa: ANN001 (Prefect's callback signature)
    """Retry network/store errors only: a lost race or a failed parity gate would fail again."""
    try:
        state.result()
    except (PublishConflictError, ParityGateError, ValueError):
        return False
    except Exception:  # noqa: BLE001
        return True
    return False


# Retries are safe: uploads are idempotent per key and the manifest is a compare-and-swap.
@task(name="publish-bundle", retries=2, retry_delay_seconds=5, retry_condition_fn=_retry_transient, cache_policy=NO_CACHE)
def publish_bundle_task(
    config: SpamloopConfig, publish_config: PublishConfig, bundle_dir: Path, report: ParityReport | None = None
) -> Manifest:
    store = open_store(publish_config, config.s3, config.paths.root)
    if isinstance(store, S3Store):
        store.check_conditional_writes()
    manifest = publish_bundle(bundle_dir, store, publish_config, report)
    get_run_logger().info(
        "published %s %s to %s (%d files; previous %s)",
        manifest.name, manifest.version, store.describe(), len(manifest.files), manifest.previous_version,
    )
    return manifest


@task(name="publish-rollback", retries=2, retry_delay_seconds=5, retry_condition_fn=_retry_transient, cache_policy=NO_CACHE)
def rollback_task(config: SpamloopConfig, publish_config: PublishConfig, name: str, version: str) -> Manifest:
    store = open_store(publish_config, config.s3, config.paths.root)
    manifest = rollback(store, name, version, publish_config)
    get_run_logger().info("manifest of %s now points at %s (was %s)", name, version, manifest.previous_version)
    return manifest

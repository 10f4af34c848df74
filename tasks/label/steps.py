"""Prefect task wrappers of the label stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from typing import Any

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import SecretStr

from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import LabelingResult, run_labeling


def label_config_of(config: Any) -> LabelConfig:
    """The label section of the config (a default one until SpamloopConfig carries ``label``)."""
    return config.label


@task(name="label-resolve-secret-blocks", cache_policy=NO_CACHE)
def resolve_secret_blocks_task(label_config: LabelConfig) -> dict[str, SecretStr]:
    """API keys from Prefect Secret blocks, by provider name. Values are never logged."""
    from prefect.blocks.system import Secret

    logger = get_run_logger()
    keys: dict[str, SecretStr] = {}
    for provider in label_config.providers:
        if not provider.enabled or not provider.secret_block:
            continue
        try:
            value = Secret.load(provider.secret_block).get()
        except Exception as exc:  # a missing block only disables that provider
            logger.warning(
                "provider %s: Secret block %r not loaded (%s)", provider.name, provider.secret_block, type(exc).__name__
            )
            continue
        if value:
            keys[provider.name] = SecretStr(str(value))
    return keys


@task(name="label-load-snapshot", cache_policy=NO_CACHE)
def load_snapshot_task(config: Any, snapshot_id: str | None = None) -> pl.DataFrame | None:
    """The snapshot's messages, or None when ingest has not written one yet."""
    from tasks.ingest.errors import NoSnapshotError
    from tasks.ingest.snapshot import load_snapshot

    try:
        messages = load_snapshot(config, snapshot_id)
    except (NoSnapshotError, FileNotFoundError) as exc:
        get_run_logger().warning("no snapshot to label: %s", exc)
        return None
    get_run_logger().info("snapshot loaded: %d message(s)", messages.height)
    return messages


# Retries live inside: per request (SDK + bounded backoff). A task retry would only re-read the cache.
@task(name="label-run", cache_policy=NO_CACHE)
def run_labeling_task(
    config: Any,
    messages: pl.DataFrame,
    label_config: LabelConfig,
    api_keys: dict[str, SecretStr],
    dry_run: bool = False,
    champion_scores: pl.DataFrame | None = None,
) -> LabelingResult:
    result = run_labeling(
        config,
        messages,
        label_config=label_config,
        api_keys=api_keys,
        dry_run=dry_run,
        champion_scores=champion_scores,
    )
    get_run_logger().info("label %s: %s", result.status, result.message)
    return result

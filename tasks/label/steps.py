"""Prefect task wrappers of the label stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from typing import Any

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import SecretStr

from models.registry import Champion, find_champion, registry_client
from spamloop.settings.label import LabelConfig
from tasks.label.champion import ScoredChunk, score_chunk
from tasks.label.engine import ProviderOutcome
from tasks.label.finish import finish_labeling
from tasks.label.pipeline import request_provider_votes, start_labeling_run
from tasks.label.plan import LabelingPlan, LabelingResult, add_escalations, plan_labeling


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


@task(name="label-plan", cache_policy=NO_CACHE)
def plan_labeling_task(
    config: Any,
    messages: pl.DataFrame,
    label_config: LabelConfig,
    api_keys: dict[str, SecretStr],
    dry_run: bool = False,
    champion_scores: pl.DataFrame | None = None,
) -> LabelingPlan:
    """Selection, cache look-up and the work per provider; a real run is recorded as started."""
    plan = plan_labeling(
        config, messages, label_config=label_config, api_keys=api_keys, dry_run=dry_run, champion_scores=champion_scores
    )
    if not plan.final:
        start_labeling_run(config, plan)
    get_run_logger().info(
        "label plan %s: %d selected, %d cache hit(s), %s",
        plan.run_id, plan.result.selected, plan.result.cache_hits,
        ", ".join(f"{name} {len(ids)}" for name, ids in plan.work.items()) or "no provider",
    )
    return plan


# Retries live inside (per request, SDK + bounded backoff); answers are cached as they arrive, so a re-run
# of the flow asks only for what is missing.
@task(name="label-provider", cache_policy=NO_CACHE, task_run_name="label-provider-{provider_name}")
def request_provider_votes_task(
    config: Any, plan: LabelingPlan, provider_name: str, budget_usd: float | None
) -> ProviderOutcome:
    outcome = request_provider_votes(config, plan, provider_name, budget_usd)
    get_run_logger().info(
        "provider %s: %d request(s), %d abstention(s), $%.4f (in %s)",
        provider_name, outcome.usage.requests, outcome.abstention_count, outcome.usage.cost_usd, outcome.process,
    )
    return outcome


@task(name="label-route", cache_policy=NO_CACHE)
def add_escalations_task(config: Any, plan: LabelingPlan, voter_outcomes: list[ProviderOutcome]) -> LabelingPlan:
    """Routing, round two: the tie-breakers' work is what the voters left unsettled."""
    pairs = add_escalations(config, plan, voter_outcomes)
    get_run_logger().info(
        "routing: %d message(s) unsettled, %d request pair(s) for tie-breaker(s) %s", plan.result.escalated, pairs, plan.tiebreakers
    )
    return plan


@task(name="label-finish", cache_policy=NO_CACHE)
def finish_labeling_task(config: Any, plan: LabelingPlan, outcomes: list[ProviderOutcome]) -> LabelingResult:
    result = finish_labeling(config, plan, outcomes)
    get_run_logger().info("label %s: %s", result.status, result.message)
    return result


@task(name="label-find-champion", cache_policy=NO_CACHE)
def find_champion_task(tracking_uri: str, registered_model: str) -> Champion | None:
    return find_champion(registry_client(tracking_uri), registered_model)


@task(name="label-score-champion", cache_policy=NO_CACHE, task_run_name="label-score-champion-{chunk_index}")
def score_chunk_task(tracking_uri: str, model_uri: str, chunk: pl.DataFrame, chunk_index: int) -> ScoredChunk:
    """Champion spam probabilities for one chunk of ``message_id, text``."""
    scored = score_chunk(tracking_uri, model_uri, chunk)
    get_run_logger().info("chunk %d: %d message(s) scored in %s", chunk_index, scored.scores.height, scored.process)
    return scored

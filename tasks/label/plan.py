"""What a label run asks, decided before any request leaves: providers with keys, the selection, cache hits,
the work per provider, the tie-breakers' second round, budget shares and a dry run's estimate.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import SecretStr

from models.label_prompt import prompt_version
from models.llm_cost import ProviderUsage, estimate_provider
from models.privacy import scrub as scrub_pii
from spamloop.settings.label import LabelConfig, LabelProviderConfig
from tasks.label.engine import ProviderOutcome
from tasks.label.selection import Selection, select_for_labelling
from tasks.label.store import FINAL_LABEL_SCHEMA, LabelStore, load_seed_final_labels, merge_final_labels
from tasks.label.vote import Vote

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("message_id", "text_for_llm")


@dataclass
class LabelingResult:
    """What one run did. ``status``: ok | dry_run | no_labelers | nothing_to_label | budget_exhausted | failed."""

    run_id: str
    status: str
    message: str
    prompt_version: str
    selected: int = 0
    propagated: int = 0
    decided: int = 0
    review_queued: int = 0
    abstentions: int = 0
    duplicate_ids_dropped: int = 0
    cache_hits: int = 0
    pairs_requested: int = 0
    skipped_confident: int = 0
    cascade_contradicted: int = 0
    escalated: int = 0
    audited: int = 0
    deferred: int = 0
    providers_used: list[str] = field(default_factory=list)
    providers_skipped: dict[str, str] = field(default_factory=dict)
    usage: list[ProviderUsage] = field(default_factory=list)
    dry_run: bool = False
    champion_version: str | None = None
    # Where each fan-out task ran (provider name or score chunk -> host:pid); empty for run_labeling.
    worker_processes: dict[str, str] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(u.requests for u in self.usage)

    @property
    def input_tokens(self) -> int:
        return sum(u.input_tokens for u in self.usage)

    @property
    def output_tokens(self) -> int:
        return sum(u.output_tokens for u in self.usage)

    @property
    def cost_usd(self) -> float:
        return round(sum(u.cost_usd for u in self.usage), 6)

    def cost_rows(self) -> list[dict[str, Any]]:
        return [u.as_row() for u in self.usage]

    def summary(self) -> dict[str, Any]:
        """Counts and totals only: safe for logs, MLflow and artifacts (no texts, no keys)."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "message": self.message,
            "prompt_version": self.prompt_version,
            "dry_run": self.dry_run,
            "selected": self.selected,
            "decided": self.decided,
            "propagated": self.propagated,
            "review_queued": self.review_queued,
            "abstentions": self.abstentions,
            "duplicate_ids_dropped": self.duplicate_ids_dropped,
            "cache_hits": self.cache_hits,
            "pairs_requested": self.pairs_requested,
            "skipped_confident": self.skipped_confident,
            "cascade_contradicted": self.cascade_contradicted,
            "escalated": self.escalated,
            "audited": self.audited,
            "deferred": self.deferred,
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "providers_used": self.providers_used,
            "providers_skipped": self.providers_skipped,
            "champion_version": self.champion_version,
            "worker_processes": self.worker_processes,
        }


def resolve_api_key(provider: LabelProviderConfig, api_keys: Mapping[str, SecretStr] | None) -> SecretStr | None:
    """Key from the caller (e.g. a Prefect Secret block), the config, or the provider's env vars."""
    if api_keys and api_keys.get(provider.name) is not None:
        return api_keys[provider.name]
    if provider.api_key is not None and provider.api_key.get_secret_value():
        return provider.api_key
    for name in provider.api_key_env:
        value = os.environ.get(name)
        if value:
            return SecretStr(value)
    return None


def providers_with_keys(label_config: LabelConfig, api_keys: Mapping[str, SecretStr] | None) -> list[str]:
    """Names of the enabled providers whose key resolves: the ones a (not dry) run can ask."""
    return [p.name for p in label_config.providers if p.enabled and resolve_api_key(p, api_keys) is not None]


def _existing_labels(store: LabelStore, include_seed: bool, seed_dir: Path | None) -> pl.DataFrame:
    seed = load_seed_final_labels(seed_dir) if include_seed else pl.DataFrame(schema=FINAL_LABEL_SCHEMA)
    return merge_final_labels(store.human_labels(), store.ensemble_final(), seed)


@dataclass
class LabelingPlan:
    """What a run will ask, decided before any request leaves: selection, cache hits, work per provider.

    ``final`` is True when ``result`` is already the answer (dry run, no labellers): nothing is sent.
    """

    run_id: str
    result: LabelingResult
    label_config: LabelConfig
    active: list[LabelProviderConfig]
    keys: dict[str, SecretStr]
    seed: int
    texts: dict[str, str] = field(default_factory=dict)
    rep_ids: list[str] = field(default_factory=list)
    work: dict[str, list[str]] = field(default_factory=dict)
    selection: Selection | None = None
    existing: pl.DataFrame | None = None
    final: bool = False
    # Routing: providers asked only about what the others left unsettled (work filled by ``add_escalations``).
    tiebreakers: list[str] = field(default_factory=list)

    @property
    def prompt_version(self) -> str:
        return prompt_version(self.label_config.answer_format)

    @property
    def voters(self) -> list[str]:
        return [p.name for p in self.active if p.name not in self.tiebreakers]

    def provider(self, name: str) -> LabelProviderConfig:
        return next(p for p in self.active if p.name == name)

    def share(self, name: str) -> LabelingPlan:
        """What one provider's task needs: its work, those texts and its key (no frames, no other keys)."""
        ids = self.work.get(name, [])
        return replace(
            self,
            result=LabelingResult(self.run_id, "ok", "", self.prompt_version),
            active=[self.provider(name)],
            keys={name: self.keys[name]},
            texts={m: self.texts[m] for m in ids},
            rep_ids=list(ids),
            work={name: list(ids)},
            selection=None,
            existing=None,
        )

    def estimate(self, provider: LabelProviderConfig, ids: list[str]) -> ProviderUsage:
        """Requests, tokens and USD of asking ``provider`` about ``ids`` in ``batch_size`` batches (sends nothing)."""
        size = self.label_config.batch_size
        batches = [[self.texts[m] for m in ids[i : i + size]] for i in range(0, len(ids), size)]
        return estimate_provider(
            provider, batches, self.label_config.output_tokens_per_message, self.label_config.answer_format
        )

    def budget_shares(self) -> dict[str, float | None]:
        """The run's budget cap split over the providers with work, in proportion to each one's estimated cost.

        Providers labelled in parallel (one task each) cannot share one running total; with proportional
        shares each stops at about the same fraction of its work, as the shared cap of ``run_labeling`` does.
        """
        budget = self.label_config.budget_usd
        names = [name for name, ids in self.work.items() if ids]
        if budget is None:
            return {name: None for name in names}
        estimates = {name: self.estimate(self.provider(name), self.work[name]).cost_usd for name in names}
        total = sum(estimates.values())
        if total <= 0:
            return {name: budget / len(names) for name in names}
        return {name: budget * estimate / total for name, estimate in estimates.items()}


def plan_labeling(
    config: Any,
    messages: pl.DataFrame,
    *,
    label_config: LabelConfig | None = None,
    api_keys: Mapping[str, SecretStr] | None = None,
    dry_run: bool = False,
    champion_scores: pl.DataFrame | None = None,
    run_id: str | None = None,
    include_seed: bool = True,
    seed_dir: Path | None = None,
) -> LabelingPlan:
    """Select what to label, look up the cache and split the remaining work per provider (sends nothing)."""
    label_config = label_config or config.label
    missing = [c for c in REQUIRED_COLUMNS if c not in messages.columns]
    if missing:
        raise ValueError(f"messages lack column(s) {missing}; pass the snapshot (docs/architecture.md)")
    run_id = run_id or f"label-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    result = LabelingResult(run_id, "ok", "", prompt_version(label_config.answer_format), dry_run=dry_run)

    enabled = [p for p in label_config.providers if p.enabled]
    keys = _provider_keys(enabled, api_keys, dry_run, result)
    # A dry run prices every enabled provider, keys or not: it is how one decides to buy them.
    active = enabled if dry_run else [p for p in enabled if p.name in keys]
    result.providers_used = [p.name for p in active]
    plan = LabelingPlan(run_id, result, label_config, active, keys, getattr(config, "seed", 13))
    plan.tiebreakers = [name for name in label_config.tiebreak_providers if name in {p.name for p in active}]
    if plan.tiebreakers and len(plan.voters) < 2:
        plan.tiebreakers = []  # fewer than two voters cannot settle anything: every provider votes
    if not active:
        result.status = "no_labelers"
        result.message = "no labelers configured: existing labels kept, nothing sent"
        logger.warning(result.message)
        plan.final = True
        return plan

    with LabelStore.for_config(config) as store:
        existing = _existing_labels(store, include_seed, seed_dir or getattr(config, "seed_dir", None))
        selection: Selection = select_for_labelling(
            messages,
            existing,
            champion_scores=champion_scores,
            confidence=label_config.cascade_confidence,
            audit_fraction=label_config.audit_fraction,
            seed=plan.seed,
            use_campaigns=label_config.propagate_campaigns,
        )
        texts = _texts_to_send(selection, label_config, result)
        rep_ids = list(texts)
        cached = store.cached_votes(rep_ids, [(p.name, p.model) for p in active], plan.prompt_version)
    # Tie-breakers start with no work: ``add_escalations`` gives them what the voters leave unsettled.
    work = {
        p.name: [] if p.name in plan.tiebreakers else [m for m in rep_ids if p.name not in cached.get(m, {})]
        for p in active
    }
    result.cache_hits = sum(len(v) for v in cached.values())
    result.pairs_requested = sum(len(v) for v in work.values())
    plan.texts, plan.rep_ids, plan.work, plan.selection, plan.existing = texts, rep_ids, work, selection, existing

    if dry_run:
        for provider in active:
            # A tie-breaker is priced as if asked about everything: an upper bound (disagreements are unknown yet).
            ids = work[provider.name] if provider.name not in plan.tiebreakers else [
                m for m in rep_ids if provider.name not in cached.get(m, {})
            ]
            result.usage.append(plan.estimate(provider, ids))
        result.status = "dry_run"
        result.message = (
            f"dry run: {result.selected} message(s) to label, {result.requests} request(s), "
            f"~{result.input_tokens} input / ~{result.output_tokens} output tokens, ~${result.cost_usd:.4f}"
        )
        logger.info(result.message)
        plan.final = True
    return plan


def _provider_keys(
    providers: list[LabelProviderConfig], api_keys: Mapping[str, SecretStr] | None, dry_run: bool, result: LabelingResult
) -> dict[str, SecretStr]:
    """Each provider's key, by name; one without a key is recorded in ``result.providers_skipped``."""
    keys: dict[str, SecretStr] = {}
    for provider in providers:
        key = resolve_api_key(provider, api_keys)
        if key is None:
            wanted = " or ".join([*provider.api_key_env, "api_key", "secret_block"])
            result.providers_skipped[provider.name] = f"no API key ({wanted})"
            if not dry_run:
                logger.warning("label provider %s skipped: no API key (set %s)", provider.name, wanted)
        else:
            keys[provider.name] = key
    return keys


def _texts_to_send(selection: Selection, label_config: LabelConfig, result: LabelingResult) -> dict[str, str]:
    """The selected messages this run sends (earliest first, up to the per-run cap): id -> scrubbed, cut text."""
    to_label = selection.to_label
    if "first_seen_at" in to_label.columns:
        to_label = to_label.sort(["first_seen_at", "message_id"])
    if label_config.max_messages_per_run is not None and to_label.height > label_config.max_messages_per_run:
        result.deferred = to_label.height - label_config.max_messages_per_run
        to_label = to_label.head(label_config.max_messages_per_run)
    result.selected = to_label.height
    result.skipped_confident = len(selection.skipped_confident)
    result.cascade_contradicted = len(selection.contradicted_ids)
    result.audited = len(selection.audit_ids)
    # The privacy pass runs again at send time: a snapshot ingested under an older normalisation stored a
    # text_for_llm without today's rules, and nothing of it may reach a vendor (idempotent on scrubbed text).
    return {
        mid: scrub_pii(text or "")[: label_config.max_text_chars]
        for mid, text in to_label.select("message_id", "text_for_llm").iter_rows()
    }


def unsettled(votes: list[Vote], n_voters: int, min_confidence: float) -> bool:
    """True when the voters' votes do not settle a message: a missing vote, a disagreement or a hesitant vote."""
    if len(votes) < n_voters:
        return True
    if len({v.label for v in votes}) > 1:
        return True
    return any(v.confidence < min_confidence for v in votes)


def add_escalations(config: Any, plan: LabelingPlan, voter_outcomes: list[ProviderOutcome]) -> int:
    """Routing, round two: give each tie-breaker the representatives the voters left unsettled; returns how many.

    Messages whose voters were not all finished (budget) wait for the next run, as in ``finish_labeling``.
    """
    if not plan.tiebreakers or plan.selection is None:
        return 0
    voters = plan.voters
    abstained: dict[str, set[str]] = {o.provider: o.abstained for o in voter_outcomes}
    providers = [(p.name, p.model) for p in plan.active]
    with LabelStore.for_config(config) as store:
        cached = store.cached_votes(plan.rep_ids, providers, plan.prompt_version)
    escalate: list[str] = []
    for mid in plan.rep_ids:
        have = cached.get(mid, {})
        if not all(name in have or mid in abstained.get(name, set()) for name in voters):
            continue
        votes = [Vote(v.provider, v.label, v.category, v.confidence) for name, v in have.items() if name in voters]
        if unsettled(votes, len(voters), plan.label_config.min_confidence):
            escalate.append(mid)
    total = 0
    for name in plan.tiebreakers:
        plan.work[name] = [mid for mid in escalate if name not in cached.get(mid, {})]
        total += len(plan.work[name])
    plan.result.pairs_requested += total
    plan.result.escalated = len(escalate)
    if escalate:
        logger.info("routing: %d message(s) unsettled by %s go to %s", len(escalate), voters, plan.tiebreakers)
    return total

"""The label stage as plain Python: select, look up the cache, ask the LLMs, vote, queue, propagate.

``run_labeling`` never raises for a provider's failure: failed requests become abstentions (not
cached, so the next run asks again), the run stops cleanly at the budget cap keeping everything
already paid for, and with no usable provider it returns the existing labels untouched. A run in which
**every** request failed (no provider answered once: a revoked key, an outage) is different: it is
recorded as ``failed`` with the reasons and raises ``LabelRunFailedError``, so the flow ends Failed and
the CLI exits non-zero instead of reporting "ok" with only abstentions.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import SecretStr

from models.label_prompt import PromptItem, prompt_version, short_ids
from models.llm_cost import (
    ProviderUsage,
    cost_usd,
    estimate_provider,
    estimate_request_input_tokens,
    estimate_request_output_tokens,
)
from models.privacy import scrub as scrub_pii
from spamloop.settings.label import LabelConfig, LabelProviderConfig
from tasks.label.providers import BatchAnswer, Labeler, make_labeler
from tasks.label.selection import Selection, select_for_labelling
from tasks.label.store import FINAL_LABEL_SCHEMA, CachedVote, LabelStore, load_seed_final_labels, merge_final_labels
from tasks.label.vote import Decision, Vote, decide

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("message_id", "text_for_llm")

LabelerFactory = Callable[[LabelProviderConfig, SecretStr, str], Labeler]


class LabelRunFailedError(RuntimeError):
    """Every request of a label run failed: nothing was labelled. ``result`` is the run's (failed) result."""

    def __init__(self, result: LabelingResult) -> None:
        super().__init__(f"label run {result.run_id} failed: {result.message}")
        self.result = result


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


def process_label() -> str:
    """``host:pid`` of this process: where a fan-out task actually ran."""
    return f"{socket.gethostname()}:{os.getpid()}"


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


@dataclass
class _Job:
    provider: str
    message_ids: list[str]
    retry_round: int = 0
    # Drawn when the job is built: fresh random ids for every request (retries of one request keep them).
    short_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.short_ids:
            self.short_ids = short_ids(len(self.message_ids))


@dataclass
class _Outcome:
    answer: BatchAnswer | None
    error: str | None
    attempts: int


class _RateLimiter:
    """Spaces request starts at least 60/rpm seconds apart across a provider's threads."""

    def __init__(self, requests_per_minute: float | None) -> None:
        self._interval = 60.0 / requests_per_minute if requests_per_minute else 0.0
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


_PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, ImportError, AssertionError)


def _is_retryable(exc: Exception) -> bool:
    status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 409, 429):
        return False  # bad request, auth, not found: asking again cannot help
    return True


def _describe_error(exc: Exception) -> str:
    """Type and HTTP status only: SDK messages can quote request content."""
    status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if isinstance(status, int) else "")


def _call_with_retries(
    labeler: Labeler, items: list[PromptItem], limiter: _RateLimiter, config: LabelConfig, rng: random.Random
) -> _Outcome:
    attempts = 0
    while True:
        attempts += 1
        limiter.wait()
        try:
            return _Outcome(labeler.label_batch(items), None, attempts)
        except _PROGRAMMING_ERRORS:
            raise  # a bug in this code, not a provider failure: fail loudly
        except Exception as exc:  # any SDK/transport failure becomes an abstention, never a crash
            error = _describe_error(exc)
            if attempts >= config.request_attempts or not _is_retryable(exc):
                return _Outcome(None, error, attempts)
            delay = min(config.backoff_max_s, config.backoff_base_s * 2 ** (attempts - 1))
            delay *= 0.5 + 0.5 * rng.random()  # jitter so parallel workers do not retry in lockstep
            logger.warning("%s: %s, retrying in %.1fs", labeler.provider.name, error, delay)
            time.sleep(delay)


class _Engine:
    """Runs every provider's batches with per-provider thread pools, caching each answer on arrival."""

    def __init__(
        self,
        store: LabelStore,
        config: LabelConfig,
        labelers: dict[str, Labeler],
        texts: dict[str, str],
        run_id: str,
        seed: int,
    ) -> None:
        self.store = store
        self.config = config
        self.prompt_version = prompt_version(config.answer_format)
        self.labelers = labelers
        self.texts = texts
        self.run_id = run_id
        self.rng = random.Random(seed)
        self.usage = {name: ProviderUsage(name, lab.provider.model) for name, lab in labelers.items()}
        self.abstained: dict[str, set[str]] = {name: set() for name in labelers}
        self.answered: dict[str, set[str]] = {name: set() for name in labelers}
        self.abstention_count = 0
        self.budget_exhausted = False
        self.errors: dict[str, Counter[str]] = {name: Counter() for name in labelers}
        self.duplicate_ids: dict[str, int] = {name: 0 for name in labelers}

    def _items(self, job: _Job) -> list[PromptItem]:
        return [PromptItem(sid, self.texts[mid]) for sid, mid in zip(job.short_ids, job.message_ids)]

    def _reservation(self, job: _Job) -> float:
        provider = self.labelers[job.provider].provider
        texts = [self.texts[m] for m in job.message_ids]
        return cost_usd(
            provider,
            estimate_request_input_tokens(texts, self.config.answer_format),
            estimate_request_output_tokens(len(texts), self.config.output_tokens_per_message),
        )

    def _spent(self) -> float:
        return sum(u.cost_usd for u in self.usage.values())

    def run(self, work: dict[str, list[str]]) -> None:
        queues: dict[str, deque[_Job]] = {}
        for name, ids in work.items():
            size = self.config.batch_size
            queues[name] = deque(_Job(name, ids[i : i + size]) for i in range(0, len(ids), size))
        pools = {
            name: ThreadPoolExecutor(max_workers=lab.provider.max_concurrency, thread_name_prefix=f"label-{name}")
            for name, lab in self.labelers.items()
        }
        limiters = {name: _RateLimiter(lab.provider.requests_per_minute) for name, lab in self.labelers.items()}
        in_flight: dict[Future[_Outcome], tuple[_Job, float]] = {}
        reserved = 0.0
        try:
            while True:
                for name, queue in queues.items():
                    provider = self.labelers[name].provider
                    while queue and not self.budget_exhausted:
                        if sum(1 for j, _ in in_flight.values() if j.provider == name) >= provider.max_concurrency:
                            break
                        job = queue[0]
                        cost = self._reservation(job)
                        budget = self.config.budget_usd
                        if budget is not None and self._spent() + reserved + cost > budget:
                            self.budget_exhausted = True
                            break
                        queue.popleft()
                        reserved += cost
                        seed = self.rng.randrange(2**32)
                        future = pools[name].submit(
                            _call_with_retries,
                            self.labelers[name],
                            self._items(job),
                            limiters[name],
                            self.config,
                            random.Random(seed),
                        )
                        in_flight[future] = (job, cost)
                if not in_flight:
                    break
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in done:
                    job, cost = in_flight.pop(future)
                    reserved -= cost
                    retry = self._handle(job, future.result())
                    if retry is not None:
                        queues[job.provider].appendleft(retry)
        finally:
            for pool in pools.values():
                pool.shutdown(wait=True, cancel_futures=True)

    def _handle(self, job: _Job, outcome: _Outcome) -> _Job | None:
        labeler = self.labelers[job.provider]
        provider = labeler.provider
        usage = self.usage[job.provider]
        if outcome.answer is None:
            usage.failed_requests += 1
            self.errors[job.provider][outcome.error or "unknown error"] += 1
            logger.warning(
                "%s: request for %d message(s) failed after %d attempt(s): %s",
                provider.name,
                len(job.message_ids),
                outcome.attempts,
                outcome.error,
            )
            self._abstain(job.provider, job.message_ids, f"request_failed: {outcome.error}")
            return None
        answer = outcome.answer
        usage.add(provider, answer.input_tokens, answer.output_tokens)
        by_short = dict(zip(job.short_ids, job.message_ids))
        self.duplicate_ids[job.provider] += answer.duplicate_ids
        votes = [
            CachedVote(by_short[sid], provider.name, provider.model, v.label, v.category, v.confidence)
            for sid, v in answer.votes.items()
        ]
        self.store.put_votes(votes, self.prompt_version, self.run_id)
        self.answered[job.provider].update(v.message_id for v in votes)
        missing = [mid for sid, mid in by_short.items() if sid not in answer.votes]
        if answer.problems:
            logger.info("%s: answer problems: %s", provider.name, "; ".join(answer.problems[:5]))
        if not missing:
            return None
        if job.retry_round < self.config.missing_retries:
            return _Job(job.provider, missing, job.retry_round + 1)
        self._abstain(job.provider, missing, "missing_or_malformed")
        return None

    def _abstain(self, provider: str, message_ids: list[str], reason: str) -> None:
        model = self.labelers[provider].provider.model
        self.store.put_abstentions([(m, provider, model, reason) for m in message_ids], self.run_id)
        self.abstained[provider].update(message_ids)
        self.abstention_count += len(message_ids)


def _existing_labels(store: LabelStore, include_seed: bool, seed_dir: Path | None) -> pl.DataFrame:
    seed = load_seed_final_labels(seed_dir) if include_seed else pl.DataFrame(schema=FINAL_LABEL_SCHEMA)
    return merge_final_labels(store.human_labels(), store.ensemble_final(), seed)


def _review_row(message_id: str, text: str, decision: Decision, votes: list[Vote]) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "reason": decision.review_reason,
        "text_for_llm": text,
        "votes": [
            {"provider": v.provider, "label": v.label, "category": v.category, "confidence": v.confidence}
            for v in votes
        ],
        "label": decision.label,
        "category": decision.category,
        "agreement": decision.agreement,
        "confidence": decision.confidence,
    }


def _propagation_rows(pairs: pl.DataFrame, rep_labels: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for message_id, rep_id in pairs.select("message_id", "rep_id").iter_rows():
        rep = rep_labels.get(rep_id)
        if rep is None:
            continue
        rows.append(
            {
                "message_id": message_id,
                "label": rep["label"],
                "category": rep["category"],
                "confidence": rep["confidence"],
                "agreement": rep.get("agreement"),
                "n_votes": 0,
                "needs_review": False,
                "propagated_from": rep_id,
            }
        )
    return rows


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

    def budget_shares(self) -> dict[str, float | None]:
        """The run's budget cap split over the providers with work, in proportion to each one's estimated cost.

        Providers labelled in parallel (one task each) cannot share one running total; with proportional
        shares each stops at about the same fraction of its work, as the shared cap of ``run_labeling`` does.
        """
        budget = self.label_config.budget_usd
        names = [name for name, ids in self.work.items() if ids]
        if budget is None:
            return {name: None for name in names}
        size = self.label_config.batch_size
        estimates = {}
        for name in names:
            ids = self.work[name]
            batches = [[self.texts[m] for m in ids[i : i + size]] for i in range(0, len(ids), size)]
            estimates[name] = estimate_provider(
                self.provider(name), batches, self.label_config.output_tokens_per_message, self.label_config.answer_format
            ).cost_usd
        total = sum(estimates.values())
        if total <= 0:
            return {name: budget / len(names) for name in names}
        return {name: budget * estimate / total for name, estimate in estimates.items()}


@dataclass
class ProviderOutcome:
    """What one provider's share of a run did (votes are already in the store's cache)."""

    provider: str
    usage: ProviderUsage
    abstained: set[str]
    abstention_count: int
    budget_exhausted: bool
    process: str = ""
    errors: dict[str, int] = field(default_factory=dict)  # failed requests by error (type and HTTP status)
    duplicate_ids: int = 0  # ids its answers gave twice (all copies dropped)


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
    keys: dict[str, SecretStr] = {}
    for provider in enabled:
        key = resolve_api_key(provider, api_keys)
        if key is None:
            wanted = " or ".join([*provider.api_key_env, "api_key", "secret_block"])
            result.providers_skipped[provider.name] = f"no API key ({wanted})"
            if not dry_run:
                logger.warning("label provider %s skipped: no API key (set %s)", provider.name, wanted)
        else:
            keys[provider.name] = key
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
        texts = {
            mid: scrub_pii(text or "")[: label_config.max_text_chars]
            for mid, text in to_label.select("message_id", "text_for_llm").iter_rows()
        }
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
        size = label_config.batch_size
        for provider in active:
            # A tie-breaker is priced as if asked about everything: an upper bound (disagreements are unknown yet).
            ids = work[provider.name] if provider.name not in plan.tiebreakers else [
                m for m in rep_ids if provider.name not in cached.get(m, {})
            ]
            batches = [[texts[m] for m in ids[i : i + size]] for i in range(0, len(ids), size)]
            result.usage.append(
                estimate_provider(provider, batches, label_config.output_tokens_per_message, label_config.answer_format)
            )
        result.status = "dry_run"
        result.message = (
            f"dry run: {result.selected} message(s) to label, {result.requests} request(s), "
            f"~{result.input_tokens} input / ~{result.output_tokens} output tokens, ~${result.cost_usd:.4f}"
        )
        logger.info(result.message)
        plan.final = True
    return plan


def start_labeling_run(config: Any, plan: LabelingPlan) -> None:
    """Record the run as started (before any request, so a killed run is visible in the store)."""
    with LabelStore.for_config(config) as store:
        store.start_run(plan.run_id, plan.prompt_version)


def _outcomes(engine: _Engine) -> list[ProviderOutcome]:
    return [
        ProviderOutcome(
            provider=name,
            usage=engine.usage[name],
            abstained=set(engine.abstained[name]),
            # A message abstains at most once per provider and run: it is never re-queued after that.
            abstention_count=len(engine.abstained[name]),
            budget_exhausted=engine.budget_exhausted,
            errors=dict(engine.errors[name]),
            duplicate_ids=engine.duplicate_ids[name],
        )
        for name in engine.labelers
    ]


def request_provider_votes(
    config: Any,
    plan: LabelingPlan,
    provider_name: str,
    budget_usd: float | None,
    labeler_factory: LabelerFactory = make_labeler,
) -> ProviderOutcome:
    """Ask one provider for its share of the plan's work under its own budget share; votes are cached on arrival.

    Needs only the plan and the state folder, so it can run in another process or on another machine that
    mounts the same state folder (Dask workers).
    """
    provider = plan.provider(provider_name)
    ids = plan.work.get(provider_name, [])
    label_config = plan.label_config.model_copy(update={"budget_usd": budget_usd})
    texts = {m: plan.texts[m] for m in ids}
    labeler = labeler_factory(provider, plan.keys[provider_name], label_config.answer_format)
    with LabelStore.for_config(config) as store:
        engine = _Engine(store, label_config, {provider_name: labeler}, texts, plan.run_id, plan.seed)
        if ids:
            engine.run({provider_name: ids})
    (outcome,) = _outcomes(engine)
    outcome.process = process_label()
    return outcome


def finish_labeling(config: Any, plan: LabelingPlan, outcomes: list[ProviderOutcome]) -> LabelingResult:
    """Vote on every representative all providers are done with, queue reviews, propagate, close the run."""
    result = plan.result
    label_config = plan.label_config
    active = plan.active
    by_name = {o.provider: o for o in outcomes}
    result.usage = [
        by_name[p.name].usage if p.name in by_name else ProviderUsage(p.name, p.model) for p in active
    ]
    result.abstentions = sum(o.abstention_count for o in outcomes)
    result.duplicate_ids_dropped = sum(o.duplicate_ids for o in outcomes)
    abstained = {p.name: by_name[p.name].abstained if p.name in by_name else set() for p in active}
    result.worker_processes |= {o.provider: o.process for o in outcomes if o.process}
    budget_exhausted = any(o.budget_exhausted for o in outcomes)
    selection, existing = plan.selection, plan.existing
    if selection is None or existing is None:
        raise ValueError("finish_labeling needs a plan that selected messages (not a dry run or a run without labellers)")
    run_id, texts, rep_ids = plan.run_id, plan.texts, plan.rep_ids

    with LabelStore.for_config(config) as store:
        store.put_cost_rows(run_id, result.cost_rows())
        # Vote on every representative every active provider has finished with (voted or abstained).
        votes_by_message = store.cached_votes(rep_ids, [(p.name, p.model) for p in active], plan.prompt_version)
        ensemble_rows: list[dict[str, Any]] = []
        review_rows: list[dict[str, Any]] = []
        rep_labels: dict[str, dict[str, Any]] = {}
        for mid in rep_ids:
            have = votes_by_message.get(mid, {})
            # A tie-breaker counts only where it was asked (or had answered before); the voters always.
            asked = [
                p for p in active if p.name not in plan.tiebreakers or mid in plan.work.get(p.name, ()) or p.name in have
            ]
            finished = all(p.name in have or mid in abstained[p.name] for p in asked)
            if not finished or not have:
                continue  # unpaid (budget) or only errors: asked again next run
            votes = [Vote(v.provider, v.label, v.category, v.confidence) for v in have.values()]
            decision = decide(
                votes,
                min_agreement=label_config.min_agreement,
                min_confidence=label_config.min_confidence,
                min_votes=label_config.min_votes,
            )
            row = {
                "message_id": mid,
                "label": decision.label,
                "category": decision.category,
                "confidence": decision.confidence,
                "agreement": decision.agreement,
                "n_votes": decision.n_votes,
                "needs_review": decision.needs_review,
                "review_reason": decision.review_reason,
            }
            ensemble_rows.append(row)
            if decision.needs_review:
                review_rows.append(_review_row(mid, texts[mid], decision, votes))
            else:
                rep_labels[mid] = row
        store.put_ensemble(ensemble_rows, plan.prompt_version, run_id)
        store.put_review_items(review_rows, run_id)
        store.close_review_items(list(rep_labels))
        result.decided = len(rep_labels)
        result.review_queued = len(review_rows)

        propagated: list[dict[str, Any]] = []
        if label_config.propagate_campaigns:
            propagated += _propagation_rows(selection.waiting_members, rep_labels)
            existing_by_id = {row["message_id"]: row for row in existing.iter_rows(named=True)}
            propagated += _propagation_rows(selection.propagate_now, existing_by_id)
            store.put_ensemble(propagated, plan.prompt_version, run_id)
        result.propagated = len(propagated)

        failed = _every_request_failed(result, outcomes)
        if failed is not None:
            result.status = "failed"
            result.message = failed
            logger.error("label run %s failed: %s", run_id, failed)
        elif not result.selected and not result.propagated:
            result.status = "nothing_to_label"
            result.message = "nothing to label: every message has a label or waits for review"
            logger.info(result.message)
        elif budget_exhausted:
            result.status = "budget_exhausted"
            result.message = (
                f"budget cap ${label_config.budget_usd} reached: stopped after ${result.cost_usd:.4f}; "
                f"{result.decided} labelled, the rest waits for the next run"
            )
            logger.warning(result.message)
        else:
            result.message = (
                f"{result.decided} labelled, {result.propagated} propagated, {result.review_queued} to review, "
                f"{result.abstentions} abstention(s), {result.requests} request(s), ${result.cost_usd:.4f}"
            )
            if result.duplicate_ids_dropped:
                result.message += f", {result.duplicate_ids_dropped} id(s) answered twice dropped"
            logger.info("label run %s: %s", run_id, result.message)
        store.finish_run(run_id, result.status, result.message, result.summary())
    if result.status == "failed":
        raise LabelRunFailedError(result)
    return result


def _every_request_failed(result: LabelingResult, outcomes: list[ProviderOutcome]) -> str | None:
    """Why the run failed when requests were sent and not one was answered; None otherwise."""
    failed_requests = sum(u.failed_requests for u in result.usage)
    if result.requests or not failed_requests:
        return None
    reasons = "; ".join(
        f"{o.provider}: " + ", ".join(f"{error} x{count}" for error, count in sorted(o.errors.items()))
        for o in outcomes
        if o.errors
    )
    return (
        f"every request failed ({failed_requests} request(s), nothing labelled; {result.abstentions} abstention(s) "
        f"are asked again next run): {reasons}"
    )


def run_labeling(
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
    labeler_factory: LabelerFactory = make_labeler,
) -> LabelingResult:
    """Label the unlabelled messages of ``messages`` (snapshot schema) with the LLM ensemble.

    Only ``text_for_llm`` ever leaves the process. ``api_keys`` (provider name -> key) override the
    config and environment. ``dry_run`` estimates requests, tokens and USD without calling anything.
    In one process, every provider runs at once under one shared budget cap; the label flow instead runs
    ``plan_labeling`` -> one ``request_provider_votes`` task per provider -> ``finish_labeling``.
    """
    plan = plan_labeling(
        config,
        messages,
        label_config=label_config,
        api_keys=api_keys,
        dry_run=dry_run,
        champion_scores=champion_scores,
        run_id=run_id,
        include_seed=include_seed,
        seed_dir=seed_dir,
    )
    if plan.final:
        return plan.result
    start_labeling_run(config, plan)
    labelers = {p.name: labeler_factory(p, plan.keys[p.name], plan.label_config.answer_format) for p in plan.active}
    with LabelStore.for_config(config) as store:
        engine = _Engine(store, plan.label_config, labelers, plan.texts, plan.run_id, plan.seed)
        if plan.result.pairs_requested:
            engine.run({name: ids for name, ids in plan.work.items() if ids})
        if not engine.budget_exhausted and add_escalations(config, plan, _outcomes(engine)):
            engine.run({name: plan.work[name] for name in plan.tiebreakers if plan.work[name]})
    return finish_labeling(config, plan, _outcomes(engine))


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

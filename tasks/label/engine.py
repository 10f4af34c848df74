"""Concurrent LLM requests of the label stage: per-provider thread pools, rate limits, retries, the budget cap.

``RequestEngine`` asks each provider about the message ids it is given, ``batch_size`` per request, and caches
every answer (votes, abstentions) as it arrives. Which messages those are, and why, is the plan's business
(``plan.py``).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from models.label_prompt import PromptItem, prompt_version, short_ids
from models.llm_cost import ProviderUsage, cost_usd, estimate_request_input_tokens, estimate_request_output_tokens
from spamloop.settings.label import LabelConfig
from tasks.label.providers import BatchAnswer, Labeler
from tasks.label.store import CachedVote, LabelStore

logger = logging.getLogger(__name__)


def process_label() -> str:
    """``host:pid`` of this process: where a fan-out task actually ran."""
    return f"{socket.gethostname()}:{os.getpid()}"


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


class RequestEngine:
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

    def outcomes(self) -> list[ProviderOutcome]:
        """One outcome per provider, from what the runs so far did."""
        return [
            ProviderOutcome(
                provider=name,
                usage=self.usage[name],
                abstained=set(self.abstained[name]),
                # A message abstains at most once per provider and run: it is never re-queued after that.
                abstention_count=len(self.abstained[name]),
                budget_exhausted=self.budget_exhausted,
                errors=dict(self.errors[name]),
                duplicate_ids=self.duplicate_ids[name],
            )
            for name in self.labelers
        ]

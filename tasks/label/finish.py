"""The end of a label run: vote on every representative the providers are done with, queue the disagreements
for review, propagate labels to campaign members and close the run with its status.
"""

from __future__ import annotations

import logging
from typing import Any

import polars as pl

from models.llm_cost import ProviderUsage
from tasks.label.engine import ProviderOutcome
from tasks.label.plan import LabelingPlan, LabelingResult
from tasks.label.store import CachedVote, LabelStore
from tasks.label.vote import Decision, Vote, decide

logger = logging.getLogger(__name__)


class LabelRunFailedError(RuntimeError):
    """Every request of a label run failed: nothing was labelled. ``result`` is the run's (failed) result."""

    def __init__(self, result: LabelingResult) -> None:
        super().__init__(f"label run {result.run_id} failed: {result.message}")
        self.result = result


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


def finish_labeling(config: Any, plan: LabelingPlan, outcomes: list[ProviderOutcome]) -> LabelingResult:
    """Vote on every representative all providers are done with, queue reviews, propagate, close the run."""
    result = plan.result
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
    run_id = plan.run_id

    with LabelStore.for_config(config) as store:
        store.put_cost_rows(run_id, result.cost_rows())
        # Vote on every representative every active provider has finished with (voted or abstained).
        votes_by_message = store.cached_votes(plan.rep_ids, [(p.name, p.model) for p in active], plan.prompt_version)
        ensemble_rows, review_rows, rep_labels = _decide(plan, votes_by_message, abstained)
        store.put_ensemble(ensemble_rows, plan.prompt_version, run_id)
        store.put_review_items(review_rows, run_id)
        store.close_review_items(list(rep_labels))
        result.decided = len(rep_labels)
        result.review_queued = len(review_rows)

        propagated: list[dict[str, Any]] = []
        if plan.label_config.propagate_campaigns:
            propagated += _propagation_rows(selection.waiting_members, rep_labels)
            existing_by_id = {row["message_id"]: row for row in existing.iter_rows(named=True)}
            propagated += _propagation_rows(selection.propagate_now, existing_by_id)
            store.put_ensemble(propagated, plan.prompt_version, run_id)
        result.propagated = len(propagated)

        _set_status(result, outcomes, budget_exhausted, plan.label_config.budget_usd)
        store.finish_run(run_id, result.status, result.message, result.summary())
    if result.status == "failed":
        raise LabelRunFailedError(result)
    return result


def _decide(
    plan: LabelingPlan, votes_by_message: dict[str, dict[str, CachedVote]], abstained: dict[str, set[str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Ensemble rows, review rows and the settled labels (by representative) of the finished representatives."""
    label_config = plan.label_config
    ensemble_rows: list[dict[str, Any]] = []
    review_rows: list[dict[str, Any]] = []
    rep_labels: dict[str, dict[str, Any]] = {}
    for mid in plan.rep_ids:
        have = votes_by_message.get(mid, {})
        # A tie-breaker counts only where it was asked (or had answered before); the voters always.
        asked = [
            p for p in plan.active if p.name not in plan.tiebreakers or mid in plan.work.get(p.name, ()) or p.name in have
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
            review_rows.append(_review_row(mid, plan.texts[mid], decision, votes))
        else:
            rep_labels[mid] = row
    return ensemble_rows, review_rows, rep_labels


def _set_status(
    result: LabelingResult, outcomes: list[ProviderOutcome], budget_exhausted: bool, budget_usd: float | None
) -> None:
    """The run's status and one-line message, logged at the level it deserves."""
    failed = _every_request_failed(result, outcomes)
    if failed is not None:
        result.status = "failed"
        result.message = failed
        logger.error("label run %s failed: %s", result.run_id, failed)
    elif not result.selected and not result.propagated:
        result.status = "nothing_to_label"
        result.message = "nothing to label: every message has a label or waits for review"
        logger.info(result.message)
    elif budget_exhausted:
        result.status = "budget_exhausted"
        result.message = (
            f"budget cap ${budget_usd} reached: stopped after ${result.cost_usd:.4f}; "
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
        logger.info("label run %s: %s", result.run_id, result.message)


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

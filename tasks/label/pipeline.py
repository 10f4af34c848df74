"""The label stage as plain Python: plan (``plan.py``: select, look up the cache, split the work), ask the LLMs
(``engine.py``), vote, queue and propagate (``finish.py``).

``run_labeling`` never raises for a provider's failure: failed requests become abstentions (not
cached, so the next run asks again), the run stops cleanly at the budget cap keeping everything
already paid for, and with no usable provider it returns the existing labels untouched. A run in which
**every** request failed (no provider answered once: a revoked key, an outage) is different: it is
recorded as ``failed`` with the reasons and raises ``LabelRunFailedError``, so the flow ends Failed and
the CLI exits non-zero instead of reporting "ok" with only abstentions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import SecretStr

from spamloop.settings.label import LabelConfig, LabelProviderConfig
from tasks.label.engine import ProviderOutcome, RequestEngine, process_label
from tasks.label.finish import finish_labeling
from tasks.label.plan import LabelingPlan, LabelingResult, add_escalations, plan_labeling
from tasks.label.providers import Labeler, make_labeler
from tasks.label.store import LabelStore

LabelerFactory = Callable[[LabelProviderConfig, SecretStr, str], Labeler]


def start_labeling_run(config: Any, plan: LabelingPlan) -> None:
    """Record the run as started (before any request, so a killed run is visible in the store)."""
    with LabelStore.for_config(config) as store:
        store.start_run(plan.run_id, plan.prompt_version)


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
        engine = RequestEngine(store, label_config, {provider_name: labeler}, texts, plan.run_id, plan.seed)
        if ids:
            engine.run({provider_name: ids})
    (outcome,) = engine.outcomes()
    outcome.process = process_label()
    return outcome


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
        engine = RequestEngine(store, plan.label_config, labelers, plan.texts, plan.run_id, plan.seed)
        if plan.result.pairs_requested:
            engine.run({name: ids for name, ids in plan.work.items() if ids})
        if not engine.budget_exhausted and add_escalations(config, plan, engine.outcomes()):
            engine.run({name: plan.work[name] for name in plan.tiebreakers if plan.work[name]})
    return finish_labeling(config, plan, engine.outcomes())

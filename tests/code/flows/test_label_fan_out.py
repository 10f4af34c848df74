"""The label flow's fan-out (one task per LLM provider, champion scoring in chunks) on a real Dask LocalCluster.

Two identical state folders are labelled, one with the default thread runner and one with
``orchestration.task_runner = "dask"`` (2 worker processes, 1 thread each): the outcomes must be equal,
and the Dask run's tasks must have run in the worker processes, not in this one.
"""

from __future__ import annotations

import os

import mlflow
import pytest
from mlflow import MlflowClient

from spamloop.config import load_config
from spamloop.settings.label import LabelConfig
from tasks.label.store import final_labels
from tests.code.flows.test_label_flow import _write_raw_logs
from tests.code.tasks.evaluate.spam_models import GOLD_DIR, fit_spam_pipeline, log_spam_model, training_frame
from tests.support.llm_server import LLMServer

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

MODEL_NAME = "fan-out-test-spam"
COMPARED = (
    "status", "selected", "decided", "propagated", "review_queued", "abstentions", "cache_hits",
    "skipped_confident", "audited", "requests", "input_tokens", "output_tokens", "cost_usd", "champion_version",
)


def register_champion(tracking_uri: str) -> None:
    """A small real TF-IDF champion (5% of the seed labels) behind alias champion."""
    from models.gold import load_gold

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    pipeline = fit_spam_pipeline(training_frame(load_gold("v1", GOLD_DIR)), fraction=0.05)
    model_uri, _ = log_spam_model(pipeline, 0.5, "fan-out-test", "champion")
    version = mlflow.register_model(model_uri, MODEL_NAME)
    MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri).set_registered_model_alias(
        MODEL_NAME, "champion", version.version
    )


def ingested_config(root, tracking_uri, **orchestration):
    from tasks.ingest.pipeline import run_ingest

    raw = root / "raw"
    _write_raw_logs(raw)
    config = load_config(
        state_dir=root / "state",
        mlflow_tracking_uri=tracking_uri,
        ingest={"source": str(raw)},
        evaluate={"registered_model_name": MODEL_NAME, "gold_dir": str(GOLD_DIR)},
        orchestration={"scoring_chunk_size": 2, **orchestration},
    )
    run_ingest(config)
    return config


def test_label_flow_on_dask_equals_threads_and_runs_on_the_workers(prefect_harness, tmp_path):
    from flows.label import label as label_flow

    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    register_champion(tracking_uri)
    threaded = ingested_config(tmp_path / "threads", tracking_uri)
    on_dask = ingested_config(
        tmp_path / "dask", tracking_uri, task_runner="dask", dask_n_workers=2, dask_threads_per_worker=1
    )

    with LLMServer() as server:
        # Confident champion scores skip a message only at >= 0.97 either way, so some still go to the LLMs.
        label_config = LabelConfig(
            providers=server.provider_configs(), tiebreak_providers=[], batch_size=2, budget_usd=1.0, cascade_confidence=0.97
        )
        results = {}
        for name, config in (("threads", threaded), ("dask", on_dask)):
            results[name] = label_flow(config=config.model_copy(update={"label": label_config}))
            assert results[name].status == "ok", results[name].message

    by_threads, by_dask = results["threads"], results["dask"]
    assert by_threads.champion_version == "1"
    assert by_threads.selected + by_threads.skipped_confident > 0 and by_threads.requests > 0
    assert {name: getattr(by_dask, name) for name in COMPARED} == {name: getattr(by_threads, name) for name in COMPARED}
    assert [u.as_row() for u in by_dask.usage] == [u.as_row() for u in by_threads.usage]
    assert final_labels(on_dask, include_seed=False).sort("message_id").equals(
        final_labels(threaded, include_seed=False).sort("message_id")
    )

    providers = [p.name for p in label_config.providers]
    chunks = [f"score-{index}" for index in range(3)]  # 5 messages, 2 per chunk
    assert set(by_threads.worker_processes) == set(by_dask.worker_processes) == set(providers) | set(chunks)
    here = os.getpid()
    assert {int(where.rsplit(":", 1)[1]) for where in by_threads.worker_processes.values()} == {here}
    dask_pids = {int(where.rsplit(":", 1)[1]) for where in by_dask.worker_processes.values()}
    assert here not in dask_pids and 1 <= len(dask_pids) <= 2, by_dask.worker_processes


def test_the_champion_scores_only_when_a_provider_could_be_asked(prefect_harness, tmp_path, monkeypatch):
    """The cascade is on by default; without any provider key the run sends nothing, so scoring every unlabelled
    message would be wasted work. A dry run still scores: its estimate counts only what the cascade would send."""
    from flows.label import label as label_flow

    for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    register_champion(tracking_uri)
    config = ingested_config(tmp_path / "keys", tracking_uri)
    with LLMServer() as server:
        keyless = [p.model_copy(update={"api_key": None, "api_key_env": []}) for p in server.provider_configs()]
        config = config.model_copy(update={"label": LabelConfig(providers=keyless, batch_size=2)})
        assert config.label.cascade_confidence == 0.9
        unkeyed = label_flow(config=config)
        estimate = label_flow(config=config, dry_run=True)
        assert server.requests_for() == []

    assert unkeyed.status == "no_labelers" and unkeyed.champion_version is None
    assert not [where for where in unkeyed.worker_processes if where.startswith("score-")]
    assert estimate.status == "dry_run" and estimate.champion_version == "1"
    assert {where for where in estimate.worker_processes if where.startswith("score-")} == {"score-0", "score-1", "score-2"}
    assert estimate.skipped_confident > 0, "the estimate prices only what the cascade would send"


def test_plan_shares_split_work_keys_and_budget_per_provider(tmp_path):
    """What each provider task is sent: only its own work, texts and key; budgets sum to the cap by cost."""
    from tasks.label.plan import plan_labeling
    from tests.support.llm_server import messages_frame

    config = load_config(state_dir=tmp_path / "state")
    texts = [f"바카라 첫충 {i}% 문의" for i in range(6)] + ["내일 점심 같이 먹을래?"]
    with LLMServer() as server:  # never called: planning sends nothing
        label_config = LabelConfig(providers=server.provider_configs(), tiebreak_providers=[], batch_size=3, budget_usd=0.9)
    plan = plan_labeling(config, messages_frame(texts), label_config=label_config, include_seed=False)
    assert not plan.final and len(plan.rep_ids) == 7

    shares = plan.budget_shares()
    assert set(shares) == {"openai", "gemini", "anthropic"}
    assert sum(shares.values()) == pytest.approx(0.9)
    # Same work for each, so shares follow the prices: anthropic costs most per token in and out.
    assert max(shares, key=shares.get) == "anthropic" and min(shares.values()) > 0

    share = plan.share("gemini")
    assert share.work == {"gemini": plan.work["gemini"]} and set(share.texts) == set(plan.work["gemini"])
    assert list(share.keys) == ["gemini"] and [p.name for p in share.active] == ["gemini"]
    assert share.selection is None and share.existing is None  # no frames travel to the workers

    unlimited = plan_labeling(
        config, messages_frame(texts), label_config=label_config.model_copy(update={"budget_usd": None}), include_seed=False
    )
    assert unlimited.budget_shares() == {"openai": None, "gemini": None, "anthropic": None}

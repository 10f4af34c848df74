"""The evaluate, approve and rollback flows run for real (Prefect test harness, SQLite MLflow)."""

from __future__ import annotations

import mlflow
import polars as pl
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.evaluate import ApprovalRequest, approve_version, evaluate
from flows.rollback import rollback_champion
from models.candidate import Candidate
from models.gold import load_gold
from models.registry import registry_client
from spamloop.config import load_config
from tasks.evaluate.registry import current_aliases
from tasks.train.splits import hash_unit
from tests.code.tasks.evaluate.spam_models import (
    GOLD_DIR,
    dev_threshold,
    fit_spam_pipeline,
    gate_config,
    log_spam_model,
    training_frame,
)

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def _latest_markdown(key: str) -> str:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    assert artifacts, f"no artifact {key}"
    return max(artifacts, key=lambda artifact: artifact.created).data


def test_evaluate_approve_and_rollback_flows(prefect_harness, tmp_path):
    config = load_config(state_dir=tmp_path / "state")
    config.paths.mlflow_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(config.resolved_tracking_uri)
    gold = load_gold(config.evaluate.gold_version, GOLD_DIR)
    frame = training_frame(gold)
    is_dev = pl.Series([hash_unit(mid, 99) < 0.15 for mid in frame["message_id"].to_list()], dtype=pl.Boolean)
    pipeline = fit_spam_pipeline(frame.filter(~is_dev), fraction=0.3)
    threshold = dev_threshold(pipeline, frame.filter(is_dev))
    model_uri, run_id = log_spam_model(pipeline, threshold, config.mlflow_experiment, "train-flow-test")

    eval_config = gate_config(auto_promote=True)
    candidate = Candidate(run_id=run_id, model_uri=model_uri, threshold=threshold)
    first = evaluate(candidate=candidate, config=config, eval_config=eval_config)
    assert first.verdict == "pass" and first.promoted and first.version == "1"
    markdown = _latest_markdown("evaluation-gates")
    assert "Evaluation of spamloop-sms-spam v1: PASS" in markdown
    assert "| regression_spam_f1 | regression | ➖ skipped | – | – | – | – | skipped: no champion |" in markdown
    n_ham = gold.frame.filter(pl.col("label") == "ham").height
    floor = next(g for g in first.gates if g.name == "floor_ham_fpr")  # each verdict beside its interval and n
    assert f"| floor_ham_fpr | floor | ✅ pass | {floor.value:.4g} | [{floor.ci_low:.4f}, {floor.ci_high:.4f}] | {n_ham} ({floor.count}) |" in markdown
    assert f"run id `{first.evaluation_run_id}`" in markdown  # SQLite tracking: no UI URL, the run id

    # Second candidate waits for review, then the approve flow promotes it.
    review_config = gate_config(auto_promote=False)
    # No threshold given: the one the training run recorded is used.
    second = evaluate(candidate=candidate.model_copy(update={"threshold": None}), config=config, eval_config=review_config)
    assert second.threshold == threshold
    assert second.verdict == "pass" and not second.promoted and second.challenger_set
    assert "awaiting review" in _latest_markdown("evaluation-gates")
    previous = approve_version(ApprovalRequest(version=second.version, comment="same data, reproducible", reviewer="carol"), config, review_config)
    client = registry_client(config.resolved_tracking_uri)
    assert previous == "1" and current_aliases(client, "spamloop-sms-spam") == {"champion": "2", "challenger": "2"}

    rolled = rollback_champion(comment="drill", reviewer="oncall", config=config, eval_config=review_config)
    assert (rolled.from_version, rolled.to_version) == ("2", "1")
    assert current_aliases(client, "spamloop-sms-spam")["champion"] == "1"
    assert "champion: v2 → **v1**" in _latest_markdown("rollback")

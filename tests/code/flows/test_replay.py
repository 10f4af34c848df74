"""The loop replay end to end: two weeks through the real weekly retrain with the simulated providers.

A minimal model keeps it cheap; the promotion gates are switched off here, as in the deployment test, because a
minimal model cannot pass them and this test is about the loop carrying a new campaign from the reports to the
phones. bench/replay.py measures the loop with every gate at its default.
"""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from flows.replay import GATES_OFF, ReplayOptions, run_replay
from spamloop.config import load_config

# Two real weekly retrains (train, TFLite export, evaluate, publish each): minutes on a shared 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

MINIMAL_MODEL = {
    "epochs": 3, "vocab_size": 2000, "distill_folds": 2, "misclassified_examples": 0, "max_seq_len": 32, "num_threads": 2,
    "max_language_oversample": 1,
}
SMALL_WEEKS = {
    "campaign_size": 15, "heldout_per_campaign": 20, "campaigns_per_week": 2, "spam_singletons": 30,
    "ham_per_week": 100, "heldout_ham": 60,
}


def test_two_week_replay_blocks_the_new_campaign_and_counts_the_cost(prefect_harness, tmp_path):
    # A new kind of spam that reads like a personal message ("엄마 나 폰 고장나서…"): the week-1 model cannot know it.
    # (stock_reading_room, used before, was already blocked by week 1's model once the n-gram half started from a
    # logistic regression: recall 1.0 before and after, so the test could no longer show the loop at work.)
    options = ReplayOptions(
        weeks=2, seed=7, new_subtypes=["family_impersonation"], epochs=None, seed_rows=100, drift=SMALL_WEEKS,
        overrides={"train": MINIMAL_MODEL, "evaluate": GATES_OFF, "export": {"int8_min_agreement": 0.5, "seq_lengths": [32]}},
    )
    report = run_replay(options, tmp_path / "state")

    first, second = report.rows
    assert first.error is None and second.error is None
    assert first.published and second.published and first.published != second.published
    assert second.new_subtypes == ["family_impersonation"] and second.new_campaigns
    # The new campaign: what phones had before the week against what was published after it, on unseen variants.
    assert second.recall_new_before is not None and second.recall_new_after is not None
    assert second.recall_new_after > second.recall_new_before
    # Cost was counted, from the providers' own usage fields, and extrapolated.
    for row in report.rows:
        assert row.llm_requests > 0 and row.input_tokens > 0 and row.output_tokens > 0 and row.cost_usd > 0
        assert row.krw_per_month and row.krw_per_month > 0 and row.naive_cost_usd > row.cost_usd
        assert row.label_accuracy is not None and row.label_accuracy > 0.8
        assert {"majority vote", "Dawid-Skene", "openai"} <= set(row.combined)
    # Without the cascade, the week's representatives the champion kept would have cost more input tokens.
    assert second.input_tokens_without_cascade is not None and second.input_tokens_without_cascade >= second.input_tokens
    assert report.unknown_texts == 0
    # One MLflow run per week under the replay's run, with the table and the plot.
    client = MlflowClient(tracking_uri=load_config(state_dir=tmp_path / "state").resolved_tracking_uri)
    parent = client.get_run(report.mlflow_run_id)
    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{report.mlflow_run_id}'"
    )
    assert sorted(r.info.run_name for r in children) == ["week-01", "week-02"]
    assert {"replay.png", "replay.md", "replay.json"} <= {a.path for a in client.list_artifacts(report.mlflow_run_id)}

"""The model card (the registry version's description) and the Prefect artifact: every gate's interval and n beside
its verdict, slice rates as messages ("7/18"), the comparison differences logged for MLflow. No server needed."""

from __future__ import annotations

import numpy as np
import pytest

from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.behavioural import run_behavioural_tests
from tasks.evaluate.gates import floor_gates, overall_verdict, regression_gates, slice_gates
from tasks.evaluate.metrics import GoldBootstrap
from tasks.evaluate.pipeline import (
    ChampionInfo,
    EvaluationResult,
    evaluation_markdown,
    gate_difference_metrics,
    model_card,
)


@pytest.fixture(scope="module")
def evaluated(gold):
    """A candidate and a slightly different champion scored on gold v1 (seeded scores, no model needed)."""
    rng = np.random.default_rng(4)
    truth = np.asarray(gold.is_spam)
    candidate = np.where(truth, rng.beta(8, 1, truth.size), rng.beta(1, 15, truth.size))
    champion = np.clip(candidate + rng.normal(0, 0.05, truth.size), 0, 1)
    bootstrap = GoldBootstrap(gold.frame, n_resamples=1000, seed=1)
    config = EvaluateConfig()
    measured = bootstrap.measure(candidate, 0.5)
    champion_measured = bootstrap.measure(champion, 0.5, pr_auc_scopes=["all"])
    behavioural = run_behavioural_tests(lambda texts: [0.9 if "http" in t else 0.1 for t in texts], 0.5, n_resamples=1000)
    gates = [
        *floor_gates(measured, config),
        *regression_gates(measured, champion_measured, config, "champion v1"),
        *slice_gates(measured, config),
    ]
    return measured, champion_measured, behavioural, gates


def test_model_card_shows_counts_intervals_and_n(gold, evaluated):
    measured, champion_measured, behavioural, gates = evaluated
    card = model_card(
        "spamloop-sms-spam", "runs:/abc/model", "abc", {"snapshot_id": "s1", "dataset_source": "seed", "dataset_digest": "d"},
        0.5, gold, measured.overall, measured.slices, behavioural, gates, overall_verdict(gates),
        ChampionInfo(version="1", threshold=0.5, metrics=champion_measured.overall), measured.intervals(), "95% bootstrap, 1000 resamples",
    )
    has_url = measured.slices["has_url"]
    low, high = measured.interval("has_url", "ham_fpr")
    # The has_url ham FPR reads as so many of gold's 18 URL hams, with its interval.
    assert f"{has_url['ham_fpr']:.4f} ({int(has_url['fp'])}/18) [{low:.3f}, {high:.3f}]" in card
    assert "- intervals: 95% bootstrap, 1000 resamples" in card
    assert "| gate | group | verdict | value | 95% interval | n | limit | reason |" in card
    regression = next(g for g in gates if g.name == "regression_spam_f1")
    assert "| regression_spam_f1 | regression | " in card and f"[{regression.ci_low:+.4f}, {regression.ci_high:+.4f}] | 190 |" in card
    transactional = next(g for g in gates if g.name == "slice_transactional_ham_ham_fpr")
    assert f"| 119 ({transactional.count}) | 0.03 |" in card
    assert "invariance" in card and "/11)" in card  # behavioural pass rates as cases


def test_comparison_differences_are_mlflow_metrics(evaluated):
    _, _, _, gates = evaluated
    logged = gate_difference_metrics(gates)
    regression = next(g for g in gates if g.name == "regression_ham_fpr")
    assert logged["regression_ham_fpr_diff"] == regression.value
    assert (logged["regression_ham_fpr_diff_lo"], logged["regression_ham_fpr_diff_hi"]) == (regression.ci_low, regression.ci_high)
    assert not any(name.startswith("floor_") for name in logged)


def test_the_evaluation_record_round_trips_and_the_artifact_shows_intervals(gold, evaluated):
    """flows/resume.py reloads the record from JSON: intervals and the new gate fields survive."""
    measured, champion_measured, behavioural, gates = evaluated
    result = EvaluationResult(
        candidate_model_uri="runs:/abc/model", training_run_id="abc", threshold=0.5, gold_version="v1",
        gold_sha256=gold.manifest.sha256, metrics=measured.overall, slices=measured.slices, intervals=measured.intervals(),
        behavioural=behavioural, champion=ChampionInfo(version="1", threshold=0.5, metrics=champion_measured.overall),
        gates=gates, verdict=overall_verdict(gates), registered_model="spamloop-sms-spam", version="2",
        challenger_set=False, promoted=False, aliases_after={"champion": "1", "challenger": None},
        evaluation_run_id="run2", run_link="run2", model_card="",
    )
    again = EvaluationResult.model_validate_json(result.model_dump_json())
    assert again.gates == result.gates and again.intervals["all"]["spam_f1"] == result.intervals["all"]["spam_f1"]
    assert again.behavioural.intervals == behavioural.intervals
    assert {g.name for g in again.failed_gates} == {g.name for g in gates if g.blocking}
    markdown = evaluation_markdown(again)
    floor = next(g for g in gates if g.name == "floor_ham_fpr")
    assert f"[{floor.ci_low:.4f}, {floor.ci_high:.4f}] | 1357 ({floor.count}) |" in markdown

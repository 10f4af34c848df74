"""Metrics at the threshold and per slice, on small arrays worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from tasks.evaluate.metrics import (
    HEADLINE_METRICS,
    SLICES,
    flat_metrics,
    metrics_at_threshold,
    metrics_table,
    slice_metrics,
)

SCORES = [0.9, 0.8, 0.3, 0.6, 0.1, 0.2]
IS_SPAM = [True, True, True, False, False, False]


def test_metrics_at_threshold_by_hand():
    metrics = metrics_at_threshold(SCORES, IS_SPAM, 0.5)
    assert (metrics["tp"], metrics["fn"], metrics["fp"], metrics["tn"]) == (2, 1, 1, 2)
    assert metrics["spam_precision"] == pytest.approx(2 / 3)
    assert metrics["spam_recall"] == pytest.approx(2 / 3)
    assert metrics["spam_f1"] == pytest.approx(2 / 3)
    assert metrics["ham_fpr"] == pytest.approx(1 / 3)
    # Ranked: spam, spam, ham, spam -> AP = (1/1 + 2/2 + 3/4) / 3
    assert metrics["pr_auc"] == pytest.approx((1 + 1 + 0.75) / 3)
    # Threshold is inclusive: a score equal to it is spam.
    assert metrics_at_threshold(SCORES, IS_SPAM, 0.3)["spam_recall"] == 1.0
    stricter = metrics_at_threshold(SCORES, IS_SPAM, 0.85)
    assert (stricter["tp"], stricter["fp"], stricter["ham_fpr"]) == (1, 0, 0.0)


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "label": ["spam", "spam", "spam", "ham", "ham", "ham"],
            "lang": ["ko", "en", "ko", "ko", "en", "ko"],
            "has_url": [True, False, True, True, False, False],
            "category_group": ["smishing", "other_spam", "advertising", "transactional", "personal", "transactional"],
            "is_obfuscated": [True, False, False, False, False, False],
            "is_synthetic": [True, False, True, False, False, True],
        }
    )


def test_slice_metrics_pick_the_right_rows():
    slices = slice_metrics(_frame(), SCORES, 0.5)
    assert set(slices) == set(SLICES)
    ko = slices["lang_ko"]  # rows 0, 2, 3, 5: spam 0.9 (tp), 0.3 (fn); ham 0.6 (fp), 0.2 (tn)
    assert (ko["n_spam"], ko["n_ham"], ko["tp"], ko["fn"], ko["fp"]) == (2, 2, 1, 1, 1)
    assert slices["has_url"]["n"] == 3 and slices["has_url"]["ham_fpr"] == 1.0
    assert slices["smishing"]["n"] == 1 and slices["smishing"]["spam_recall"] == 1.0
    assert slices["advertising"]["spam_recall"] == 0.0
    real = slices["real"]  # rows 1, 3, 4: spam 0.8 (tp); ham 0.6 (fp), 0.1 (tn)
    assert (real["n_spam"], real["n_ham"], real["tp"], real["fp"], real["ham_fpr"]) == (1, 2, 1, 1, 0.5)
    transactional = slices["transactional_ham"]
    assert (transactional["n_ham"], transactional["n_spam"], transactional["ham_fpr"]) == (2, 0, 0.5)
    assert math.isnan(transactional["spam_recall"])  # no spam in a ham-only slice
    with pytest.raises(ValueError, match="scores for"):
        slice_metrics(_frame(), SCORES[:-1], 0.5)


def test_flat_metrics_and_table_leave_out_nan():
    overall = metrics_at_threshold(SCORES, IS_SPAM, 0.5)
    slices = slice_metrics(_frame(), SCORES, 0.5)
    flat = flat_metrics(overall, slices)
    assert flat["gold_spam_f1"] == pytest.approx(2 / 3)
    assert flat["gold_slice_transactional_ham_ham_fpr"] == 0.5
    assert "gold_slice_transactional_ham_spam_recall" not in flat
    assert all(not math.isnan(value) for value in flat.values())
    table = metrics_table(overall, slices)
    assert "| all | 6 | 3 | 3 | 0.6667 (2/3) |" in table
    assert "| transactional_ham | 2 | 0 | 2 | 0.0000 (0/1) | – | – | 0.5000 (1/2) | – |" in table


def test_gold_bootstrap_points_are_the_slice_metrics_and_intervals_hold_them(gold):
    """On gold v1: point metrics equal slice_metrics, every resample keeps each language's spam and ham count,
    and each interval contains its point estimate."""
    from tasks.evaluate.metrics import GoldBootstrap

    scores = np.where(np.asarray(gold.is_spam), 0.8, 0.2)
    rng = np.random.default_rng(1)
    flip = rng.random(scores.size) < 0.05
    scores = np.where(flip, 1.0 - scores, scores) + rng.random(scores.size) * 0.01
    bootstrap = GoldBootstrap(gold.frame, n_resamples=1000, seed=3)
    measured = bootstrap.measure(scores, 0.5)
    expected = slice_metrics(gold.frame, scores, 0.5) | {"all": metrics_at_threshold(scores, gold.is_spam, 0.5)}
    assert set(measured.points) == set(expected)
    for scope, values in expected.items():
        assert measured.points[scope] == pytest.approx(values, nan_ok=True)
    weights = bootstrap.resamples.weights
    truth, langs = np.asarray(gold.is_spam), gold.frame["lang"].to_numpy()
    for lang in ("ko", "en"):
        for spam in (True, False):
            block = (langs == lang) & (truth == spam)
            assert (weights[:, block].sum(axis=1) == block.sum()).all()
    intervals = measured.intervals()
    assert set(intervals["all"]) == set(HEADLINE_METRICS)
    assert "spam_recall" not in intervals["transactional_ham"]  # undefined metrics get no interval
    for scope, metrics in intervals.items():
        for metric, (low, high) in metrics.items():
            assert low <= measured.points[scope][metric] <= high, (scope, metric)
    low, high = intervals["all"]["spam_f1"]
    assert 0.005 < high - low < 0.2  # 190 spam: a few points wide, neither degenerate nor useless


def test_only_the_requested_scopes_resample_pr_auc(gold):
    from tasks.evaluate.metrics import GoldBootstrap

    bootstrap = GoldBootstrap(gold.frame, n_resamples=1000, seed=3)
    scores = np.where(np.asarray(gold.is_spam), 0.7, 0.3)
    measured = bootstrap.measure(scores, 0.5, pr_auc_scopes=["all"])
    assert "pr_auc" in measured.samples["all"] and "pr_auc" not in measured.samples["lang_ko"]
    assert math.isnan(measured.interval("lang_ko", "pr_auc")[0])
    with pytest.raises(ValueError, match="scores for"):
        bootstrap.measure(scores[:-1], 0.5)


def test_table_and_mlflow_metrics_carry_counts_and_intervals():
    """A slice rate reads as messages: 'ham FPR 0.5000 (1/2)', beside its interval."""
    overall = metrics_at_threshold(SCORES, IS_SPAM, 0.5)
    slices = slice_metrics(_frame(), SCORES, 0.5)
    intervals = {"all": {"ham_fpr": (0.0, 0.6667), "spam_f1": (0.4, 1.0)}, "has_url": {"ham_fpr": (1.0, 1.0)}}
    table = metrics_table(overall, slices, intervals)
    assert "| all | 6 | 3 | 3 | 0.6667 (2/3) | 0.6667 (2/3) | 0.6667 [0.400, 1.000] | 0.3333 (1/3) [0.000, 0.667] |" in table
    assert "| has_url | 3 | 2 | 1 | 0.5000 (1/2) | 0.5000 (1/2) | 0.5000 | 1.0000 (1/1) [1.000, 1.000] |" in table
    flat = flat_metrics(overall, slices, intervals)
    assert flat["gold_ham_fpr_lo"] == 0.0 and flat["gold_ham_fpr_hi"] == 0.6667
    assert flat["gold_slice_has_url_ham_fpr_lo"] == 1.0
    assert "gold_spam_recall_lo" not in flat

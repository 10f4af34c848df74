"""Metrics at the threshold and per slice, on small arrays worked out by hand."""

from __future__ import annotations

import math

import polars as pl
import pytest

from tasks.evaluate.metrics import SLICES, flat_metrics, metrics_at_threshold, metrics_table, slice_metrics

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
    assert "| all | 6 | 3 | 3 | 0.6667 |" in table and "| transactional_ham | 2 | 0 | 2 | 0.0000 | – | – | 0.5000 | – |" in table

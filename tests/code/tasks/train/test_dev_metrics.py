"""Dev metrics per epoch: PR-AUC averaged over languages, so the small hard language counts as much as the big easy one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from transformers import EvalPrediction

from tasks.train.encoder_training import SELECTION_METRIC, DevMetrics


def _logits(spam_scores: list[float]) -> np.ndarray:
    """Two-class logits whose spam-minus-ham margin is the given score."""
    return np.stack([np.zeros(len(spam_scores)), np.asarray(spam_scores, dtype=np.float64)], axis=1)


# ko: 8 rows ranked perfectly; en: 4 rows with the single spam ranked below both hams.
LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0])
SCORES = [5.0, 4.0, 3.0, 2.0, -2.0, -3.0, -4.0, -5.0, -1.0, 0.5, 0.2, -3.0]
LANGS = ["ko"] * 8 + ["en"] * 4


def test_group_mean_weights_each_language_equally():
    metrics = DevMetrics(LANGS)(EvalPrediction(predictions=_logits(SCORES), label_ids=LABELS))
    # en: the spam is third of four -> precision 1/3 at its recall point; ko: 1.0.
    assert metrics["group_macro_pr_auc"] == pytest.approx((1.0 + 1 / 3) / 2)
    # Pooled, Korean's perfect ranking hides the English miss.
    assert metrics["pr_auc"] > metrics["group_macro_pr_auc"]
    assert metrics["f1"] == pytest.approx(2 * 4 / (2 * 4 + 2 + 1))  # tp 4, fp 2 (en hams > 0), fn 1
    assert SELECTION_METRIC in metrics and "group_macro_pr_auc" in metrics


def test_without_groups_the_selection_metric_is_the_overall_pr_auc():
    metrics = DevMetrics()(EvalPrediction(predictions=_logits(SCORES), label_ids=LABELS))
    assert metrics["group_macro_pr_auc"] == metrics["pr_auc"]


def test_a_language_without_spam_on_dev_is_left_out_of_the_mean():
    labels = np.array([1, 0, 1, 0, 0, 0])
    langs = ["ko", "ko", "ko", "ko", "en", "en"]
    metrics = DevMetrics(langs)(EvalPrediction(predictions=_logits([3, -1, 2, -2, 9, 8]), label_ids=labels))
    assert metrics["group_macro_pr_auc"] == pytest.approx(1.0)
    assert math.isfinite(metrics["group_macro_pr_auc"])

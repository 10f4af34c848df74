"""A model scored on the dev split: its spam probabilities, the operating threshold chosen on them, the metrics there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from models.categories import ham_group
from models.metrics import ThresholdChoice, ThresholdRule, metrics_by_lang, operating_threshold


@dataclass(frozen=True)
class DevScores:
    """One model on dev: the scores, the threshold for the target ham FPR, and the metrics at it (all / ko / en)."""

    scores: np.ndarray
    choice: ThresholdChoice
    metrics: dict[str, dict[str, float]]

    @property
    def threshold(self) -> float:
        return self.choice.threshold


def is_spam(frame: pl.DataFrame) -> np.ndarray:
    """The frame's labels as a boolean array (spam = True)."""
    return (frame["label"] == "spam").to_numpy()


def score_dev(scores: np.ndarray, dev_split: pl.DataFrame, target_ham_fpr: float, rule: ThresholdRule) -> DevScores:
    """Choose the threshold on ``scores`` of ``dev_split`` for ``target_ham_fpr`` by ``rule`` (models/metrics.py
    operating_threshold) and measure there, by language."""
    truth, langs = is_spam(dev_split), dev_split["lang"].to_list()
    categories = dev_split["category"].to_list() if "category" in dev_split.columns else [None] * dev_split.height
    groups = [ham_group(label, category) for label, category in zip(dev_split["label"].to_list(), categories, strict=True)]
    choice = operating_threshold(scores, truth, langs, target_ham_fpr, rule, ham_groups=groups)
    return DevScores(scores, choice, metrics_by_lang(scores, truth, langs, choice.threshold))

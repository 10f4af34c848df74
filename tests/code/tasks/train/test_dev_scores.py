"""score_dev: the operating threshold on the dev split by the configured rule, ham groups read from the categories."""

from __future__ import annotations

import numpy as np
import polars as pl

from models.metrics import choose_threshold
from tasks.train.dev_scores import score_dev


def _dev_split() -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(4)
    # Korean dev: chatbot questions (no category) score low; delivery notices score higher; spam above both.
    n_chat, n_notice, n_spam = 2_000, 400, 300
    scores = np.concatenate([rng.uniform(0, 0.3, n_chat), rng.uniform(0, 0.7, n_notice), rng.uniform(0.4, 1.0, n_spam)])
    frame = pl.DataFrame({
        "label": ["ham"] * (n_chat + n_notice) + ["spam"] * n_spam,
        "lang": ["ko"] * (n_chat + n_notice + n_spam),
        "category": [None] * n_chat + ["delivery_notice"] * n_notice + ["gambling"] * n_spam,
    }, schema={"label": pl.String, "lang": pl.String, "category": pl.String})
    return frame, scores


def test_the_ham_group_rule_holds_the_target_on_the_dev_notices():
    frame, scores = _dev_split()
    notices = scores[2_000:2_400]
    by_language = score_dev(scores, frame, 0.005, "every_language")
    by_group = score_dev(scores, frame, 0.005, "every_language_and_ham_group")
    assert (notices >= by_language.threshold).mean() > 0.005
    assert (notices >= by_group.threshold).mean() <= 0.005
    assert by_group.threshold == choose_threshold(notices, np.zeros(len(notices), bool), 0.005).threshold  # the lowest such
    assert by_group.metrics["all"]["spam_recall"] < by_language.metrics["all"]["spam_recall"]


def test_without_categories_the_ham_group_rule_is_the_every_language_rule():
    frame, scores = _dev_split()
    unknown = frame.drop("category")
    assert score_dev(scores, unknown, 0.005, "every_language_and_ham_group").threshold == score_dev(
        scores, unknown, 0.005, "every_language"
    ).threshold

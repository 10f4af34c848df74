"""Operating threshold: the lowest one whose dev ham FPR stays at or under the target."""

from __future__ import annotations

import math
from typing import get_args

import numpy as np
import pytest

from models.metrics import (
    FALLBACK_THRESHOLD,
    binary_metrics,
    choose_threshold,
    choose_threshold_every_language,
    flatten_metrics,
    metrics_by_lang,
    operating_threshold,
    ThresholdRule,
)
from spamloop.settings.train import TrainConfig


def test_lowest_threshold_meeting_the_target():
    rng = np.random.default_rng(0)
    ham = rng.uniform(0, 0.9, 1_000)
    spam = rng.uniform(0.5, 1.0, 200)
    scores = np.concatenate([ham, spam])
    truth = np.concatenate([np.zeros(1_000, bool), np.ones(200, bool)])
    choice = choose_threshold(scores, truth, target_ham_fpr=0.005)
    assert choice.allowed_false_positives == 5
    assert not choice.fallback
    assert choice.dev_ham_fpr <= 0.005
    assert ((ham >= choice.threshold).sum()) == 5
    sixth_highest_ham = np.sort(ham)[::-1][5]
    assert choice.threshold > sixth_highest_ham
    # Any lower threshold flags a sixth ham, i.e. breaks the target: this is the lowest one.
    assert (ham >= sixth_highest_ham).mean() > 0.005
    assert math.isclose(choice.dev_spam_recall, (spam >= choice.threshold).mean())


def test_ties_at_the_boundary_push_the_threshold_above_the_tie():
    ham = np.array([0.9, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    spam = np.array([0.95, 0.85, 0.8])
    truth = np.array([False] * 10 + [True] * 3)
    choice = choose_threshold(np.concatenate([ham, spam]), truth, target_ham_fpr=0.2)  # 2 hams allowed
    # Only one ham can be flagged without taking the whole 0.8 tie of three along.
    assert choice.threshold > 0.8
    assert choice.dev_ham_fpr == pytest.approx(0.1)
    assert choice.dev_spam_recall == pytest.approx(2 / 3)


def test_zero_target_sits_just_above_the_highest_ham():
    scores = np.array([0.2, 0.7, 0.7, 0.9])
    truth = np.array([False, False, True, True])
    choice = choose_threshold(scores, truth, 0.0)
    assert choice.threshold == np.nextafter(0.7, 1.0)
    assert choice.dev_ham_fpr == 0.0
    assert choice.dev_spam_recall == 0.5


def test_empty_classes():
    no_ham = choose_threshold([0.3, 0.9], [True, True], 0.005)
    assert no_ham.fallback and no_ham.threshold == FALLBACK_THRESHOLD and math.isnan(no_ham.dev_ham_fpr)
    no_spam = choose_threshold([0.3, 0.6], [False, False], 0.005)
    assert not no_spam.fallback and no_spam.threshold > 0.6 and math.isnan(no_spam.dev_spam_recall)
    everyone_allowed = choose_threshold([0.3, 0.6, 0.9], [False, False, True], 1.0)
    assert everyone_allowed.threshold == 0.0


def test_every_language_threshold_holds_the_target_in_each_measurable_language():
    rng = np.random.default_rng(1)
    ko_ham, en_ham = rng.uniform(0, 0.3, 2_000), rng.uniform(0, 0.6, 400)  # English hams score higher
    spam = rng.uniform(0.4, 1.0, 500)
    scores = np.concatenate([ko_ham, en_ham, spam])
    truth = np.concatenate([np.zeros(2_400, bool), np.ones(500, bool)])
    langs = ["ko"] * 2_000 + ["en"] * 400 + ["ko"] * 250 + ["en"] * 250
    pooled = choose_threshold(scores, truth, 0.005)
    assert (en_ham >= pooled.threshold).mean() > 0.005  # the pooled rule lets the smaller language's hams through
    every = choose_threshold_every_language(scores, truth, langs, 0.005)
    assert (en_ham >= every.threshold).mean() <= 0.005 and (ko_ham >= every.threshold).mean() <= 0.005
    en_alone = choose_threshold(scores[2_000:2_400], np.zeros(400, bool), 0.005)
    assert every.threshold == max(pooled.threshold, en_alone.threshold)  # the lowest such threshold
    assert every.dev_ham_fpr == pytest.approx((np.concatenate([ko_ham, en_ham]) >= every.threshold).mean())
    assert every.dev_spam_recall == pytest.approx((spam >= every.threshold).mean())


def test_every_language_threshold_ignores_languages_too_small_to_measure():
    rng = np.random.default_rng(2)
    ko_ham, spam = rng.uniform(0, 0.3, 1_000), rng.uniform(0.5, 1.0, 100)
    odd_ham = np.array([0.95])  # one ham of a third language: at 0.005 it cannot allow a single false positive
    scores = np.concatenate([ko_ham, odd_ham, spam])
    truth = np.concatenate([np.zeros(1_001, bool), np.ones(100, bool)])
    langs = ["ko"] * 1_000 + ["other"] + ["ko"] * 100
    assert choose_threshold_every_language(scores, truth, langs, 0.005) == choose_threshold(scores, truth, 0.005)
    with pytest.raises(ValueError):
        choose_threshold_every_language(scores, truth, langs[:-1], 0.005)


def test_ham_group_rule_also_holds_the_target_on_the_notices_alone():
    rng = np.random.default_rng(3)
    # Korean hams: many easy chatbot questions and a few hundred notices that score like spam more often.
    chatbot, notices, spam = rng.uniform(0, 0.3, 3_000), rng.uniform(0, 0.7, 400), rng.uniform(0.4, 1.0, 600)
    scores = np.concatenate([chatbot, notices, spam])
    truth = np.concatenate([np.zeros(3_400, bool), np.ones(600, bool)])
    langs = ["ko"] * 4_000
    groups = [None] * 3_000 + ["transactional"] * 400 + [None] * 600
    every_language = operating_threshold(scores, truth, langs, 0.005, "every_language")
    assert (notices >= every_language.threshold).mean() > 0.005  # the easy hams dilute the notices' rate
    by_group = operating_threshold(scores, truth, langs, 0.005, "every_language_and_ham_group", ham_groups=groups)
    assert (notices >= by_group.threshold).mean() <= 0.005
    notices_alone = choose_threshold(notices, np.zeros(400, bool), 0.005).threshold
    assert by_group.threshold == max(every_language.threshold, notices_alone)  # the lowest such threshold
    assert by_group.dev_spam_recall == pytest.approx((spam >= by_group.threshold).mean())
    assert by_group.dev_spam_recall < every_language.dev_spam_recall  # the price: fewer spam caught
    # A group too small to allow one false positive, or rows in no group, do not move it.
    few = [None] * 3_000 + ["transactional"] * 100 + [None] * 900
    assert operating_threshold(scores, truth, langs, 0.005, "every_language_and_ham_group", ham_groups=few) == every_language
    with pytest.raises(ValueError, match="ham group"):
        operating_threshold(scores, truth, langs, 0.005, "every_language_and_ham_group")


def test_metrics_at_threshold_and_by_language():
    scores = np.array([0.1, 0.6, 0.8, 0.9, 0.2, 0.4])
    truth = np.array([False, False, True, True, True, False])
    langs = ["ko", "ko", "ko", "en", "en", "en"]
    metrics = metrics_by_lang(scores, truth, langs, threshold=0.5)
    overall = metrics["all"]
    assert (overall["tp"], overall["fp"], overall["fn"], overall["tn"]) == (2, 1, 1, 2)
    assert overall["spam_precision"] == pytest.approx(2 / 3)
    assert overall["spam_recall"] == pytest.approx(2 / 3)
    assert overall["spam_f1"] == pytest.approx(2 / 3)
    assert overall["ham_fpr"] == pytest.approx(1 / 3)
    assert metrics["ko"]["ham_fpr"] == pytest.approx(0.5) and metrics["ko"]["spam_recall"] == 1.0
    assert metrics["en"]["ham_fpr"] == 0.0 and metrics["en"]["spam_recall"] == 0.5
    assert 0 < overall["pr_auc"] <= 1
    only_ham = binary_metrics([0.1, 0.7], [False, False], 0.5)
    assert math.isnan(only_ham["spam_recall"]) and math.isnan(only_ham["pr_auc"]) and only_ham["ham_fpr"] == 0.5
    flat = flatten_metrics({"all": only_ham}, "dev")
    assert "dev_ham_fpr" in flat and "dev_spam_recall" not in flat


def test_the_config_offers_exactly_the_threshold_rules_metrics_implements():
    assert get_args(TrainConfig.model_fields["threshold_rule"].annotation) == get_args(ThresholdRule)


def test_each_measurable_language_gets_its_own_lowest_threshold():
    from models.metrics import choose_thresholds_by_language

    rng = np.random.default_rng(3)
    # Korean hams score low, English hams higher; 400 hams each (4 false positives allowed at 1%), "xx" has 20.
    ko_ham, en_ham, xx_ham = rng.uniform(0, 0.3, 400), rng.uniform(0, 0.6, 400), rng.uniform(0, 0.9, 20)
    scores = np.concatenate([ko_ham, en_ham, xx_ham, np.full(10, 0.95)])
    is_spam = np.concatenate([np.zeros(820, bool), np.ones(10, bool)])
    langs = ["ko"] * 400 + ["en"] * 400 + ["xx"] * 20 + ["ko"] * 10
    chosen = choose_thresholds_by_language(scores, is_spam, langs, 0.01)
    assert set(chosen.by_language) == {"ko", "en"}  # 20 hams cannot measure 1%
    for lang, hams in (("ko", ko_ham), ("en", en_ham)):
        threshold = chosen.by_language[lang]
        assert (hams >= threshold).sum() <= 4  # holds the target in its own language ...
        assert (hams >= np.nextafter(np.sort(hams)[::-1][4], -np.inf)).sum() > 4  # ... and is the lowest that does
    assert chosen.by_language["ko"] < chosen.by_language["en"]
    assert chosen.default == choose_threshold_every_language(scores, is_spam, langs, 0.01).threshold
    assert list(chosen.for_langs(["ko", "en", "xx", "fr"])) == [chosen.by_language["ko"], chosen.by_language["en"], chosen.default, chosen.default]

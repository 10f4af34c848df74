"""The vectorised stratified bootstrap against a slow reference on a tiny case: the same resampled rows, metrics
recomputed one resample at a time with binary_metrics and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from models.bootstrap import (
    average_precision_samples,
    confusion_rate_samples,
    percentile_interval,
    proportion_samples,
    stratified_resamples,
)
from models.metrics import binary_metrics

# 14 rows: ko spam x4, ko ham x5, en spam x2, en ham x3. Scores with ties (0.7 twice across classes, 0.2 twice).
LANGS = np.array(["ko"] * 9 + ["en"] * 5)
IS_SPAM = np.array([True] * 4 + [False] * 5 + [True] * 2 + [False] * 3)
SCORES = np.array([0.9, 0.7, 0.4, 0.95, 0.7, 0.2, 0.1, 0.55, 0.2, 0.8, 0.3, 0.6, 0.05, 0.1])
STRATA = [f"{lang}/{'spam' if spam else 'ham'}" for lang, spam in zip(LANGS, IS_SPAM, strict=True)]
THRESHOLD = 0.5


def test_resamples_keep_every_stratum_at_its_size():
    resamples = stratified_resamples(STRATA, 500, seed=3)
    assert resamples.indices.shape == resamples.weights.shape == (500, 14)
    strata = np.asarray(STRATA)
    # Position j of every resample draws from row j's stratum, so each stratum keeps its size in every resample.
    assert (strata[resamples.indices] == strata[None, :]).all()
    for stratum in set(STRATA):
        in_stratum = strata == stratum
        assert (resamples.weights[:, in_stratum].sum(axis=1) == in_stratum.sum()).all()
    # Weights count the drawn rows.
    assert all(
        (np.bincount(resamples.indices[b], minlength=14) == resamples.weights[b]).all() for b in range(500)
    )
    # Rows really are drawn with replacement (some rows twice, some not at all).
    assert (resamples.weights.max(axis=1) >= 2).all() and (resamples.weights == 0).any(axis=1).all()


def test_resamples_are_fixed_by_the_seed():
    first, again = stratified_resamples(STRATA, 50, seed=3), stratified_resamples(STRATA, 50, seed=3)
    assert (first.indices == again.indices).all()
    assert (first.indices != stratified_resamples(STRATA, 50, seed=4).indices).any()
    # The order in which strata first appear does not change the draw.
    reordered = stratified_resamples(STRATA[::-1], 50, seed=3)
    assert reordered.weights.sum() == first.weights.sum()
    with pytest.raises(ValueError):
        stratified_resamples(STRATA, 0, seed=3)


def test_vectorised_metrics_equal_a_slow_reference_resample_by_resample():
    resamples = stratified_resamples(STRATA, 60, seed=11)
    scopes = {"all": np.ones(14, dtype=bool), "en": LANGS == "en"}
    fast = confusion_rate_samples(resamples, IS_SPAM, SCORES >= THRESHOLD, scopes)
    fast_ap = average_precision_samples(resamples, SCORES, IS_SPAM)
    fast_ap_en = average_precision_samples(resamples, SCORES, IS_SPAM, scopes["en"])
    for b in range(resamples.count):
        rows = resamples.indices[b]
        for scope, mask in scopes.items():
            drawn = rows[mask[rows]]
            slow = binary_metrics(SCORES[drawn], IS_SPAM[drawn], THRESHOLD)
            for metric in ("spam_precision", "spam_recall", "spam_f1", "ham_fpr"):
                assert fast[scope][metric][b] == pytest.approx(slow[metric], nan_ok=True), (b, scope, metric)
        assert fast_ap[b] == pytest.approx(average_precision_score(IS_SPAM[rows], SCORES[rows]))
        en_rows = rows[scopes["en"][rows]]
        assert fast_ap_en[b] == pytest.approx(average_precision_score(IS_SPAM[en_rows], SCORES[en_rows]))


def test_average_precision_is_nan_without_both_classes():
    resamples = stratified_resamples(STRATA, 20, seed=1)
    assert np.isnan(average_precision_samples(resamples, SCORES, IS_SPAM, IS_SPAM)).all()  # spam only
    assert np.isnan(average_precision_samples(resamples, SCORES, IS_SPAM, np.zeros(14, dtype=bool))).all()


def test_undefined_precision_is_nan_and_left_out_of_the_interval():
    resamples = stratified_resamples(STRATA, 200, seed=5)
    nothing_flagged = confusion_rate_samples(resamples, IS_SPAM, np.zeros(14, dtype=bool), {"all": np.ones(14, dtype=bool)})
    assert np.isnan(nothing_flagged["all"]["spam_precision"]).all()
    assert (nothing_flagged["all"]["spam_f1"] == 0).all() and (nothing_flagged["all"]["spam_recall"] == 0).all()
    assert np.isnan(percentile_interval(nothing_flagged["all"]["spam_precision"])).all()
    assert percentile_interval(np.array([np.nan, *range(101)]), 0.9) == pytest.approx((5.0, 95.0))


def test_paired_samples_of_two_models_on_the_same_resamples():
    """Two models measured on the same resamples pair up: identical flags differ by exactly 0 in every resample,
    and a model that misses one more spam is never better in any resample."""
    resamples = stratified_resamples(STRATA, 400, seed=2)
    scopes = {"all": np.ones(14, dtype=bool)}
    flags = SCORES >= THRESHOLD
    worse = flags.copy()
    worse[0] = False  # misses ko spam row 0
    a = confusion_rate_samples(resamples, IS_SPAM, flags, scopes)["all"]["spam_recall"]
    b = confusion_rate_samples(resamples, IS_SPAM, flags, scopes)["all"]["spam_recall"]
    c = confusion_rate_samples(resamples, IS_SPAM, worse, scopes)["all"]["spam_recall"]
    assert (a - b == 0).all()
    difference = c - a
    assert (difference <= 0).all()
    # Zero exactly in the resamples that did not draw row 0, negative in the others.
    assert ((difference < 0) == (resamples.weights[:, 0] > 0)).all()


def test_proportion_samples_match_a_loop():
    resamples = stratified_resamples(STRATA, 100, seed=9)
    groups = {"ko": LANGS == "ko", "en": LANGS == "en"}
    passed = SCORES >= THRESHOLD
    fast = proportion_samples(resamples, passed, groups)
    for b in range(100):
        rows = resamples.indices[b]
        for name, mask in groups.items():
            drawn = rows[mask[rows]]
            assert fast[name][b] == pytest.approx(passed[drawn].mean())

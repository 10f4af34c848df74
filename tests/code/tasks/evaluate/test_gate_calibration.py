"""Calibration of the gates, by simulation on gold sets of gold v1's size and strata (tasks/evaluate/calibration.py):
a candidate equal to its reference passes on >= 95% of simulated golds; one worse by more than the margin fails
on >= 95% of them whenever the gold can resolve the margin. bench/gate_calibration.py prints the full curves."""

from __future__ import annotations

import numpy as np
import pytest

from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.calibration import TrueRates, comparison_pass_rate, draw_flags, floor_pass_rate
from tasks.evaluate.metrics import GoldBootstrap

REFERENCE = TrueRates(recall=0.95, ham_fpr=0.008)  # about today's encoder on gold v1
NESTED = (0.0, 0.0)  # the candidate's errors contain the reference's
CHURN = (0.05, 0.005)  # two equally good retrains: 5% of spams and 0.5% of hams swapped between them
GOLDS = 200
DEFAULTS = EvaluateConfig()


@pytest.fixture(scope="module")
def bootstrap(gold):
    """Gold v1's own rows, strata and resamples (1,000: the minimum the config allows)."""
    return GoldBootstrap(gold.frame, n_resamples=1000, seed=DEFAULTS.bootstrap_seed)


def pass_rate(bootstrap, scope, metric, margin, candidate, churn, seed=3):
    return comparison_pass_rate(
        bootstrap.resamples, bootstrap.is_spam, bootstrap.scopes, scope, metric, margin, REFERENCE, candidate, churn, GOLDS, seed
    )


def test_simulated_models_have_the_rates_asked_for(bootstrap):
    candidate = TrueRates(recall=0.90, ham_fpr=0.012)
    flag_ref, flag_cand = draw_flags(bootstrap.is_spam, REFERENCE, candidate, CHURN, 300, seed=1)
    spam = bootstrap.is_spam
    assert flag_ref[:, spam].mean() == pytest.approx(0.95, abs=0.005)
    assert flag_cand[:, spam].mean() == pytest.approx(0.90, abs=0.005)
    assert flag_cand[:, ~spam].mean() == pytest.approx(0.012, abs=0.001)
    # Churn: beyond the net difference, 5% of spams are flagged by exactly one of the two.
    assert (flag_ref[:, spam] != flag_cand[:, spam]).mean() == pytest.approx(0.05 + 0.05, abs=0.006)
    with pytest.raises(ValueError, match="churn too large"):
        draw_flags(spam, TrueRates(1.0, 0.0), TrueRates(1.0, 0.0), CHURN, 2, seed=1)


@pytest.mark.parametrize(
    ("scope", "metric", "margin", "churn"),
    [
        ("all", "spam_f1", DEFAULTS.max_f1_drop, NESTED),
        ("all", "spam_f1", DEFAULTS.max_f1_drop, CHURN),
        ("all", "ham_fpr", DEFAULTS.max_ham_fpr_increase, CHURN),
        ("lang_en", "spam_f1", 0.0, CHURN),  # the baseline bar on 45 English spams
        ("lang_en", "ham_fpr", 0.0, CHURN),
    ],
)
def test_a_candidate_equal_to_its_reference_passes(bootstrap, scope, metric, margin, churn):
    """The comparison gates with their configured margins (regression) or margin 0 (baseline) do not flip-flop
    an equally good candidate, however differently it errs message by message."""
    assert pass_rate(bootstrap, scope, metric, margin, REFERENCE, churn) >= 0.95


@pytest.mark.parametrize(
    ("metric", "margin", "candidate"),
    [
        # 0.0325 F1 worse than the reference (a recall loss of 0.06), margin 0.03.
        ("spam_f1", 0.03, TrueRates(recall=0.89, ham_fpr=REFERENCE.ham_fpr)),
        # 0.007 more ham flagged, margin 0.006.
        ("ham_fpr", 0.006, TrueRates(recall=REFERENCE.recall, ham_fpr=REFERENCE.ham_fpr + 0.007)),
    ],
)
def test_with_a_margin_the_gold_can_resolve_both_requirements_hold(bootstrap, metric, margin, candidate):
    """The rule is calibrated: with margins at gold v1's resolution (nested errors), an equal candidate passes and
    one worse by more than the margin fails, each on >= 95% of simulated golds."""
    assert pass_rate(bootstrap, "all", metric, margin, REFERENCE, NESTED) >= 0.95
    assert pass_rate(bootstrap, "all", metric, margin, candidate, NESTED) <= 0.05


def test_the_configured_margins_are_finer_than_gold_v1_resolves(bootstrap):
    """What gold v1 can and cannot do with the configured regression margins (docs/evaluation.md): a loss of
    three times the margin fails >= 95% of the time when errors nest, a loss just past the margin only about half
    the time. The configured margins need a larger gold (gold v2) to be met literally."""
    three_margins = TrueRates(recall=0.89, ham_fpr=REFERENCE.ham_fpr)  # F1 0.0325 worse
    assert pass_rate(bootstrap, "all", "spam_f1", DEFAULTS.max_f1_drop, three_margins, NESTED) <= 0.05
    fpr_three_margins = TrueRates(recall=REFERENCE.recall, ham_fpr=REFERENCE.ham_fpr + 0.006)
    assert pass_rate(bootstrap, "all", "ham_fpr", DEFAULTS.max_ham_fpr_increase, fpr_three_margins, NESTED) <= 0.06
    just_past = TrueRates(recall=0.93, ham_fpr=REFERENCE.ham_fpr)  # F1 0.0106 worse
    assert 0.2 < pass_rate(bootstrap, "all", "spam_f1", DEFAULTS.max_f1_drop, just_past, NESTED) < 0.8


def test_floors_decide_on_the_point_estimate(bootstrap):
    """A floor is a limit on the measured rate: a model exactly at it passes about half the time, one well inside
    passes and one well outside fails (transactional ham: 119 rows, cap 0.03 allows 3 of them)."""
    mask = bootstrap.scopes["transactional_ham"]
    assert 0.35 < floor_pass_rate(bootstrap.is_spam, mask, "ham_fpr", 0.03, 0.03) < 0.65
    assert floor_pass_rate(bootstrap.is_spam, mask, "ham_fpr", 0.03, 0.011) >= 0.95
    assert floor_pass_rate(bootstrap.is_spam, mask, "ham_fpr", 0.03, 0.07) <= 0.05
    whole = np.ones_like(bootstrap.is_spam)
    assert floor_pass_rate(bootstrap.is_spam, whole, "spam_recall", 0.75, 0.81) >= 0.95

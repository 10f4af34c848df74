"""Behavioural tests against small real scoring functions whose behaviour is known."""

from __future__ import annotations

import re

import pytest

from tasks.evaluate.behavioural import (
    DIRECTIONAL_BASES,
    FUNCTIONALITY_CASES,
    INVARIANCE_TEMPLATES,
    PHISHING_URLS,
    invariance_cases,
    run_behavioural_tests,
)

SPAM_WORDS = re.compile(r"대출|택배|반송|액정|임시폰|주식|수익|승인완료|prize|won|winner|free entry|suspended|verify|urgent", re.I)
URL = re.compile(r"https?://|bit\.ly")


def keyword_scorer(texts: list[str]) -> list[float]:
    """Spam if a spam word occurs; a URL adds 0.3 (so directional tests have room to move)."""
    return [min(1.0, (0.7 if SPAM_WORDS.search(t) else 0.1) + (0.3 if URL.search(t) else 0.0)) for t in texts]


def digit_scorer(texts: list[str]) -> list[float]:
    """A model that keys on the amount/phone digits: its label flips when only a number changes."""
    return [1.0 if sum(c.isdigit() for c in t) % 2 else 0.0 for t in texts]


def test_case_counts_and_determinism():
    report = run_behavioural_tests(keyword_scorer, threshold=0.5, seed=7)
    assert report.counts == {
        "invariance": len(INVARIANCE_TEMPLATES),
        "directional": len(DIRECTIONAL_BASES) * len(PHISHING_URLS),
        "functionality": len(FUNCTIONALITY_CASES),
    }
    assert invariance_cases(7) == invariance_cases(7)
    assert invariance_cases(7) != invariance_cases(8)
    # Every invariance group really varies the slots.
    assert all(len(set(case.texts)) > 1 for case in invariance_cases(7))


def test_keyword_model_passes_invariance_and_directional():
    report = run_behavioural_tests(keyword_scorer, threshold=0.5)
    assert report.pass_rates["invariance"] == 1.0
    assert report.pass_rates["directional"] == 1.0
    assert report.pass_rates["functionality"] == 1.0


def test_korean_only_model_fails_english_functionality():
    korean_words = re.compile(r"대출|택배|반송|액정|주식|승인완료")
    report = run_behavioural_tests(lambda texts: [0.9 if korean_words.search(t) else 0.1 for t in texts], 0.5)
    failing = {case.case_id for case in report.failures("functionality")}
    assert {"mft:en_spam_prize", "mft:en_spam_free_entry", "mft:en_spam_bank"} <= failing
    assert not any(case_id.startswith("mft:ko_") for case_id in failing)
    assert report.pass_rates["functionality"] == pytest.approx(13 / 16)


def test_number_sensitive_model_fails_invariance():
    report = run_behavioural_tests(digit_scorer, threshold=0.5)
    assert report.pass_rates["invariance"] < 0.8
    assert report.failures("invariance")


def test_constant_model_fails_directional_unless_saturated():
    assert run_behavioural_tests(lambda texts: [0.2] * len(texts), 0.5).pass_rates["directional"] == 0.0
    # A model already certain it is spam cannot go higher: that is not a failure.
    assert run_behavioural_tests(lambda texts: [1.0] * len(texts), 0.5).pass_rates["directional"] == 1.0


def test_predict_with_the_wrong_number_of_scores_is_an_error():
    with pytest.raises(ValueError, match="scores for"):
        run_behavioural_tests(lambda texts: [0.5], 0.5)


def test_reports_carry_no_texts():
    report = run_behavioural_tests(keyword_scorer, 0.5)
    dumped = report.model_dump_json()
    assert "010-" not in dumped and "택배" not in dumped


def test_pass_rates_carry_bootstrap_intervals():
    """Each kind's pass rate gets an interval from resampling its cases within language; a perfect kind's
    interval is [1, 1], a mixed one straddles its rate, and the same seed gives the same interval."""
    korean_words = re.compile(r"대출|택배|반송|액정|주식|승인완료")
    predict = lambda texts: [0.9 if korean_words.search(t) else 0.1 for t in texts]  # noqa: E731
    report = run_behavioural_tests(predict, 0.5, n_resamples=1000)
    assert set(report.intervals) == set(report.counts)
    low, high = report.intervals["functionality"]
    assert low < 13 / 16 < high and high <= 1.0
    assert report.intervals == run_behavioural_tests(predict, 0.5, n_resamples=1000).intervals
    assert run_behavioural_tests(keyword_scorer, 0.5, n_resamples=1000).intervals["invariance"] == (1.0, 1.0)


def test_intervals_resample_within_language():
    """Five Korean cases pass and five English fail: with resampling inside each language every resample keeps
    that mix, so the pass rate cannot move at all."""
    from tasks.evaluate.behavioural import CaseResult, pass_rate_intervals

    cases = [
        CaseResult(case_id=f"mft:{lang}{i}", kind="functionality", lang=lang, passed=lang == "ko", scores=[0.5])
        for lang in ("ko", "en")
        for i in range(5)
    ]
    assert pass_rate_intervals(cases, n_resamples=1000, seed=1) == {"functionality": (0.5, 0.5)}
    assert pass_rate_intervals([], n_resamples=1000) == {}

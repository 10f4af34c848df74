"""The quality bar as a gate: the candidate must not be worse than the TF-IDF baseline by F1 or by ham FPR,
judged on the paired bootstrap difference (same resampled messages for both models)."""

from __future__ import annotations

import pytest

from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.gates import baseline_gates, overall_verdict
from tasks.evaluate.metrics import GoldBootstrap
from tests.code.tasks.evaluate.gold_frames import first_rows_flagged, gold_frame, measure

# Korean spam synthetic (as in the bundle); the last 100 Korean hams synthetic, the first 800 real.
SIZES = {("ko", "spam"): 150, ("ko", "ham"): 900, ("en", "spam"): 45, ("en", "ham"): 300}
SYNTHETIC = {("ko", "spam"): 150, ("ko", "ham"): 100}


@pytest.fixture(scope="module")
def frame():
    return gold_frame(SIZES, synthetic=SYNTHETIC)


@pytest.fixture(scope="module")
def bootstrap(frame):
    return GoldBootstrap(frame, n_resamples=1000, seed=11)


@pytest.fixture(scope="module")
def baseline(bootstrap, frame):
    """Catches 140 Korean and 42 English spams; flags 5 Korean and 2 English hams."""
    return model(bootstrap, frame, ko_spam=140, en_spam=42, ko_ham=5, en_ham=2)


def model(bootstrap, frame, ko_spam, en_spam, ko_ham, en_ham):
    flags = first_rows_flagged(frame, {("ko", "spam"): ko_spam, ("en", "spam"): en_spam, ("ko", "ham"): ko_ham, ("en", "ham"): en_ham})
    return measure(bootstrap, flags)


def failed(gates):
    return [gate.name for gate in gates if gate.verdict == "fail"]


def test_candidate_better_everywhere_passes(bootstrap, frame, baseline):
    gates = baseline_gates(model(bootstrap, frame, 148, 44, 2, 1), baseline, EvaluateConfig())
    assert [g.name for g in gates] == [
        "baseline_all_spam_f1", "baseline_all_ham_fpr", "baseline_lang_en_spam_f1", "baseline_lang_en_ham_fpr",
        "baseline_real_spam_f1", "baseline_real_ham_fpr",
    ]
    assert overall_verdict(gates) == "pass"
    assert all(g.group == "baseline" and g.ci_low is not None and g.n for g in gates)


def test_clearly_losing_on_english_f1_blocks_with_a_reason(bootstrap, frame, baseline):
    """12 fewer English spams caught: worse with confidence on English and on the real rows (English is the real
    spam); ahead by 10 on Korean, so the whole gold set cannot tell them apart."""
    gates = baseline_gates(model(bootstrap, frame, 150, 30, 5, 2), baseline, EvaluateConfig())
    assert failed(gates) == ["baseline_lang_en_spam_f1", "baseline_real_spam_f1"]
    english = gates[2]
    assert english.ci_high < 0 and english.limit == 0.0 and english.n == 45
    assert english.reason.startswith(f"spam_f1 on lang_en {english.value + english.reference:.4f} vs TF-IDF baseline {english.reference:.4f}: ")
    assert "worse with confidence" in english.reason
    assert overall_verdict(gates) == "fail"


def test_one_message_behind_the_baseline_is_not_a_failure(bootstrap, frame, baseline):
    """The point estimate is lower (the old rule failed it); one message is noise, so the verdict stays put."""
    gates = baseline_gates(model(bootstrap, frame, 140, 41, 5, 2), baseline, EvaluateConfig())
    english = gates[2]
    assert english.value < 0 and english.ci_high >= 0
    assert english.verdict == "pass" and "not worse with confidence" in english.reason
    assert overall_verdict(gates) == "pass"


def test_clearly_more_ham_flagged_than_the_baseline_blocks(bootstrap, frame, baseline):
    gates = baseline_gates(model(bootstrap, frame, 145, 44, 20, 2), baseline, EvaluateConfig())
    # The 20 hams are real Korean ones: on the real rows (45 spams) they also cost precision, hence F1.
    assert failed(gates) == ["baseline_all_ham_fpr", "baseline_real_spam_f1", "baseline_real_ham_fpr"]
    all_fpr = gates[1]
    assert all_fpr.ci_low > 0 and all_fpr.count == "22/1200"  # 20 Korean + 2 English


def test_flagging_more_real_korean_ham_than_the_baseline_blocks(bootstrap, frame):
    """Ahead overall (fewer synthetic hams flagged) and on English, but 10 real Korean hams flagged against 2."""
    baseline = measure(bootstrap, first_rows_flagged(frame, {("ko", "spam"): 140, ("en", "spam"): 42, ("ko", "ham"): [*range(2), *range(800, 830)]}))
    candidate = measure(bootstrap, first_rows_flagged(frame, {("ko", "spam"): 145, ("en", "spam"): 44, ("ko", "ham"): [*range(10), *range(800, 805)]}))
    gates = baseline_gates(candidate, baseline, EvaluateConfig())
    assert failed(gates) == ["baseline_real_ham_fpr"]


def test_no_baseline_is_not_evaluated_and_empty_scopes_disable(bootstrap, frame, baseline):
    candidate = model(bootstrap, frame, 140, 42, 5, 2)
    gates = baseline_gates(candidate, None, EvaluateConfig())
    assert [g.verdict for g in gates] == ["not_evaluated"]
    assert baseline_gates(candidate, baseline, EvaluateConfig(beat_baseline_scopes=[])) == []


def test_baseline_scores_read_model_text_and_the_spam_column(tmp_path):
    """The logged TF-IDF baseline is fit on model text (hosts kept) and predicts [ham, spam] probabilities."""
    import mlflow
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from models.normalization import model_text
    from tasks.evaluate.pipeline import baseline_scores

    raw = [
        "무료 카지노 가입 즉시 3만원 지급 https://bit.ly/x1 010-1234-5678",
        "(광고) 대출 한도 조회 080-123-4567 무료거부",
        "WINNER!! claim your prize call 09061701461",
        "엄마 오늘 늦어",
        "회의 3시로 변경됐어요",
        "ok see you at 5",
    ]
    labels = [1, 1, 1, 0, 0, 0]
    pipeline = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)), LogisticRegression())
    pipeline.fit([model_text(text) for text in raw], labels)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("baseline-scores")
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(pipeline, name="baseline", pyfunc_predict_fn="predict_proba")
    scores = baseline_scores(mlflow.pyfunc.load_model(info.model_uri), raw)
    expected = pipeline.predict_proba([model_text(text) for text in raw])[:, 1]
    assert np.allclose(scores, expected)
    assert scores[:3].min() > scores[3:].max()

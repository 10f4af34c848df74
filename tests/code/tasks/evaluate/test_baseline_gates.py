"""The quality bar as a gate: the candidate must beat the TF-IDF baseline by F1 and by ham FPR."""

from __future__ import annotations

from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.gates import baseline_gates, overall_verdict


def scopes(
    all_f1: float, all_fpr: float, en_f1: float, en_fpr: float, real_fpr: float | None = None
) -> dict[str, dict[str, float]]:
    """Gold scopes; real data has the English spam and, beside the English ham, real Korean ham (real_fpr)."""
    return {
        "all": {"spam_f1": all_f1, "ham_fpr": all_fpr},
        "lang_en": {"spam_f1": en_f1, "ham_fpr": en_fpr},
        "real": {"spam_f1": en_f1, "ham_fpr": en_fpr if real_fpr is None else real_fpr},
    }


def test_candidate_better_everywhere_passes():
    gates = baseline_gates(scopes(0.97, 0.003, 0.95, 0.008), scopes(0.96, 0.008, 0.94, 0.009), EvaluateConfig())
    assert [g.name for g in gates] == [
        "baseline_all_spam_f1", "baseline_all_ham_fpr", "baseline_lang_en_spam_f1", "baseline_lang_en_ham_fpr",
        "baseline_real_spam_f1", "baseline_real_ham_fpr",
    ]
    assert overall_verdict(gates) == "pass"


def test_losing_on_english_f1_blocks_with_a_reason():
    gates = baseline_gates(scopes(0.97, 0.003, 0.91, 0.008), scopes(0.96, 0.008, 0.957, 0.009), EvaluateConfig())
    failed = [g for g in gates if g.verdict == "fail"]
    assert [g.name for g in failed] == ["baseline_lang_en_spam_f1", "baseline_real_spam_f1"]
    assert "0.9100" in failed[0].reason and "0.9570" in failed[0].reason and "lang_en" in failed[0].reason
    assert overall_verdict(gates) == "fail"


def test_higher_ham_fpr_than_baseline_blocks():
    gates = baseline_gates(scopes(0.97, 0.010, 0.95, 0.008), scopes(0.96, 0.008, 0.94, 0.009), EvaluateConfig())
    assert [g.name for g in gates if g.verdict == "fail"] == ["baseline_all_ham_fpr"]


def test_flagging_more_real_korean_ham_than_the_baseline_blocks():
    """Ahead overall and on English, but more real (non-synthetic) Korean ham blocked: the real-data FPR gate fails."""
    gates = baseline_gates(
        scopes(0.97, 0.003, 0.95, 0.0, real_fpr=0.004), scopes(0.96, 0.008, 0.94, 0.003, real_fpr=0.002), EvaluateConfig()
    )
    assert [g.name for g in gates if g.verdict == "fail"] == ["baseline_real_ham_fpr"]


def test_no_baseline_is_not_evaluated_and_empty_scopes_disable():
    gates = baseline_gates(scopes(0.9, 0.0, 0.9, 0.0), None, EvaluateConfig())
    assert [g.verdict for g in gates] == ["not_evaluated"]
    assert baseline_gates(scopes(0.9, 0.0, 0.9, 0.0), scopes(1, 0, 1, 0), EvaluateConfig(beat_baseline_scopes=[])) == []


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

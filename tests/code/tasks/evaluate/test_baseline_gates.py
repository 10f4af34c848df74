"""The quality bar as a gate: the candidate must beat the TF-IDF baseline by F1 and by ham FPR."""

from __future__ import annotations

from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.gates import baseline_gates, overall_verdict


def scopes(all_f1: float, all_fpr: float, en_f1: float, en_fpr: float) -> dict[str, dict[str, float]]:
    return {"all": {"spam_f1": all_f1, "ham_fpr": all_fpr}, "lang_en": {"spam_f1": en_f1, "ham_fpr": en_fpr}}


def test_candidate_better_everywhere_passes():
    gates = baseline_gates(scopes(0.97, 0.003, 0.95, 0.008), scopes(0.96, 0.008, 0.94, 0.009), EvaluateConfig())
    assert [g.name for g in gates] == [
        "baseline_all_spam_f1", "baseline_all_ham_fpr", "baseline_lang_en_spam_f1", "baseline_lang_en_ham_fpr"
    ]
    assert overall_verdict(gates) == "pass"


def test_losing_on_english_f1_blocks_with_a_reason():
    gates = baseline_gates(scopes(0.97, 0.003, 0.91, 0.008), scopes(0.96, 0.008, 0.957, 0.009), EvaluateConfig())
    failed = [g for g in gates if g.verdict == "fail"]
    assert [g.name for g in failed] == ["baseline_lang_en_spam_f1"]
    assert "0.9100" in failed[0].reason and "0.9570" in failed[0].reason and "lang_en" in failed[0].reason
    assert overall_verdict(gates) == "fail"


def test_higher_ham_fpr_than_baseline_blocks():
    gates = baseline_gates(scopes(0.97, 0.010, 0.95, 0.008), scopes(0.96, 0.008, 0.94, 0.009), EvaluateConfig())
    assert [g.name for g in gates if g.verdict == "fail"] == ["baseline_all_ham_fpr"]


def test_no_baseline_is_not_evaluated_and_empty_scopes_disable():
    gates = baseline_gates(scopes(0.9, 0.0, 0.9, 0.0), None, EvaluateConfig())
    assert [g.verdict for g in gates] == ["not_evaluated"]
    assert baseline_gates(scopes(0.9, 0.0, 0.9, 0.0), scopes(1, 0, 1, 0), EvaluateConfig(beat_baseline_scopes=[])) == []

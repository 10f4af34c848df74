"""Gates on small real numbers: floors, no-regression (MLflow validator), slices, behavioural, on-device."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spamloop.settings.evaluate import EvaluateConfig, SliceFloor
from tasks.evaluate.behavioural import BehaviouralReport, CaseResult
from tasks.evaluate.gates import (
    OndeviceReport,
    _limit_check,
    behavioural_gates,
    floor_gates,
    gate_table,
    ondevice_gates,
    overall_verdict,
    regression_gates,
    slice_gates,
)

NAN = float("nan")


def metrics(f1=0.95, precision=0.96, recall=0.94, fpr=0.004, pr_auc=0.98, n_spam=100, n_ham=900) -> dict[str, float]:
    return {
        "spam_f1": f1, "spam_precision": precision, "spam_recall": recall, "ham_fpr": fpr, "pr_auc": pr_auc,
        "n_spam": float(n_spam), "n_ham": float(n_ham),
    }


def by_name(gates):
    return {gate.name: gate for gate in gates}


def test_floors_pass_and_fail_with_reasons():
    config = EvaluateConfig(min_spam_f1=0.9, max_ham_fpr=0.01, min_spam_precision=None)
    gates = by_name(floor_gates(metrics(f1=0.85, fpr=0.02), config))
    assert "floor_spam_precision" not in gates  # switched off
    assert gates["floor_spam_f1"].verdict == "fail" and gates["floor_spam_f1"].reason == "spam_f1 0.8500 < 0.9000"
    assert gates["floor_ham_fpr"].verdict == "fail" and gates["floor_ham_fpr"].reason == "ham_fpr 0.0200 > 0.0100"
    assert gates["floor_pr_auc"].verdict == "pass"
    ok = by_name(floor_gates(metrics(f1=0.9, fpr=0.01), config))  # limits are inclusive
    assert ok["floor_spam_f1"].verdict == ok["floor_ham_fpr"].verdict == "pass"
    unmeasurable = by_name(floor_gates(metrics(f1=NAN), config))
    assert unmeasurable["floor_spam_f1"].verdict == "fail" and "not measurable" in unmeasurable["floor_spam_f1"].reason


def test_limit_check_uses_mlflow_validation_messages():
    passed, message = _limit_check("spam_f1", 0.8, 0.9, at_least=True)
    assert not passed and "value threshold check failed" in message
    assert _limit_check("ham_fpr", 0.004, 0.005, at_least=False)[0]
    assert not _limit_check("ham_fpr", 0.006, 0.005, at_least=False)[0]


def test_regression_is_skipped_without_a_champion():
    gates = regression_gates(metrics(), None, EvaluateConfig())
    assert [g.name for g in gates] == ["regression_spam_f1", "regression_pr_auc", "regression_ham_fpr"]
    assert all(g.verdict == "skipped" and g.reason == "skipped: no champion" for g in gates)
    assert overall_verdict(gates) == "pass"


def test_regression_margin_against_the_champion():
    config = EvaluateConfig(max_f1_drop=0.01, max_pr_auc_drop=0.01, max_ham_fpr_increase=0.002)
    champion = metrics(f1=0.95, pr_auc=0.98, fpr=0.004)
    within = by_name(regression_gates(metrics(f1=0.941, pr_auc=0.971, fpr=0.0059), champion, config))
    assert all(g.verdict == "pass" for g in within.values())
    worse = by_name(regression_gates(metrics(f1=0.93, pr_auc=0.99, fpr=0.007), champion, config, "champion v3"))
    assert worse["regression_spam_f1"].verdict == "fail"
    assert worse["regression_spam_f1"].reason == "spam_f1 0.9300 < 0.9400 (champion v3 0.9500, margin 0.01)"
    assert worse["regression_pr_auc"].verdict == "pass"
    assert worse["regression_ham_fpr"].verdict == "fail"  # lower is better: 0.007 > 0.004 + 0.002
    assert overall_verdict(list(worse.values())) == "fail"


def test_slice_gates_skip_thin_slices_and_fail_unknown_ones():
    config = EvaluateConfig(
        min_slice_rows=20,
        slice_floors=[
            SliceFloor(slice="smishing", metric="spam_recall", minimum=0.9),
            SliceFloor(slice="transactional_ham", metric="ham_fpr", maximum=0.02),
            SliceFloor(slice="lang_en", metric="spam_recall", minimum=0.8),
            SliceFloor(slice="no_such_slice", metric="spam_f1", minimum=0.5),
        ],
    )
    slices = {
        "smishing": metrics(recall=0.85, n_spam=50, n_ham=0),
        "transactional_ham": metrics(fpr=0.01, n_spam=0, n_ham=120),
        "lang_en": metrics(recall=0.1, n_spam=5, n_ham=300),
    }
    gates = by_name(slice_gates(slices, config))
    assert gates["slice_smishing_spam_recall"].verdict == "fail"
    assert gates["slice_smishing_spam_recall"].reason == "spam_recall 0.8500 < 0.9000 on smishing"
    assert gates["slice_transactional_ham_ham_fpr"].verdict == "pass"
    assert gates["slice_lang_en_spam_recall"].verdict == "skipped" and "5 spam rows" in gates["slice_lang_en_spam_recall"].reason
    assert gates["slice_no_such_slice_spam_f1"].verdict == "fail"


def test_a_slice_floor_needs_exactly_one_bound():
    with pytest.raises(ValidationError, match="exactly one"):
        SliceFloor(slice="lang_ko", metric="spam_recall")
    with pytest.raises(ValidationError, match="exactly one"):
        SliceFloor(slice="lang_ko", metric="spam_recall", minimum=0.5, maximum=0.9)


def _report(rates: dict[str, float]) -> BehaviouralReport:
    cases = [CaseResult(case_id=f"{kind}:{i}", kind=kind, lang="ko", passed=i < round(rate * 10), scores=[0.5]) for kind, rate in rates.items() for i in range(10)]
    return BehaviouralReport(threshold=0.5, pass_rates=rates, counts={kind: 10 for kind in rates}, cases=cases)


def test_behavioural_gates():
    config = EvaluateConfig(min_invariance_pass_rate=0.9, min_directional_pass_rate=0.8, min_functionality_pass_rate=1.0)
    gates = by_name(behavioural_gates(_report({"invariance": 0.9, "directional": 0.7, "functionality": 1.0}), config))
    assert gates["behaviour_invariance"].verdict == "pass"
    assert gates["behaviour_directional"].verdict == "fail"
    assert "(7/10) < 0.800" in gates["behaviour_directional"].reason and "directional:9" in gates["behaviour_directional"].reason
    assert gates["behaviour_functionality"].verdict == "pass"


def test_ondevice_gates_with_and_without_a_report():
    config = EvaluateConfig(max_model_bytes=1_000_000, max_p50_latency_ms=10.0, require_parity=True)
    absent = ondevice_gates(None, config)
    assert [g.verdict for g in absent] == ["not_evaluated"] * 3
    assert overall_verdict(absent) == "pass"
    required = ondevice_gates(None, config.model_copy(update={"require_ondevice_report": True}))
    assert [g.verdict for g in required] == ["fail"] * 3
    within = by_name(ondevice_gates(OndeviceReport(size_bytes=710_000, p50_latency_ms=2.1, parity_passed=True), config))
    assert all(g.verdict == "pass" for g in within.values())
    over = by_name(ondevice_gates(OndeviceReport(size_bytes=2_200_000, p50_latency_ms=12.5, parity_passed=False), config))
    assert over["ondevice_size"].verdict == "fail" and over["ondevice_size"].reason == "model 2,200,000 bytes > 1,000,000"
    assert over["ondevice_latency"].verdict == "fail" and over["ondevice_parity"].verdict == "fail"
    table = gate_table(list(over.values()))
    assert "| ondevice_parity | ondevice | ❌ fail | parity check failed |" in table

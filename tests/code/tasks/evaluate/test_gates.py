"""Gates on small frames with known counts: floors on the point estimate, comparisons on the paired bootstrap
difference, undecided slices, behavioural pass rates, on-device budget, and the table a reviewer reads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spamloop.settings.evaluate import EvaluateConfig, SliceFloor
from tasks.evaluate.behavioural import BehaviouralReport, CaseResult, pass_rate_intervals
from tasks.evaluate.gates import (
    GateResult,
    OndeviceReport,
    _limit_check,
    behavioural_gates,
    blocking_gates,
    floor_gates,
    gate_rows,
    gate_table,
    ondevice_gates,
    overall_verdict,
    regression_gates,
    slice_gates,
)
from tasks.evaluate.metrics import GoldBootstrap
from tests.code.tasks.evaluate.gold_frames import first_rows_flagged, gold_frame, measure

SIZES = {("ko", "spam"): 100, ("ko", "ham"): 900, ("en", "spam"): 40, ("en", "ham"): 300}


def by_name(gates):
    return {gate.name: gate for gate in gates}


@pytest.fixture(scope="module")
def frame():
    return gold_frame(SIZES)


@pytest.fixture(scope="module")
def bootstrap(frame):
    return GoldBootstrap(frame, n_resamples=1000, seed=5)


def model(bootstrap, frame, ko_spam, en_spam, ko_ham, en_ham=0):
    """A model that catches the first ``ko_spam``/``en_spam`` spams and flags the first ``ko_ham``/``en_ham`` hams."""
    flags = first_rows_flagged(frame, {("ko", "spam"): ko_spam, ("en", "spam"): en_spam, ("ko", "ham"): ko_ham, ("en", "ham"): en_ham})
    return measure(bootstrap, flags)


def test_floors_decide_on_the_point_estimate_and_show_interval_and_n(bootstrap, frame):
    config = EvaluateConfig(min_spam_f1=0.9, max_ham_fpr=0.01, min_spam_precision=None, min_pr_auc=0.5)
    candidate = model(bootstrap, frame, ko_spam=85, en_spam=34, ko_ham=20)  # recall 119/140, FPR 20/1200
    gates = by_name(floor_gates(candidate, config))
    assert "floor_spam_precision" not in gates  # switched off
    fpr = gates["floor_ham_fpr"]
    assert fpr.verdict == "fail" and (fpr.n, fpr.count) == (1200, "20/1200")
    assert fpr.ci_low < 20 / 1200 < fpr.ci_high
    assert fpr.reason.startswith(f"ham_fpr 0.0167 (20/1200) [{fpr.ci_low:.4f}, {fpr.ci_high:.4f}] > 0.0100, n=1200")
    f1 = gates["floor_spam_f1"]
    assert f1.verdict == "fail" and f1.n == 140 and f1.count is None and f1.ci_high < 0.9
    assert "within noise" not in f1.reason  # the whole interval is under the floor
    assert gates["floor_pr_auc"].verdict == "pass"

    # Limits are inclusive, and the point estimate decides even when the interval straddles the limit.
    at_limit = by_name(floor_gates(model(bootstrap, frame, ko_spam=100, en_spam=40, ko_ham=12), config))["floor_ham_fpr"]
    assert at_limit.verdict == "pass" and at_limit.value == pytest.approx(0.01)
    assert at_limit.reason.endswith("within noise: the interval contains the limit")
    assert overall_verdict(list(by_name(floor_gates(model(bootstrap, frame, 100, 40, 12), config)).values())) == "pass"


def test_an_unmeasurable_floor_is_undecided_and_blocks(bootstrap, frame):
    nothing_flagged = model(bootstrap, frame, ko_spam=0, en_spam=0, ko_ham=0)
    precision = by_name(floor_gates(nothing_flagged, EvaluateConfig()))["floor_spam_precision"]
    assert precision.verdict == "undecided" and precision.blocking
    assert precision.reason == "undecided (n=140): spam_precision not measurable"
    assert precision.verdict_label() == "undecided (n=140)"
    assert overall_verdict([precision]) == "fail"


def test_limit_check_uses_mlflow_validation_messages():
    passed, message = _limit_check("spam_f1", 0.8, 0.9, at_least=True)
    assert not passed and "value threshold check failed" in message
    assert _limit_check("ham_fpr", 0.004, 0.005, at_least=False)[0]
    assert not _limit_check("ham_fpr", 0.006, 0.005, at_least=False)[0]


def test_regression_is_skipped_without_a_champion(bootstrap, frame):
    gates = regression_gates(model(bootstrap, frame, 96, 38, 6), None, EvaluateConfig())
    assert [g.name for g in gates] == ["regression_spam_f1", "regression_pr_auc", "regression_ham_fpr"]
    assert all(g.verdict == "skipped" and g.reason == "skipped: no champion" for g in gates)
    assert overall_verdict(gates) == "pass"


def test_regression_fails_only_when_worse_with_confidence_beyond_the_margin(bootstrap, frame):
    config = EvaluateConfig(max_f1_drop=0.01, max_pr_auc_drop=None, max_ham_fpr_increase=0.002)
    champion = model(bootstrap, frame, ko_spam=96, en_spam=38, ko_ham=6)

    same = by_name(regression_gates(model(bootstrap, frame, 96, 38, 6), champion, config))
    assert all(g.verdict == "pass" for g in same.values())
    assert (same["regression_spam_f1"].value, same["regression_spam_f1"].ci_low, same["regression_spam_f1"].ci_high) == (0, 0, 0)

    # Three spams fewer: the point estimate drops by more than the margin (the old rule failed it), but three
    # messages are within noise: not worse with confidence, so it passes; one message does not flip it.
    three_fewer = by_name(regression_gates(model(bootstrap, frame, 93, 38, 6), champion, config, "champion v3"))["regression_spam_f1"]
    assert three_fewer.value < -0.01 and three_fewer.ci_high == 0
    assert three_fewer.verdict == "pass" and "not worse with confidence" in three_fewer.reason
    assert three_fewer.reason.startswith(f"spam_f1 {three_fewer.value + three_fewer.reference:.4f} vs champion v3 ")

    # Twelve fewer: worse with confidence and the interval reaches past the margin.
    twelve_fewer = by_name(regression_gates(model(bootstrap, frame, 84, 38, 6), champion, config))
    f1 = twelve_fewer["regression_spam_f1"]
    assert f1.verdict == "fail" and f1.ci_high < 0 and f1.ci_low < -0.01 and f1.limit == -0.01
    assert "worse with confidence, possibly by more than the margin 0.01" in f1.reason
    assert twelve_fewer["regression_ham_fpr"].verdict == "pass"
    assert overall_verdict(list(twelve_fewer.values())) == "fail"

    # Lower is better for ham FPR: 8 more hams flagged of 1,200 fails (the difference is positive).
    more_fp = by_name(regression_gates(model(bootstrap, frame, 96, 38, 14), champion, config))["regression_ham_fpr"]
    assert more_fp.verdict == "fail" and more_fp.ci_low > 0 and more_fp.ci_high > 0.002 and more_fp.limit == 0.002


def test_worse_but_within_the_margin_with_confidence_passes():
    """Many hams: five more flagged is worse with confidence, yet the interval rules out a rise beyond 0.002."""
    frame = gold_frame({("ko", "spam"): 50, ("ko", "ham"): 6000})
    bootstrap = GoldBootstrap(frame, n_resamples=1000, seed=5)
    champion = measure(bootstrap, first_rows_flagged(frame, {("ko", "spam"): 50, ("ko", "ham"): 3}))
    candidate = measure(bootstrap, first_rows_flagged(frame, {("ko", "spam"): 50, ("ko", "ham"): 8}))
    gate = by_name(regression_gates(candidate, champion, EvaluateConfig()))["regression_ham_fpr"]
    assert gate.ci_low > 0 and gate.ci_high < 0.002
    assert gate.verdict == "pass" and "worse, but by less than the margin 0.002 with confidence" in gate.reason


def test_comparisons_refuse_measurements_from_different_resamples(bootstrap, frame):
    other = GoldBootstrap(frame, n_resamples=1200, seed=5)
    with pytest.raises(ValueError, match="same resamples"):
        regression_gates(model(bootstrap, frame, 96, 38, 6), model(other, frame, 96, 38, 6), EvaluateConfig())


def test_thin_slices_are_undecided_and_block_unless_informational():
    frame = gold_frame(
        {("ko", "spam"): 60, ("ko", "ham"): 200, ("en", "spam"): 5, ("en", "ham"): 100},
        category_group={("ko", "ham"): "transactional"},
    )
    bootstrap = GoldBootstrap(frame, n_resamples=1000, seed=5)
    candidate = measure(bootstrap, first_rows_flagged(frame, {("ko", "spam"): 51, ("en", "spam"): 1, ("ko", "ham"): 2}))
    config = EvaluateConfig(
        min_slice_rows=20,
        slice_floors=[
            SliceFloor(slice="smishing", metric="spam_recall", minimum=0.9),
            SliceFloor(slice="transactional_ham", metric="ham_fpr", maximum=0.02),
            SliceFloor(slice="lang_en", metric="spam_recall", minimum=0.8),
            SliceFloor(slice="lang_en", metric="spam_f1", minimum=0.8, required=False),
            SliceFloor(slice="no_such_slice", metric="spam_f1", minimum=0.5),
        ],
    )
    gates = by_name(slice_gates(candidate, config))
    smishing = gates["slice_smishing_spam_recall"]  # every spam row here is smishing: 51 + 1 of 65 caught
    assert smishing.verdict == "fail" and smishing.n == 65 and smishing.count == "52/65"
    assert smishing.reason.startswith("spam_recall 0.8000 (52/65) [") and " < 0.9000 on smishing, n=65" in smishing.reason
    transactional = gates["slice_transactional_ham_ham_fpr"]
    assert transactional.verdict == "pass" and transactional.count == "2/200"
    english = gates["slice_lang_en_spam_recall"]
    assert english.verdict == "undecided" and english.blocking
    assert english.reason == "undecided (n=5): 5 spam rows on lang_en < 20" and english.verdict_label() == "undecided (n=5)"
    informational = gates["slice_lang_en_spam_f1"]
    assert informational.verdict == "undecided" and not informational.blocking
    assert informational.verdict_label() == "undecided (n=5) (info)"
    assert gates["slice_no_such_slice_spam_f1"].verdict == "fail"
    assert [g.name for g in blocking_gates(list(gates.values()))] == [
        "slice_smishing_spam_recall", "slice_lang_en_spam_recall", "slice_no_such_slice_spam_f1",
    ]
    # An informational gate never blocks, whatever its verdict.
    assert overall_verdict([informational, GateResult(name="x", group="slice", verdict="fail", reason="", required=False)]) == "pass"


def test_a_slice_floor_needs_exactly_one_bound():
    with pytest.raises(ValidationError, match="exactly one"):
        SliceFloor(slice="lang_ko", metric="spam_recall")
    with pytest.raises(ValidationError, match="exactly one"):
        SliceFloor(slice="lang_ko", metric="spam_recall", minimum=0.5, maximum=0.9)


def _report(passed: dict[str, int], total: int = 10) -> BehaviouralReport:
    cases = [
        CaseResult(case_id=f"{kind}:{i}", kind=kind, lang="ko" if i % 2 else "en", passed=i < count, scores=[0.5])
        for kind, count in passed.items()
        for i in range(total)
    ]
    return BehaviouralReport(
        threshold=0.5,
        pass_rates={kind: count / total for kind, count in passed.items()},
        counts={kind: total for kind in passed},
        cases=cases,
        intervals=pass_rate_intervals(cases, n_resamples=1000, seed=7),
    )


def test_behavioural_gates_show_interval_count_and_what_the_limit_allows():
    config = EvaluateConfig(min_invariance_pass_rate=0.9, min_directional_pass_rate=0.8, min_functionality_pass_rate=1.0)
    gates = by_name(behavioural_gates(_report({"invariance": 9, "directional": 7, "functionality": 10}), config))
    assert gates["behaviour_invariance"].verdict == "pass"
    directional = gates["behaviour_directional"]
    assert directional.verdict == "fail" and (directional.n, directional.count) == (10, "7/10")
    assert directional.ci_low < 0.7 < directional.ci_high <= 1.0
    assert "(7/10)" in directional.reason and "< 0.8000" in directional.reason and "directional:9" in directional.reason
    assert "the limit allows 2 of 10 to fail" in directional.reason
    functionality = gates["behaviour_functionality"]
    assert functionality.verdict == "pass" and (functionality.ci_low, functionality.ci_high) == (1.0, 1.0)
    assert "the limit allows 0 of 10 to fail" in functionality.reason
    missing = behavioural_gates(_report({"invariance": 9}, total=10), config)
    assert by_name(missing)["behaviour_directional"].verdict == "undecided"  # no directional case ran: n=0


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
    assert "| ondevice_parity | ondevice | ❌ fail | – | – | – | – | parity check failed |" in table


def test_gate_table_puts_interval_and_n_beside_each_verdict(bootstrap, frame):
    champion = model(bootstrap, frame, 96, 38, 6)
    candidate = model(bootstrap, frame, 84, 38, 6)
    config = EvaluateConfig(max_pr_auc_drop=None, max_ham_fpr_increase=None, min_spam_precision=None, min_spam_recall=None,
                            min_spam_f1=None, min_pr_auc=None)
    gates = [*floor_gates(candidate, config), *regression_gates(candidate, champion, config)]
    undecided = GateResult(name="slice_lang_en_spam_recall", group="slice", verdict="undecided", reason="undecided (n=5): ...", n=5)
    table = gate_table([*gates, undecided])
    assert table.splitlines()[0] == "| gate | group | verdict | value | 95% interval | n | limit | reason |"
    fpr, f1 = gates
    assert (
        f"| floor_ham_fpr | floor | ✅ pass | 0.005 | [{fpr.ci_low:.4f}, {fpr.ci_high:.4f}] | 1200 (6/1200) | 0.01 | " in table
    )
    assert f"| regression_spam_f1 | regression | ❌ fail | Δ {f1.value:+.4f} | [{f1.ci_low:+.4f}, {f1.ci_high:+.4f}] | 140 | -0.0100 | " in table
    assert "| slice_lang_en_spam_recall | slice | ❔ undecided (n=5) | – | – | 5 | – | undecided (n=5): ... |" in table


def test_gate_table_figures_are_plain_digits_never_scientific_notation():
    """The reviewer reads the table in a terminal, the Prefect artifact and MLflow: 914,432 bytes, not 9.144e+05."""
    gates = [
        GateResult(name="ondevice_size", group="ondevice", verdict="pass", reason="", value=914_432.0, limit=8_000_000.0),
        GateResult(name="floor_ham_fpr", group="floor", verdict="pass", reason="", value=0.000012, limit=0.01),
        GateResult(name="baseline_all_spam_f1", group="baseline", verdict="pass", reason="", value=-0.0034, limit=0.0),
    ]
    rows = gate_rows(gates)
    assert [(row[1], row[4]) for row in rows] == [("914,432", "8,000,000"), ("0.000012", "0.01"), ("Δ -0.0034", "+0.0000")]
    assert not any("e+" in cell or "e-" in cell for row in rows for cell in row[1:5])

"""A registry version records its gate verdicts as two tags (`verdict`, `failed_gates`), not one per gate; versions
registered with per-gate `gate_<name>` tags still read back the same failed gates."""

from __future__ import annotations

from models.release import failed_gates_tag, recorded_failed_gates

ROWS = [
    {"name": "floor_spam_f1", "verdict": "fail"},
    {"name": "slice_otp_ham_fpr", "verdict": "pass"},
    {"name": "regression_pr_auc", "verdict": "skipped"},
    {"name": "beat_baseline_lang_en", "verdict": "fail"},
]


def test_failed_gates_tag_names_the_failed_gates_sorted_or_none():
    assert failed_gates_tag(ROWS) == "beat_baseline_lang_en,floor_spam_f1"
    assert failed_gates_tag([{**row, "verdict": "pass"} for row in ROWS]) == "none"


def test_recorded_failed_gates_reads_the_compact_tag_and_the_per_gate_tags_of_older_versions():
    assert recorded_failed_gates({"verdict": "fail", "failed_gates": failed_gates_tag(ROWS)}) == [
        "beat_baseline_lang_en", "floor_spam_f1",
    ]
    assert recorded_failed_gates({"verdict": "pass", "failed_gates": "none"}) == []
    legacy = {"verdict": "fail", "gate_floor_spam_f1": "fail", "gate_slice_otp_ham_fpr": "pass"}
    assert recorded_failed_gates(legacy) == ["floor_spam_f1"]

"""The release rule's reading of a version's tags (models/release.py), without a registry."""

from __future__ import annotations

from models.release import failed_gate_names


def test_undecided_gates_count_as_blocking_beside_failed_ones():
    tags = {
        "gate_floor_spam_f1": "pass",
        "gate_slice_has_url_ham_fpr": "undecided",
        "gate_behaviour_invariance": "fail",
        "gate_champion_spam_f1": "skipped",
        "verdict": "fail",
    }
    assert failed_gate_names(tags) == ["behaviour_invariance", "slice_has_url_ham_fpr"]

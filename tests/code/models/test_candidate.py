"""The training -> export/evaluate hand-off names what a stage is missing."""

from __future__ import annotations

import pytest

from models.candidate import Candidate


def test_a_stage_names_the_fields_it_misses():
    candidate = Candidate(run_id="abc", model_uri="runs:/abc/model")
    candidate.require("evaluate", "run_id", "model_uri")  # threshold may stay empty: the recorded one
    with pytest.raises(ValueError, match=r"export needs the candidate's name, model_dir, threshold"):
        candidate.require("export", "name", "model_dir", "threshold")


def test_metrics_are_numbers_only():
    with pytest.raises(ValueError, match="metrics"):
        Candidate(metrics={"dev_note": "great"})

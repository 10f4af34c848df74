"""The weekly retrain approves the first passing model itself (no champion to protect), and nothing else."""

from __future__ import annotations

import pytest

from tasks.evaluate.behavioural import BehaviouralReport
from tasks.evaluate.first_model import approves_first_model, as_champion
from tasks.evaluate.pipeline import ChampionInfo, EvaluationResult


def evaluation(verdict: str = "pass", promoted: bool = False, champion: ChampionInfo | None = None) -> EvaluationResult:
    return EvaluationResult(
        candidate_model_uri="runs:/abc/model", training_run_id="abc", threshold=0.5, gold_version="v1", gold_sha256="0",
        metrics={}, slices={}, behavioural=BehaviouralReport(threshold=0.5, pass_rates={}, counts={}, cases=[]), champion=champion, gates=[],
        verdict=verdict, registered_model="spamloop-sms-spam", version="2", challenger_set=True, promoted=promoted,
        aliases_after={"champion": champion.version if champion else None, "challenger": "2"},
        evaluation_run_id="run2", run_link="run2", model_card="",
    )


def test_the_first_passing_model_is_approved():
    assert approves_first_model(evaluation(), bootstrap_first_model=True)


@pytest.mark.parametrize(
    ("result", "enabled"),
    [
        (evaluation(verdict="fail"), True),  # a failed gate is never shipped unreviewed
        (evaluation(champion=ChampionInfo(version="1", threshold=0.5, metrics={})), True),  # phones run a champion
        (evaluation(promoted=True), True),  # auto_promote already moved the alias
        (evaluation(), False),  # evaluate.bootstrap_first_model off: a reviewer approves
    ],
)
def test_anything_else_waits_for_a_reviewer(result, enabled):
    assert not approves_first_model(result, bootstrap_first_model=enabled)


def test_the_approved_result_is_champion_and_keeps_its_challenger():
    promoted = as_champion(evaluation())
    assert promoted.promoted and promoted.aliases_after == {"champion": "2", "challenger": "2"}
    assert promoted.version == "2" and promoted.verdict == "pass"

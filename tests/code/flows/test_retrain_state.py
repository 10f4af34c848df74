"""A weekly retrain that publishes nothing ends in a named state the Prefect UI shows (Blocked, AwaitingReview),
with the reason as the state's message; its result is still the RetrainSummary.

The stages are replaced by fixed outcomes (training is tested elsewhere): what is tested is the flow's final
state, as the Prefect API stores it for the UI.
"""

from __future__ import annotations

import pytest

from flows.retrain_report import RetrainSummary

pytestmark = pytest.mark.prefect

BLOCKED = "not published: version 4 failed 2 gate(s): behaviour_invariance, slice_transactional_ham_ham_fpr"
AWAITING = "not published: version 5 passed every gate and awaits review: spamloop registry approve 5 --comment '...'"


def stage_outcomes(status: str, text: str, published: str | None = None) -> RetrainSummary:
    summary = RetrainSummary(published_version=published)
    summary.add("evaluate", "fail" if status == "blocked" else "pass", "version 4 on gold v1")
    summary.add("publish", status, text)
    return summary


@pytest.mark.parametrize(
    ("status", "text", "published", "state_name"),
    [
        ("blocked", BLOCKED, None, "Blocked"),
        ("awaiting-review", AWAITING, None, "AwaitingReview"),
        ("blocked", "not published: the parity gate failed", None, "Blocked"),
        ("completed", "manifest -> spam-encoder v9", "v9", "Completed"),
    ],
)
def test_the_final_state_names_what_was_published(prefect_harness, config, monkeypatch, status, text, published, state_name):
    from prefect.client.orchestration import get_client

    from flows import retrain

    summary = stage_outcomes(status, text, published)
    monkeypatch.setattr(retrain, "_run_stages", lambda _config: summary)
    state = retrain.weekly_retrain(config=config, return_state=True)
    assert state.is_completed() and state.name == state_name
    assert state.result() == summary
    with get_client(sync_client=True) as client:  # what the UI shows
        stored = client.read_flow_run(state.state_details.flow_run_id).state
    assert (stored.type.value, stored.name) == ("COMPLETED", state_name)
    assert stored.message == (None if published else text)
    assert retrain.weekly_retrain(config=config) == summary  # a plain call still returns the summary

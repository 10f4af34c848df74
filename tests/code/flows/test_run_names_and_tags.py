"""Flow runs carry templated names and tags, read back from the Prefect API (test harness)."""

from __future__ import annotations

import re

import pytest
from prefect import flow, tags
from prefect.client.orchestration import get_client

from flows.label import label
from flows.publish import publish_rollback
from spamloop.config import load_config

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

STAMP = r"\d{8}-\d{4}"


def read_run(state):
    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def test_stage_runs_are_named_and_tagged(prefect_harness, tmp_path):
    config = load_config(state_dir=tmp_path / "state")

    plain = read_run(label(config=config, return_state=True))  # no snapshot yet: returns None, still a run
    assert re.fullmatch(rf"label-{STAMP}", plain.name), plain.name
    assert {"spamloop", "label"} <= set(plain.tags) and "dry-run" not in plain.tags

    dry = read_run(label(config=config, dry_run=True, return_state=True))
    assert re.fullmatch(rf"label-dry-run-{STAMP}", dry.name), dry.name
    assert {"spamloop", "label", "dry-run"} <= set(dry.tags)

    # A failing run is named from its parameters too (nothing was ever published here).
    state = publish_rollback(name="spam-filter", version="v7", config=config, return_state=True)
    assert state.is_failed()
    failed = read_run(state)
    assert re.fullmatch(rf"publish-rollback-spam-filter-v7-{STAMP}", failed.name), failed.name
    assert {"spamloop", "publish-rollback"} <= set(failed.tags)


def test_tags_around_a_stage_call_are_kept(prefect_harness, tmp_path):
    """The weekly retrain wraps its stages in tags("weekly"); a stage adds its own tags without dropping those."""
    config = load_config(state_dir=tmp_path / "state")

    @flow(name="tagging-parent")
    def parent() -> None:
        with tags("weekly"):
            label(config=config)

    parent()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    child = next(run for run in runs if run.name.startswith("label-") and "weekly" in run.tags)
    assert {"weekly", "spamloop", "label"} <= set(child.tags)

"""The ingest Prefect flow on a fixture folder: result, artifact, and a second run that skips."""

from __future__ import annotations

import shutil

import pytest

from tests.code.tasks.ingest.conftest import FIXTURE_LOGS

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_ingest_flow_runs_publishes_summary_and_skips_on_rerun(prefect_harness, config, tmp_path):
    from prefect.artifacts import Artifact

    from flows.ingest import ingest

    logs = tmp_path / "logs"
    shutil.copytree(FIXTURE_LOGS, logs)
    flow_config = config.model_copy(update={"ingest": config.ingest.model_copy(update={"source": str(logs)})})

    first = ingest(config=flow_config)
    assert (first.read, first.accepted, first.duplicate, first.quarantined) == (27, 9, 3, 15)
    assert len(first.files_ingested) == 3 and first.snapshot_id

    artifact = Artifact.get("ingest-summary")
    assert artifact is not None
    assert "| 27 | 9 | 3 | 15 |" in str(artifact.data)
    assert "택배" not in str(artifact.data)

    second = ingest(config=flow_config)
    assert second.files_ingested == [] and len(second.files_skipped) == 3
    assert second.snapshot_id == first.snapshot_id

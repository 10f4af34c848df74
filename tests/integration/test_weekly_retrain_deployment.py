"""prefect.yaml on a real Prefect server and process worker: schedule, single-run guard, a full retrain end to end.

The stack (tests/integration/conftest.py) is what an operator runs: `prefect server start`, `prefect work-pool
create`, `prefect deploy --all`, `prefect worker start`, `prefect deployment run 'weekly-retrain/weekly-retrain'`.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone

import pytest

from tests.integration.conftest import (
    EXPORT_MODEL_NAME,
    SEOUL,
    WEEKLY_DEPLOYMENT,
    WORK_POOL,
    IntegrationStack,
    OverlappingRuns,
    champion_and_training_run,
    declared_deployments,
    log_tail,
    next_monday_0300_seoul,
)

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def scheduled_runs_of(stack: IntegrationStack, deployment_id) -> list:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with stack.client() as client:
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=5,
        )


def test_deploy_all_registers_every_deployment_of_prefect_yaml_on_its_pool(integration_stack: IntegrationStack):
    with integration_stack.client() as client:
        deployments = client.read_deployments()
        flow_names = {flow.id: flow.name for flow in client.read_flows()}
    registered = {d.name: d.work_pool_name for d in deployments}
    assert registered == declared_deployments()
    assert registered["weekly-retrain"] == WORK_POOL
    weekly = next(d for d in deployments if d.name == "weekly-retrain")
    assert flow_names[weekly.flow_id] == "weekly-retrain"


def test_weekly_retrain_keeps_its_cron_timezone_and_single_run_guard_on_the_server(integration_stack: IntegrationStack):
    with integration_stack.client() as client:
        deployment = client.read_deployment_by_name(WEEKLY_DEPLOYMENT)
    schedules = [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules]
    assert schedules == [("0 3 * * 1", "Asia/Seoul", True)]
    assert deployment.global_concurrency_limit is not None and deployment.global_concurrency_limit.limit == 1
    assert deployment.concurrency_options is not None
    assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    # The flow's pydantic parameter travels as a schema the server validates `--param config=...` against.
    assert "config" in deployment.parameter_openapi_schema["properties"]


def test_next_scheduled_run_is_monday_0300_in_seoul(integration_stack: IntegrationStack):
    with integration_stack.client() as client:
        deployment = client.read_deployment_by_name(WEEKLY_DEPLOYMENT)
    deadline = time.monotonic() + 90
    runs = scheduled_runs_of(integration_stack, deployment.id)
    while not runs and time.monotonic() < deadline:
        time.sleep(2)
        runs = scheduled_runs_of(integration_stack, deployment.id)
    assert runs, "the scheduler created no runs for the weekly cron (see STACK_NOTES: sqlalchemy pin)"
    auto = [run for run in runs if run.auto_scheduled]
    assert auto, [run.name for run in runs]
    upcoming = auto[0].expected_start_time.astimezone(SEOUL)
    assert (upcoming.weekday(), upcoming.hour, upcoming.minute) == (0, 3, 0), upcoming.isoformat()
    assert upcoming == next_monday_0300_seoul(datetime.now(timezone.utc)), upcoming.isoformat()


def test_overlapping_run_is_cancelled_while_the_first_is_running(overlapping_runs: OverlappingRuns):
    state, message = overlapping_runs.second_final
    assert overlapping_runs.first_state_when_second_was_refused == "RUNNING"
    assert state == "CANCELLED", (state, message)
    assert "concurrency limit" in message.lower(), message


def test_first_run_completes(overlapping_runs: OverlappingRuns, integration_stack: IntegrationStack):
    state, message = overlapping_runs.first_final
    assert state == "COMPLETED", f"{state}: {message}\nworker log:\n{log_tail(integration_stack.worker_log, 8000)}"


def test_retrain_logged_its_runs_and_registered_the_champion_in_mlflow(
    completed_retrain: OverlappingRuns, integration_stack: IntegrationStack
):
    client, champion, training = champion_and_training_run(integration_stack.mlflow_url)
    assert champion.tags.get("verdict") == "pass"
    assert training.info.status == "FINISHED"
    assert training.data.tags.get("role") == "encoder"
    # The `--param config=...` given to `prefect deployment run` reached the flow on the worker.
    assert training.data.params["max_seq_len"] == "64"
    assert float(training.data.params["epochs"]) == 1.0
    assert int(training.data.params["n_train"]) <= 1000
    assert int(training.data.params["vocab_size"]) <= 2000
    runs = client.search_runs([training.info.experiment_id])
    assert {run.data.tags.get("role") for run in runs} >= {"encoder", "baseline", "evaluation"}
    evaluations = [run for run in runs if run.data.tags.get("role") == "evaluation"]
    assert [run.data.tags.get("training_run_id") for run in evaluations] == [training.info.run_id]


def test_retrain_published_a_manifest_for_the_champion(completed_retrain: OverlappingRuns, integration_stack: IntegrationStack):
    store = integration_stack.state_dir / "published"
    manifest_path = store / "models" / EXPORT_MODEL_NAME / "manifest.json"
    assert manifest_path.is_file(), f"no manifest under {store}"
    manifest = json.loads(manifest_path.read_text())
    _, _, training = champion_and_training_run(integration_stack.mlflow_url)
    assert manifest["version"] == training.info.run_name
    assert manifest["max_seq_len"] == 64 and manifest["seq_lengths"] == [64]
    for entry in manifest["files"]:
        stored = store / entry["key"]
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == entry["sha256"], entry["key"]


def test_retrain_summary_artifact_shows_every_stage_completed(completed_retrain: OverlappingRuns, integration_stack: IntegrationStack):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    with integration_stack.client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["retrain-summary"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[completed_retrain.first]),
            )
        )
    assert len(artifacts) == 1
    summary = artifacts[0].data
    # Label reads "no_labelers" here: no LLM keys in tests, the bundled labels are used as they are.
    for stage, status in {"ingest": "completed", "train": "completed", "export": "completed", "evaluate": "pass", "publish": "completed"}.items():
        assert f"| {stage} | {status} |" in summary, summary

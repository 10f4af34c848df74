"""Every flow's parameters render as a described form, and the helpers every flow shares behave (no Prefect API)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import datetime, timezone

import pytest
from prefect import Flow
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from pydantic import ValidationError

import flows
from flows.orchestration import build_task_runner, parameter, run_name, seoul_stamp
from spamloop.config import load_config
from spamloop.settings.orchestration import OrchestrationConfig


def all_flows() -> list[Flow]:
    found = []
    for module_info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"flows.{module_info.name}")
        found += [obj for obj in vars(module).values() if isinstance(obj, Flow) and obj.__module__ == module.__name__]
    return found


def test_every_flow_is_found():
    names = {flow.name for flow in all_flows()}
    assert {"ingest", "label", "train", "export", "evaluate", "approve", "publish", "weekly-retrain"} <= names


@pytest.mark.parametrize("flow", all_flows(), ids=lambda flow: flow.name)
def test_flow_parameters_form_is_described(flow):
    schema = flow.parameters.model_dump()
    undescribed = [name for name, prop in schema["properties"].items() if not prop.get("description")]
    assert not undescribed, f"{flow.name}: parameters without a description: {undescribed}"
    for model_name, model in schema.get("definitions", {}).items():
        assert model.get("description"), f"{flow.name}: model {model_name} has no description"
        fields = [name for name, prop in model.get("properties", {}).items() if not prop.get("description")]
        assert not fields, f"{flow.name}: {model_name} fields without a description: {fields}"


@pytest.mark.parametrize("flow", all_flows(), ids=lambda flow: flow.name)
def test_every_flow_has_a_templated_run_name(flow):
    assert callable(flow.flow_run_name), f"{flow.name} gets a random run name"
    # Outside a run the parameters are empty: the name is still <flow name>-<Seoul time>.
    assert re.fullmatch(rf"{re.escape(flow.name)}(-[\w.-]+)?-\d{{8}}-\d{{4}}", flow.flow_run_name())


def test_run_name_uses_seoul_time_and_parameters():
    assert seoul_stamp(datetime(2026, 11, 22, 18, 0, tzinfo=timezone.utc)) == "20261123-0300"  # Monday 03:00 KST
    name = run_name("publish-rollback", lambda p: f"{parameter(p, 'name')}-{parameter(p, 'version')}")
    assert re.fullmatch(r"publish-rollback-None-None-\d{8}-\d{4}", name())
    assert parameter({"request": {"version": "3"}}, "request", "version") == "3"


def test_orchestration_config_and_task_runner_factory(monkeypatch):
    assert load_config().orchestration.task_runner == "thread"
    assert isinstance(build_task_runner(OrchestrationConfig()), ThreadPoolTaskRunner)

    local = build_task_runner(OrchestrationConfig(task_runner="dask", dask_n_workers=3, dask_threads_per_worker=2))
    assert local == DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": 3, "threads_per_worker": 2, "processes": True, "dashboard_address": None},
    )
    remote = build_task_runner(OrchestrationConfig(task_runner="dask", dask_address="tcp://scheduler:8786"))
    assert remote == DaskTaskRunner(address="tcp://scheduler:8786")

    with pytest.raises(ValidationError, match="dask_address"):
        OrchestrationConfig(dask_address="tcp://scheduler:8786")
    monkeypatch.setenv("SPAMLOOP_ORCHESTRATION__TASK_RUNNER", "dask")
    monkeypatch.setenv("SPAMLOOP_ORCHESTRATION__DASK_ADDRESS", "tcp://scheduler:8786")
    assert load_config().orchestration.dask_address == "tcp://scheduler:8786"

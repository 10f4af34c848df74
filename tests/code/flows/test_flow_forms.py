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


# --- the run form: what the Prefect UI shows and sends, and what the flow then runs with --------------------------

# What a worker's environment sets (the local stack's env file, the GPU pool's job variables).
WORKER_ENV = {
    "SPAMLOOP_STATE_DIR": "/srv/spamloop-state",
    "SPAMLOOP_MLFLOW_TRACKING_URI": "http://127.0.0.1:5000",
    "SPAMLOOP_S3__ENDPOINT_URL": "http://127.0.0.1:8333",
    "SPAMLOOP_S3__ACCESS_KEY_ID": "spamloop",
    "SPAMLOOP_S3__SECRET_ACCESS_KEY": "worker-secret",
    "SPAMLOOP_PUBLISH__TARGET": "s3://spamloop/published",
    "SPAMLOOP_TRAIN__DEVICE": "cuda",
}


def untouched_form_payload(flow: Flow) -> dict:
    """The run form's parameters as the Prefect UI (v2, Prefect 3.8) submits them untouched: each field starts at
    the schema's default and is sent back as shown, nulls included. Checked against the request a real browser
    sends in tests/integration/test_browser.py."""
    import json

    schema = flow.parameters.model_dump_for_openapi()
    return json.loads(json.dumps({"config": schema["properties"]["config"]["default"]}))


def effective(flow: Flow, parameters: dict):
    """The config the flow body runs with, after Prefect validated the run's parameters."""
    from spamloop.config import resolve_config

    return resolve_config(flow.validate_parameters(parameters).get("config"))


def test_the_form_shows_the_config_type_its_descriptions_and_every_default_list_item():
    from flows.retrain import weekly_retrain
    from spamloop.config import SpamloopConfig

    schema = weekly_retrain.parameters.model_dump_for_openapi()
    prop = schema["properties"]["config"]
    assert prop["$ref"].endswith("/SpamloopConfig") and "anyOf" not in prop  # one typed form, no type chooser
    default = prop["default"]
    assert default["ingest"]["file_patterns"] == SpamloopConfig.model_fields["ingest"].default_factory().file_patterns
    assert [p["name"] for p in default["label"]["providers"]] == ["openai", "gemini", "anthropic"]
    assert len(default["evaluate"]["slice_floors"]) == 9
    # The defaults are the class's, never the deploying machine's environment (no secret ever reaches the server).
    assert default["s3"]["secret_access_key"] is None and default["mlflow_tracking_uri"] is None


@pytest.mark.parametrize("flow_name", ["weekly-retrain", "ingest", "train", "label", "publish-champion", "rollback"])
def test_an_untouched_form_never_overrides_the_worker_environment(monkeypatch, flow_name):
    from spamloop.config import load_config

    flow = next(f for f in all_flows() if f.name == flow_name)
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    payload = untouched_form_payload(flow)
    assert payload["config"]["mlflow_tracking_uri"] is None and payload["config"]["train"]["device"] == "auto"
    config = effective(flow, payload)
    assert config.model_dump() == load_config().model_dump()
    assert (config.mlflow_tracking_uri, config.publish.target, config.train.device) == (
        "http://127.0.0.1:5000", "s3://spamloop/published", "cuda"
    )
    assert config.s3.secret_access_key.get_secret_value() == "worker-secret"
    # An omitted parameter (a scheduled run, `prefect deployment run` without --param) is the same.
    assert effective(flow, {}).model_dump() == config.model_dump()


def test_a_changed_field_sets_it_and_nothing_else(monkeypatch):
    from flows.retrain import weekly_retrain

    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    payload = untouched_form_payload(weekly_retrain)
    payload["config"]["train"]["epochs"] = 3
    payload["config"]["ingest"]["source"] = "s3://spamloop/reports/"
    config = effective(weekly_retrain, payload)
    assert (config.train.epochs, config.ingest.source) == (3, "s3://spamloop/reports/")
    assert (config.train.device, config.mlflow_tracking_uri) == ("cuda", "http://127.0.0.1:5000")


def test_explicit_nulls_fall_back_to_the_environment_or_default(monkeypatch):
    """The nulls the old form sent once "SpamloopConfig" was chosen (issue 28), as a partial payload."""
    from flows.retrain import weekly_retrain

    nulls = {
        "mlflow_tracking_uri": None,
        "s3": {"endpoint_url": None, "access_key_id": None, "secret_access_key": None},
        "publish": {"target": None},
        "orchestration": None,
    }
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    config = effective(weekly_retrain, {"config": nulls})
    assert (config.mlflow_tracking_uri, config.s3.endpoint_url, config.publish.target) == (
        "http://127.0.0.1:5000", "http://127.0.0.1:8333", "s3://spamloop/published"
    )
    monkeypatch.delenv("SPAMLOOP_MLFLOW_TRACKING_URI")
    assert effective(weekly_retrain, {"config": nulls}).mlflow_tracking_uri is None  # no environment: the default


def test_a_null_gate_limit_still_switches_the_gate_off_and_the_cli_set_is_exact(monkeypatch, tmp_path):
    """A null where the form shows a number is the reviewer's choice (docs/evaluation.md: a gate is switched off by
    an empty limit), not an untouched field; the CLI's --set takes every value as typed."""
    from flows.retrain import weekly_retrain
    from spamloop.cli.common import build_config

    config = effective(weekly_retrain, {"config": {"evaluate": {"min_spam_f1": None, "slice_floors": []}}})
    assert config.evaluate.min_spam_f1 is None and config.evaluate.slice_floors == []
    monkeypatch.setenv("SPAMLOOP_TRAIN__DEVICE", "cuda")
    typed = build_config(["train.device=auto", "evaluate.max_ham_fpr=null"], tmp_path / "state")
    assert (typed.train.device, typed.evaluate.max_ham_fpr) == ("auto", None)


@pytest.mark.parametrize("flow_name", ["export", "evaluate"])
def test_the_candidate_hand_off_is_one_typed_form(flow_name):
    """export and evaluate take the trained candidate as one described form; a run started from the UI sends it as
    a plain dict, which becomes the Candidate."""
    from models.candidate import Candidate

    flow = next(f for f in all_flows() if f.name == flow_name)
    schema = flow.parameters.model_dump_for_openapi()
    prop = schema["properties"]["candidate"]
    assert prop["$ref"].endswith("/Candidate") and "anyOf" not in prop
    assert schema["required"] == ["candidate"]
    sent = {"name": "tiny-abc", "run_id": "abc", "model_uri": "runs:/abc/model", "threshold": 0.4}
    assert flow.validate_parameters({"candidate": sent})["candidate"] == Candidate(**sent)

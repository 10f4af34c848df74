"""prefect.yaml parses with Prefect's own model, and the settings that are silently dropped when misplaced are there."""

from __future__ import annotations

import importlib
import os
from unittest import mock

import yaml
from prefect.cli.deploy._models import PrefectYamlModel

from spamloop.config import load_config
from tests.conftest import REPO_ROOT


def load_deployments():
    model = PrefectYamlModel.model_validate(yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text()))
    return {deployment.name: deployment for deployment in model.deployments}


def test_weekly_retrain_is_monday_0300_seoul_with_a_single_run_guard():
    weekly = load_deployments()["weekly-retrain"]
    assert [(s.cron, s.timezone) for s in weekly.schedules] == [("0 3 * * 1", "Asia/Seoul")]
    # The UI's schedule card reads "At 03:00 AM, only on Monday" alone: the zone is said where it shows.
    assert weekly.schedules[0].slug == "monday-0300-asia-seoul"
    assert weekly.description.startswith("Every Monday 03:00 Asia/Seoul")
    assert weekly.concurrency_limit.limit == 1
    assert weekly.concurrency_limit.collision_strategy == "CANCEL_NEW"
    assert weekly.work_pool.name == "spamloop-process"


def test_every_entrypoint_is_a_flow():
    from prefect import Flow

    for name, deployment in load_deployments().items():
        path, _, function = deployment.entrypoint.partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, function), Flow), name


def test_train_gpu_deployment_targets_the_gpu_pool_and_demands_cuda():
    deployments = load_deployments()
    gpu, cpu = deployments["train-gpu"], deployments["train"]
    assert gpu.entrypoint == cpu.entrypoint == "flows/train.py:train"
    assert gpu.work_pool.name == "spamloop-gpu" and cpu.work_pool.name == "spamloop-process"
    env = gpu.work_pool.job_variables["env"]
    assert env["CUDA_VISIBLE_DEVICES"] == "0"
    # The variable the worker sets must be one SpamloopConfig reads, with a value it accepts.
    with mock.patch.dict(os.environ, {"SPAMLOOP_TRAIN__DEVICE": env["SPAMLOOP_TRAIN__DEVICE"]}):
        assert load_config().train.device == "cuda"
    assert load_config().train.device == "auto"


def test_every_deployment_is_tagged_spamloop():
    for name, deployment in load_deployments().items():
        assert "spamloop" in deployment.tags, name

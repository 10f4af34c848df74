"""The evaluate flow (gold set, gates, registration) and the approve flow (a reviewer promotes a challenger)."""

from __future__ import annotations

from prefect import flow
from pydantic import BaseModel, Field

from spamloop.config import SpamloopConfig, load_config
from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.gates import OndeviceReport
from tasks.evaluate.pipeline import EvaluationResult
from tasks.evaluate.registry import default_reviewer
from tasks.evaluate.steps import approve_task, evaluate_candidate_task, publish_evaluation_artifact_task


def evaluate_config_of(config: SpamloopConfig, eval_config: EvaluateConfig | None) -> EvaluateConfig:
    """The explicit eval config, else the one inside SpamloopConfig."""
    return eval_config or config.evaluate


@flow(name="evaluate")
def evaluate(
    training_run_id: str,
    candidate_model_uri: str,
    threshold: float | None = None,
    ondevice: OndeviceReport | None = None,
    config: SpamloopConfig | None = None,
    eval_config: EvaluateConfig | None = None,
    baseline_model_uri: str | None = None,
    baseline_threshold: float | None = None,
) -> EvaluationResult:
    """Judge a trained candidate on the gold set and register it; aliases move only if every gate passes.

    ``threshold`` None: the one the training run recorded.
    """
    config = config or load_config()
    eval_config = evaluate_config_of(config, eval_config)
    result = evaluate_candidate_task(
        config, eval_config, candidate_model_uri, threshold, training_run_id, ondevice, baseline_model_uri, baseline_threshold
    )
    publish_evaluation_artifact_task(result)
    return result


class ApprovalRequest(BaseModel):
    """A reviewer's decision to make a challenger the champion."""

    version: str = Field(description="Model version to promote; it must have passed every gate.")
    comment: str = Field(min_length=1, description="What the reviewer checked.")
    reviewer: str = Field(default_factory=default_reviewer, description="Who approves.")


@flow(name="approve")
def approve_version(
    request: ApprovalRequest, config: SpamloopConfig | None = None, eval_config: EvaluateConfig | None = None
) -> str | None:
    """Promote a passing version to champion on a reviewer's approval; returns the previous champion."""
    config = config or load_config()
    eval_config = evaluate_config_of(config, eval_config)
    return approve_task(config, eval_config, request.version, request.comment, request.reviewer)

"""The evaluate flow (gold set, gates, registration) and the approve flow (a reviewer promotes a challenger)."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel, Field

from flows.orchestration import parameter, run_name, tag_run
from flows.resume import finished_evaluation, record_evaluation
from models.candidate import Candidate
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.first_model import BOOTSTRAP_REVIEWER, FIRST_MODEL_COMMENT, approves_first_model, as_champion
from tasks.evaluate.gates import OndeviceReport
from tasks.evaluate.pipeline import EvaluationResult
from tasks.evaluate.registry import default_reviewer
from tasks.evaluate.steps import approve_task, evaluate_candidate_task, publish_evaluation_artifact_task


def evaluate_config_of(config: SpamloopConfig, eval_config: EvaluateConfig | None) -> EvaluateConfig:
    """The explicit eval config, else the one inside SpamloopConfig."""
    return eval_config or config.evaluate


@flow(name="evaluate", flow_run_name=run_name("evaluate", lambda p: str(parameter(p, "candidate", "run_id") or "")[:8]))
def evaluate(
    candidate: Candidate,
    ondevice: OndeviceReport | None = None,
    config: SpamloopConfig = CONFIG_DEFAULTS,
    eval_config: EvaluateConfig | None = None,
) -> EvaluationResult:
    """Judge a trained candidate on the gold set and register it; aliases move only if every gate passes.

    Args:
        candidate: The trained model: ``run_id`` (its training run: lineage and recorded threshold) and ``model_uri`` (its MLflow pyfunc) are needed; an empty ``threshold`` means the recorded one; ``baseline_model_uri`` adds the beat-the-baseline gates.
        ondevice: Size, latency and parity of the exported on-device file; empty leaves those gates not evaluated.
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        eval_config: Evaluate settings for this run only; empty means ``config.evaluate``.
    """
    config = resolve_config(config)
    tag_run()
    result = evaluate_candidate_task(config, evaluate_config_of(config, eval_config), candidate, ondevice)
    publish_evaluation_artifact_task(result)
    return result


class ApprovalRequest(BaseModel):
    """A reviewer's decision to make a challenger the champion."""

    version: str = Field(description="Model version to promote; it must have passed every gate.")
    comment: str = Field(min_length=1, description="What the reviewer checked.")
    reviewer: str = Field(default_factory=default_reviewer, description="Who approves.")


@flow(name="approve", flow_run_name=run_name("approve", lambda p: f"v{parameter(p, 'request', 'version')}"))
def approve_version(
    request: ApprovalRequest, config: SpamloopConfig = CONFIG_DEFAULTS, eval_config: EvaluateConfig | None = None
) -> str | None:
    """Promote a passing version to champion on a reviewer's approval; returns the previous champion.

    Args:
        request: The version to promote, the reviewer and what they checked.
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        eval_config: Evaluate settings for this run only; empty means ``config.evaluate``.
    """
    config = resolve_config(config)
    tag_run()
    eval_config = evaluate_config_of(config, eval_config)
    previous = approve_task(config, eval_config, request.version, request.comment, request.reviewer)
    create_markdown_artifact(
        key="approval",
        markdown=(
            f"# {eval_config.registered_model_name}: champion → **v{request.version}**\n\n"
            f"- previous champion: {('v' + previous) if previous else 'none'}\n"
            f"- approved by {request.reviewer}: {request.comment}\n"
            "- next: the `publish-champion` flow ships its bundle (the weekly retrain does it itself)\n"
        ),
        description=f"v{request.version} approved by {request.reviewer}",
    )
    return previous


def evaluate_candidate(candidate: Candidate, ondevice: OndeviceReport | None, config: SpamloopConfig) -> EvaluationResult:
    """The weekly retrain's evaluate stage: this candidate's recorded evaluation when its version still exists
    (flows/resume.py), else the evaluate flow, recorded for a re-run."""
    candidate.require("evaluate", "name", "run_id")
    name, run_id = str(candidate.name), str(candidate.run_id)
    evaluated = finished_evaluation(config, name, run_id)
    if evaluated is not None:
        get_run_logger().info("training run %s was already evaluated as version %s: reusing it", run_id, evaluated.version)
        return evaluated
    evaluated = evaluate(candidate=candidate, ondevice=ondevice, config=config)
    record_evaluation(config, name, evaluated)
    return evaluated


def approve_first_model(evaluated: EvaluationResult, config: SpamloopConfig) -> EvaluationResult:
    """The approve flow for the first passing model (tasks/evaluate/first_model.py); any other result as it is."""
    if not approves_first_model(evaluated, config.evaluate.bootstrap_first_model):
        return evaluated
    approve_version(
        ApprovalRequest(version=evaluated.version, comment=FIRST_MODEL_COMMENT, reviewer=BOOTSTRAP_REVIEWER), config=config
    )
    return as_champion(evaluated)

"""Prefect task wrappers of the evaluate stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from models.candidate import Candidate
from models.registry import registry_client
from spamloop.config import SpamloopConfig
from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.gates import OndeviceReport
from tasks.evaluate.pipeline import EvaluationResult, evaluation_markdown, run_evaluation
from tasks.evaluate.registry import RollbackResult, approve, rollback


# No retries: registration creates a model version, and a blind retry would register the candidate twice.
@task(name="evaluate-candidate", cache_policy=NO_CACHE)
def evaluate_candidate_task(
    config: SpamloopConfig, eval_config: EvaluateConfig, candidate: Candidate, ondevice: OndeviceReport | None = None
) -> EvaluationResult:
    result = run_evaluation(config, eval_config, candidate, ondevice)
    logger = get_run_logger()
    logger.info(
        "%s v%s: verdict %s (%d gate(s) failed); challenger_set=%s promoted=%s; run %s",
        result.registered_model, result.version, result.verdict, len(result.failed_gates),
        result.challenger_set, result.promoted, result.run_link,
    )
    for gate in result.failed_gates:
        logger.warning("gate %s failed: %s", gate.name, gate.reason)
    return result


@task(name="evaluate-publish-artifact", cache_policy=NO_CACHE)
def publish_evaluation_artifact_task(result: EvaluationResult) -> UUID:
    """Markdown artifact with the gate table and the MLflow run link."""
    return create_markdown_artifact(
        key="evaluation-gates",
        markdown=evaluation_markdown(result),
        description=f"{result.registered_model} v{result.version}: {result.verdict}",
    )


@task(name="registry-approve", cache_policy=NO_CACHE)
def approve_task(config: SpamloopConfig, eval_config: EvaluateConfig, version: str, comment: str, reviewer: str) -> str | None:
    previous = approve(registry_client(config.resolved_tracking_uri), eval_config.registered_model_name, version, comment, reviewer)
    get_run_logger().info("champion -> v%s (was %s), approved by %s", version, previous or "none", reviewer)
    return previous


@task(name="registry-rollback", cache_policy=NO_CACHE)
def rollback_task(
    config: SpamloopConfig, eval_config: EvaluateConfig, to_version: str | None, comment: str, reviewer: str | None
) -> RollbackResult:
    result = rollback(
        registry_client(config.resolved_tracking_uri), eval_config.registered_model_name, to_version, comment, reviewer
    )
    get_run_logger().info("champion rolled back v%s -> v%s; republish %s", result.from_version, result.to_version, result.model_uri)
    return result

"""The rollback flow: move the champion back and say what the publish stage must republish."""

from __future__ import annotations

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.evaluate import evaluate_config_of
from flows.orchestration import parameter, run_name, tag_run
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.registry import RollbackResult
from tasks.evaluate.steps import rollback_task


@flow(name="rollback", flow_run_name=run_name("rollback", lambda p: f"to-v{parameter(p, 'to_version')}" if parameter(p, "to_version") else "to-previous"))
def rollback_champion(
    to_version: str | None = None,
    comment: str = "",
    reviewer: str | None = None,
    config: SpamloopConfig = CONFIG_DEFAULTS,
    eval_config: EvaluateConfig | None = None,
) -> RollbackResult:
    """Move alias champion back to an earlier version; then run publish-champion to ship it.

    Args:
        to_version: Version to make champion; empty means the previous champion recorded on the current one.
        comment: Why (recorded on the version).
        reviewer: Who decides; empty means the login name.
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        eval_config: Evaluate settings for this run only; empty means ``config.evaluate``.
    """
    config = resolve_config(config)
    tag_run()
    eval_config = evaluate_config_of(config, eval_config)
    result = rollback_task(config, eval_config, to_version, comment, reviewer)
    create_markdown_artifact(
        key="rollback",
        markdown=(
            f"# Rollback of {result.name}\n\n- champion: v{result.from_version} → **v{result.to_version}**\n"
            f"- republish: `{result.model_uri}` (run `{result.run_id}`, threshold {result.threshold})\n"
        ),
        description=f"champion v{result.from_version} -> v{result.to_version}",
    )
    return result

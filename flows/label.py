"""The label flow: the latest snapshot's unlabelled messages -> LLM ensemble labels + review queue.

plan (selection, cache) -> one task per LLM provider, in parallel -> vote, review queue, propagation.
With ``label.cascade_confidence`` set and a champion in the registry, the champion first scores the
unlabelled messages in chunks (one task each). Both fan-outs go to ``config.orchestration``'s runner
(threads, or Dask: docs/scale_out.md).
"""

from __future__ import annotations

import sys
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import TaskRunner

from flows.orchestration import fan_out, run_name, tag_run
from models.registry import Champion
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.settings.label import LabelConfig
from tasks.label.champion import chunks, unlabelled_texts
from tasks.label.plan import LabelingResult, providers_with_keys
from tasks.label.steps import (
    add_escalations_task,
    finish_labeling_task,
    find_champion_task,
    label_config_of,
    load_snapshot_task,
    plan_labeling_task,
    request_provider_votes_task,
    resolve_secret_blocks_task,
    score_chunk_task,
)
from tasks.label.store import final_labels


def render_label_markdown(result: LabelingResult) -> str:
    """Counts and costs only: no message text, no keys."""
    lines = [
        f"# Label run `{result.run_id}` ({result.status})",
        "",
        result.message,
        "",
        f"prompt `{result.prompt_version}`; providers: {', '.join(result.providers_used) or 'none'}",
        "",
        "| selected | decided | propagated | to review | abstentions | cache hits | requests | cost USD |",
        "|---|---|---|---|---|---|---|---|",
        f"| {result.selected} | {result.decided} | {result.propagated} | {result.review_queued} | "
        f"{result.abstentions} | {result.cache_hits} | {result.requests} | {result.cost_usd:.4f} |",
    ]
    for name, reason in result.providers_skipped.items():
        lines.append(f"\n- provider `{name}` skipped: {reason}")
    if result.champion_version:
        lines.append(
            f"\n- champion v{result.champion_version} scored the unlabelled messages: "
            f"{result.skipped_confident} left to it, {result.audited} audited"
        )
    if result.worker_processes:
        lines += ["", "| fan-out task | ran in |", "|---|---|"]
        lines += [f"| {task} | `{where}` |" for task, where in sorted(result.worker_processes.items())]
    return "\n".join(lines)


def log_to_active_mlflow_run(result: LabelingResult) -> bool:
    """Metrics on the caller's MLflow run, if one is active; never starts one."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is None or mlflow.active_run() is None:
        return False
    metrics: dict[str, float] = {
        "label_selected": result.selected,
        "label_decided": result.decided,
        "label_propagated": result.propagated,
        "label_review_queued": result.review_queued,
        "label_abstentions": result.abstentions,
        "label_requests": result.requests,
        "label_input_tokens": result.input_tokens,
        "label_output_tokens": result.output_tokens,
        "label_cost_usd": result.cost_usd,
    }
    for usage in result.usage:
        metrics[f"label_cost_usd_{usage.provider}"] = round(usage.cost_usd, 6)
    mlflow.log_metrics(metrics)
    return True


def score_with_champion(
    config: SpamloopConfig,
    label_config: LabelConfig,
    messages: pl.DataFrame,
    runner: TaskRunner[Any],
    can_ask: bool = True,
) -> tuple[Champion | None, pl.DataFrame | None, dict[str, str]]:
    """(champion, its scores of the unlabelled messages, where each chunk ran); nothing without a cascade or champion,
    or when no provider could be asked (``can_ask``: scores would only decide what is not sent anyway)."""
    if label_config.cascade_confidence is None:
        return None, None, {}
    if not can_ask:
        get_run_logger().info("cascade on, but no provider has an API key: the champion does not score")
        return None, None, {}
    champion = find_champion_task(config.resolved_tracking_uri, config.evaluate.registered_model_name)
    if champion is None:
        get_run_logger().info("cascade on, but no champion yet: every unlabelled message goes to the LLMs")
        return None, None, {}
    labelled = set(final_labels(config)["message_id"].to_list())
    parts = chunks(unlabelled_texts(messages, labelled), config.orchestration.scoring_chunk_size)
    if not parts:
        return champion, None, {}
    futures = runner.map(
        score_chunk_task,
        {
            "tracking_uri": unmapped(config.resolved_tracking_uri),
            "model_uri": unmapped(champion.model_uri),
            "chunk": parts,
            "chunk_index": list(range(len(parts))),
        },
    )
    scored = [future.result() for future in futures]
    where = {f"score-{index}": chunk.process for index, chunk in enumerate(scored)}
    return champion, pl.concat([chunk.scores for chunk in scored]), where


def _label_run_detail(parameters: dict[str, Any]) -> str | None:
    return "dry-run" if parameters.get("dry_run") else None


@flow(name="label", flow_run_name=run_name("label", _label_run_detail))
def label(config: SpamloopConfig = CONFIG_DEFAULTS, dry_run: bool = False) -> LabelingResult | None:
    """Label the latest snapshot's unlabelled messages with the LLM ensemble.

    Args:
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        dry_run: Only estimate requests, tokens and USD per provider; nothing is sent and nothing is stored.
    """
    config = resolve_config(config)
    tag_run(*(["dry-run"] if dry_run else []))
    logger = get_run_logger()
    label_config = label_config_of(config)
    messages = load_snapshot_task(config)
    if messages is None:
        return None
    api_keys = resolve_secret_blocks_task(label_config)
    with fan_out(config.orchestration) as runner:
        can_ask = dry_run or bool(providers_with_keys(label_config, api_keys))
        champion, scores, where = score_with_champion(config, label_config, messages, runner, can_ask)
        plan = plan_labeling_task(config, messages, label_config, api_keys, dry_run=dry_run, champion_scores=scores)
        plan.result.champion_version = champion.version if champion else None
        plan.result.worker_processes |= where
        if plan.final:
            result = plan.result
        else:
            futures = [
                runner.submit(
                    request_provider_votes_task,
                    {"config": config, "plan": plan.share(name), "provider_name": name, "budget_usd": share},
                )
                for name, share in plan.budget_shares().items()
            ]
            outcomes = [future.result() for future in futures]
            if plan.tiebreakers and not any(o.budget_exhausted for o in outcomes):
                # Routing: the tie-breakers are asked only about what the voters left unsettled.
                plan = add_escalations_task(config, plan, outcomes)
                spent = sum(o.usage.cost_usd for o in outcomes)
                left = None if label_config.budget_usd is None else max(label_config.budget_usd - spent, 0.0)
                asked = [name for name in plan.tiebreakers if plan.work.get(name)]
                shares = {name: None if left is None else left / len(asked) for name in asked}
                futures = [
                    runner.submit(
                        request_provider_votes_task,
                        {"config": config, "plan": plan.share(name), "provider_name": name, "budget_usd": share},
                    )
                    for name, share in shares.items()
                ]
                outcomes += [future.result() for future in futures]
            result = finish_labeling_task(config, plan, outcomes)
    rows: list[dict[str, Any]] = result.cost_rows()
    if rows:
        create_table_artifact(
            key="label-cost-estimate" if dry_run else "label-cost",
            table=rows,
            description=("Estimated" if dry_run else "Actual") + " requests, tokens and USD per provider",
        )
    create_markdown_artifact(key="label-summary", markdown=render_label_markdown(result), description="Label run")
    if not dry_run and log_to_active_mlflow_run(result):
        logger.info("label metrics logged to the active MLflow run")
    return result

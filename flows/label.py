"""The label flow: the latest snapshot's unlabelled messages -> LLM ensemble labels + review queue."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from spamloop.config import SpamloopConfig, load_config
from tasks.label.pipeline import LabelingResult
from tasks.label.steps import label_config_of, load_snapshot_task, resolve_secret_blocks_task, run_labeling_task


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


@flow(name="label")
def label(config: SpamloopConfig | None = None, dry_run: bool = False) -> LabelingResult | None:
    """Label the latest snapshot with the LLM ensemble (``dry_run``: estimate cost, send nothing)."""
    config = config or load_config()
    logger = get_run_logger()
    label_config = label_config_of(config)
    messages = load_snapshot_task(config)
    if messages is None:
        return None
    api_keys = resolve_secret_blocks_task(label_config)
    result = run_labeling_task(config, messages, label_config, api_keys, dry_run=dry_run)
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

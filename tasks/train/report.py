"""Human-readable summaries of a training run (Markdown for the Prefect UI and the docs)."""

from __future__ import annotations

import math
from collections.abc import Mapping

GROUPS = ("all", "ko", "en", "real")  # real: rows of the real corpora alone, where a caller measured them
COLUMNS = ("spam_precision", "spam_recall", "spam_f1", "ham_fpr", "pr_auc", "n_spam", "n_ham")


def _cell(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{int(value)}" if float(value).is_integer() and value > 1 else f"{value:.4f}"


def metrics_table(rows: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Markdown table: one row per (model, language group); ``rows`` maps model name -> metrics_by_lang output."""
    lines = ["| model | lang | " + " | ".join(COLUMNS) + " |", "|---|---|" + "---|" * len(COLUMNS)]
    for model_name, by_group in rows.items():
        for group in GROUPS:
            if group in by_group:
                values = by_group[group]
                lines.append(f"| {model_name} | {group} | " + " | ".join(_cell(values.get(c)) for c in COLUMNS) + " |")
    return "\n".join(lines)


def training_markdown(result) -> str:  # noqa: ANN001 (TrainingResult; imported lazily to keep this module light)
    """The run's dev metrics, encoder vs baseline, with thresholds and throughput."""
    return "\n".join(
        [
            f"# Training run {result.run_name}",
            "",
            f"MLflow run `{result.run_id}` (baseline `{result.baseline_run_id}`), model `{result.model_uri or 'not logged'}`.",
            f"Data: {result.dataset.source} `{result.dataset.digest}`; train {result.n_train}, dev {result.n_dev}.",
            f"Thresholds for dev ham FPR <= {result.target_ham_fpr}: encoder {result.threshold:.4f}, baseline {result.baseline_threshold:.4f}.",
            f"Training: {result.train_wall_time_s:.1f} s, {result.train_samples_per_s:.1f} samples/s, {result.global_step} steps.",
            "",
            metrics_table({"encoder": result.encoder_metrics, "baseline": result.baseline_metrics}),
            "",
        ]
    )

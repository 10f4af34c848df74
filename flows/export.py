"""The export flow: a trained encoder folder -> TFLite/Core ML -> parity gate -> on-device bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from spamloop.config import SpamloopConfig, load_config
from spamloop.settings.export import ExportConfig
from tasks.export.pipeline import ExportResult
from tasks.export.steps import export_bundle_task, log_export_task


def export_config_of(config: SpamloopConfig, export_config: ExportConfig | None) -> ExportConfig:
    """The explicit export config, else the one inside SpamloopConfig."""
    return export_config or config.export


def exports_dir(config: SpamloopConfig) -> Path:
    """Where bundles live: <state_dir>/exports/<version>/."""
    return config.paths.exports


@flow(name="export")
def export(
    model_dir: Path,
    version: str,
    threshold: float,
    eval_texts: list[str],
    config: SpamloopConfig | None = None,
    export_config: ExportConfig | None = None,
    tokenizer_dir: Path | None = None,
    max_seq_len: int | None = None,
    mlflow_run_id: str | None = None,
    registry_version: str | None = None,
    metrics: dict[str, Any] | None = None,
) -> ExportResult:
    """Export ``model_dir`` as bundle ``version``; the result's report says whether parity passed.

    ``eval_texts`` are raw texts (the gold set); ``max_seq_len`` is the training truncation length.
    A failing gate returns a result with ``bundle_dir=None`` (files kept under exports/rejected/).
    """
    config = config or load_config()
    result = export_bundle_task(
        model_dir, version, threshold, eval_texts, exports_dir(config), export_config_of(config, export_config),
        tokenizer_dir, max_seq_len, mlflow_run_id, registry_version, metrics,
    )
    if mlflow_run_id:
        log_export_task(config.resolved_tracking_uri, mlflow_run_id, result)
    return result

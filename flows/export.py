"""The export flow: a trained encoder folder -> TFLite/Core ML -> parity gate -> on-device bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.orchestration import parameter, run_name, tag_run
from flows.resume import existing_bundle
from models.ondevice import TFLITE_INT8
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.settings.export import ExportConfig
from tasks.evaluate.gates import OndeviceReport
from tasks.export.measure import ondevice_figures
from tasks.export.parity import gold_parity_texts
from tasks.export.pipeline import ExportResult
from tasks.export.steps import export_bundle_task, log_export_task
from tasks.train.pipeline import TrainingResult


def export_config_of(config: SpamloopConfig, export_config: ExportConfig | None) -> ExportConfig:
    """The explicit export config, else the one inside SpamloopConfig."""
    return export_config or config.export


def exports_dir(config: SpamloopConfig) -> Path:
    """Where bundles live: <state_dir>/exports/<version>/."""
    return config.paths.exports


@flow(name="export", flow_run_name=run_name("export", lambda p: parameter(p, "version")))
def export(
    model_dir: Path,
    version: str,
    threshold: float,
    eval_texts: list[str],
    config: SpamloopConfig = CONFIG_DEFAULTS,
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

    Args:
        model_dir: Folder of the trained classifier (save_pretrained layout, e.g. <state>/runs/<run>/model).
        version: Bundle version; the folder <state>/exports/<version> must not exist yet (bundles are immutable).
        threshold: Operating threshold: spam iff probability >= threshold.
        eval_texts: Raw texts the exported files are compared on (normally the gold set).
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        export_config: Export settings for this run only; empty means ``config.export``.
        tokenizer_dir: Tokenizer folder when it differs from model_dir.
        max_seq_len: Truncation length the model was trained with; empty means the largest configured length.
        mlflow_run_id: Training run to attach the export figures to, and to record in bundle.json.
        registry_version: Registered model version to record in bundle.json, if already known.
        metrics: Headline metrics to copy into bundle.json.
    """
    config = resolve_config(config)
    tag_run()
    result = export_bundle_task(
        model_dir, version, threshold, eval_texts, exports_dir(config), export_config_of(config, export_config),
        tokenizer_dir, max_seq_len, mlflow_run_id, registry_version, metrics,
    )
    if mlflow_run_id:
        log_export_task(config.resolved_tracking_uri, mlflow_run_id, result)
    return result


def export_training_run(trained: TrainingResult, config: SpamloopConfig) -> ExportResult:
    """The weekly retrain's export stage: the bundle of this training run, reused when it was already exported and
    passed parity (flows/resume.py), else exported now and compared on the gold set's texts."""
    exported = existing_bundle(config, trained.run_name, trained.run_id)
    if exported is not None:
        get_run_logger().info("bundle %s of this training run already exported: reusing it", exported.bundle_dir)
        return exported
    return export(
        model_dir=trained.model_dir,
        version=trained.run_name,
        threshold=trained.threshold,
        eval_texts=gold_parity_texts(config.evaluate.gold_version, config.evaluate.gold_dir),
        config=config,
        tokenizer_dir=trained.tokenizer_dir,
        max_seq_len=trained.max_seq_len,
        mlflow_run_id=trained.run_id,
        metrics={f"dev_{name}": float(value) for name, value in trained.encoder_metrics.get("all", {}).items()},
    )


def ondevice_report(exported: ExportResult) -> OndeviceReport | None:
    """Size, latency and parity of the file phones download (int8), for the on-device gates; None without a bundle."""
    if exported.bundle_dir is None:
        return None
    return OndeviceReport(**ondevice_figures(exported.bundle_dir, TFLITE_INT8, exported.report.passed))

"""The export flow: a trained candidate's encoder folder -> TFLite/Core ML -> parity gate -> on-device bundle."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from flows.orchestration import parameter, run_name, tag_run
from flows.resume import existing_bundle
from models.candidate import Candidate
from models.ondevice import TFLITE_INT8
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.settings.export import ExportConfig
from tasks.evaluate.gates import OndeviceReport
from tasks.export.measure import ondevice_figures
from tasks.export.parity import gold_parity_texts
from tasks.export.pipeline import ExportResult
from tasks.export.steps import export_bundle_task, log_export_task


def export_config_of(config: SpamloopConfig, export_config: ExportConfig | None) -> ExportConfig:
    """The explicit export config, else the one inside SpamloopConfig."""
    return export_config or config.export


def exports_dir(config: SpamloopConfig) -> Path:
    """Where bundles live: <state_dir>/exports/<version>/."""
    return config.paths.exports


@flow(name="export", flow_run_name=run_name("export", lambda p: parameter(p, "candidate", "name")))
def export(
    candidate: Candidate,
    eval_texts: list[str] | None = None,
    config: SpamloopConfig = CONFIG_DEFAULTS,
    export_config: ExportConfig | None = None,
) -> ExportResult:
    """Export the candidate's model folder as bundle ``candidate.name``; the result's report says whether parity passed.

    A failing gate returns a result with ``bundle_dir=None`` (files kept under exports/rejected/).

    Args:
        candidate: The trained model: ``name`` (the bundle version), ``model_dir`` and ``threshold`` are needed; ``run_id`` gets the export figures and is recorded in bundle.json.
        eval_texts: Raw texts the exported files are compared on; empty means the gold set's texts.
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        export_config: Export settings for this run only; empty means ``config.export``.
    """
    config = resolve_config(config)
    tag_run()
    if eval_texts is None:
        eval_texts = gold_parity_texts(config.evaluate.gold_version, config.evaluate.gold_dir)
    result = export_bundle_task(candidate, eval_texts, exports_dir(config), export_config_of(config, export_config))
    if candidate.run_id:
        log_export_task(config.resolved_tracking_uri, candidate.run_id, result)
    return result


def export_candidate(candidate: Candidate, config: SpamloopConfig) -> ExportResult:
    """The weekly retrain's export stage: the candidate's bundle, reused when it was already exported from the same
    training run and passed parity (flows/resume.py), else exported now and compared on the gold set's texts."""
    candidate.require("export", "name", "run_id")
    exported = existing_bundle(config, str(candidate.name), str(candidate.run_id))
    if exported is not None:
        get_run_logger().info("bundle %s of this training run already exported: reusing it", exported.bundle_dir)
        return exported
    return export(candidate=candidate, config=config)


def ondevice_report(exported: ExportResult) -> OndeviceReport | None:
    """Size, latency and parity of the file phones download (int8), for the on-device gates; None without a bundle."""
    if exported.bundle_dir is None:
        return None
    return OndeviceReport(**ondevice_figures(exported.bundle_dir, TFLITE_INT8, exported.report.passed))

"""Record an export on the training run in MLflow: parity figures as metrics, bundle.json + report as artifacts.

Only numbers and the two JSON files (no texts, no paths with user data, no credentials) go to MLflow.
"""

from __future__ import annotations

from pathlib import Path

from models.ondevice import BUNDLE_INDEX
from models.parity import ParityReport

ARTIFACT_DIR = "export"


def parity_metrics(report: ParityReport) -> dict[str, float]:
    """Flat numeric figures of a parity report, e.g. export_tflite_int8_label_agreement."""
    metrics: dict[str, float] = {
        "export_parity_passed": float(report.passed),
        "export_tokenization_mismatches": float(report.tokenization_mismatches),
    }
    for item in report.files:
        if item.max_abs_diff is not None:
            metrics[f"export_{item.kind}_max_abs_diff"] = float(item.max_abs_diff)
        if item.label_agreement is not None:
            metrics[f"export_{item.kind}_label_agreement"] = float(item.label_agreement)
    return metrics


def log_export_to_mlflow(
    tracking_uri: str, run_id: str, report: ParityReport, bundle_dir: Path | None, sizes: dict[str, int] | None = None
) -> None:
    """Log parity metrics (+ model file sizes) to ``run_id`` and attach bundle.json and parity_report.json."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    metrics = parity_metrics(report)
    for name, size in (sizes or {}).items():
        metrics[f"export_{name}_bytes"] = float(size)
    for name, value in metrics.items():
        client.log_metric(run_id, name, value)
    if bundle_dir is not None:
        for file_name in (BUNDLE_INDEX, "parity_report.json"):
            client.log_artifact(run_id, str(bundle_dir / file_name), ARTIFACT_DIR)

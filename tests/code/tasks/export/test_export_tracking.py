"""Export figures land on the training run in MLflow (SQLite store in the test's state folder)."""

from __future__ import annotations

import json

import pytest

from models.parity import FileParity, build_report
from tasks.export.tracking import log_export_to_mlflow

pytestmark = pytest.mark.slow  # MLflow SQLite migrations take ~30 s on a busy 2-core machine


def test_parity_figures_and_files_logged_to_the_run(config, tmp_path):
    from mlflow.tracking import MlflowClient

    config.paths.mlflow_dir.mkdir(parents=True)
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    experiment = client.create_experiment("export-test", artifact_location=(tmp_path / "artifacts").as_uri())
    run_id = client.create_run(experiment).info.run_id
    report = build_report(
        20, 0.6, 0,
        [
            FileParity(file="spam_fp32.tflite", kind="tflite_fp32", passed=True, max_abs_diff=2e-7, label_agreement=1.0),
            FileParity(file="spam_int8.tflite", kind="tflite_int8", passed=True, max_abs_diff=4e-3, label_agreement=0.995),
            FileParity(file="spam_fp16.mlpackage", kind="coreml_fp16", passed=True, skipped="needs macOS"),
        ],
    )
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "bundle.json").write_text(json.dumps({"version": "v1"}))
    (bundle / "parity_report.json").write_text(report.model_dump_json())
    log_export_to_mlflow(config.resolved_tracking_uri, run_id, report, bundle, {"tflite_int8": 934_872})
    metrics = client.get_run(run_id).data.metrics
    assert metrics["export_parity_passed"] == 1.0
    assert metrics["export_tflite_fp32_max_abs_diff"] == 2e-7
    assert metrics["export_tflite_int8_label_agreement"] == 0.995
    assert metrics["export_tflite_int8_bytes"] == 934_872
    assert "export_coreml_fp16_max_abs_diff" not in metrics  # skipped on Linux: no number invented
    assert sorted(a.path for a in client.list_artifacts(run_id, "export")) == [
        "export/bundle.json", "export/parity_report.json",
    ]

"""Re-running after a failure resumes: a finished training run is returned as it was, an exported bundle is reused."""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

from flows.resume import PARITY_REPORT_FILE, existing_bundle
from models.ondevice import BUNDLE_INDEX
from models.parity import ParityReport
from spamloop.config import load_config
from spamloop.settings.train import TrainConfig


def _encoder_runs(config) -> list:
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    experiment = client.get_experiment_by_name(config.mlflow_experiment)
    return client.search_runs([experiment.experiment_id], filter_string="tags.role = 'encoder'")


@pytest.mark.slow
@pytest.mark.prefect
def test_a_finished_training_run_is_reused_not_repeated(prefect_harness, tmp_path):
    from flows.train import train

    config = load_config(state_dir=tmp_path / "state")
    small = TrainConfig(max_train_rows=200, epochs=1, vocab_size=1_000, misclassified_examples=0, num_threads=1, log_model=False)
    first = train(config=config, train_config=small)
    assert (config.paths.runs / first.run_name / "training_result.json").is_file()

    again = train(config=config, train_config=small)
    assert again.run_id == first.run_id and again.model_dir == first.model_dir
    assert len(_encoder_runs(config)) == 1, "the second run trained again"

    # Asking for a fresh run (train.resume=false) does train again.
    fresh = train(config=config, train_config=small.model_copy(update={"resume": False}))
    assert fresh.run_id != first.run_id and len(_encoder_runs(config)) == 2


def _write_bundle(folder, run_id: str, passed: bool) -> None:
    folder.mkdir(parents=True)
    (folder / BUNDLE_INDEX).write_text(json.dumps({"name": "spam", "version": folder.name, "mlflow_run_id": run_id}))
    report = ParityReport(passed=passed, texts=10, threshold=0.5, tokenization_mismatches=0)
    (folder / PARITY_REPORT_FILE).write_text(report.model_dump_json())


def test_an_exported_bundle_is_reused_only_for_the_same_training_run(tmp_path):
    config = load_config(state_dir=tmp_path / "state")
    assert existing_bundle(config, "tiny-abc", "run-1") is None  # nothing exported yet

    _write_bundle(config.paths.exports / "tiny-abc", "run-1", passed=True)
    reused = existing_bundle(config, "tiny-abc", "run-1")
    assert reused is not None and reused.bundle_dir == config.paths.exports / "tiny-abc" and reused.report.passed
    assert existing_bundle(config, "tiny-abc", "run-2") is None  # another training run: not this bundle

    _write_bundle(config.paths.exports / "tiny-failed", "run-1", passed=False)
    assert existing_bundle(config, "tiny-failed", "run-1") is None

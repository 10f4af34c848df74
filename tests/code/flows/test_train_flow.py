"""The train flow runs for real on the seed labels (no snapshot yet): Prefect test harness, SQLite MLflow."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import LogSort
from prefect.logging.handlers import APILogHandler
from prefect.settings import PREFECT_LOGGING_TO_API_ENABLED, temporary_settings

from flows.train import train
from spamloop.config import load_config
from spamloop.settings.train import TrainConfig

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def test_train_flow_on_seed_labels(prefect_harness, tmp_path):
    config = load_config(state_dir=tmp_path / "state")
    # Small but real: 400 training rows, one epoch; dev is the whole dev split of the seed corpora.
    train_config = TrainConfig(max_train_rows=400, epochs=1, learning_rate=1e-3, vocab_size=2_000, misclassified_examples=20, num_threads=1)
    # The suite keeps Prefect's API logging off (tests/conftest.py); this run turns it on to read its logs back.
    with temporary_settings({PREFECT_LOGGING_TO_API_ENABLED: True}):
        result = train(config=config, train_config=train_config)
        APILogHandler().flush()

    assert result.dataset.source == "seed" and result.dataset.snapshot_id is None
    assert result.n_train == 400 and result.n_dev > 1_000
    assert result.model_uri.startswith("models:/") and result.model_dir.is_dir()
    assert 0.0 <= result.threshold <= 1.0
    run = MlflowClient(tracking_uri=config.resolved_tracking_uri).get_run(result.run_id)
    assert run.data.tags["dataset_source"] == "seed"
    assert run.data.tags["snapshot_id"] == "none"
    assert run.info.experiment_id == MlflowClient(config.resolved_tracking_uri).get_experiment_by_name(config.mlflow_experiment).experiment_id
    assert str(config.paths.mlflow_dir.resolve()) in run.info.artifact_uri  # artifacts stay in the state folder
    assert (config.paths.runs / result.run_name / "checkpoints").is_dir()

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["training-metrics"])))
    assert artifacts, "no training-metrics artifact"
    markdown = max(artifacts, key=lambda artifact: artifact.created).data
    assert f"# Training run {result.run_name}" in markdown
    assert "| encoder | all |" in markdown and "| baseline | ko |" in markdown

    # Training is the long stage: the run's Prefect logs carry one line per epoch with the dev metrics.
    with get_client(sync_client=True) as client:
        recent = client.read_logs(limit=200, sort=LogSort.TIMESTAMP_DESC)
    epochs = [log for log in recent if log.message.startswith("train: epoch 1/1")]
    assert len(epochs) == 1 and "dev F1" in epochs[0].message and epochs[0].flow_run_id is not None, [
        log.message for log in recent
    ]

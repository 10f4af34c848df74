"""The train flow: labelled corpus (or seed labels) -> spam encoder + TF-IDF baseline, tracked in MLflow."""

from __future__ import annotations

from prefect import flow

from spamloop.config import SpamloopConfig, load_config
from spamloop.runtime import prepare_runtime
from spamloop.settings.train import TrainConfig
from tasks.train.pipeline import TrainingResult
from tasks.train.steps import load_training_data_task, publish_training_artifact_task, train_task


def train_config_of(config: SpamloopConfig, train_config: TrainConfig | None) -> TrainConfig:
    """The explicit train config, else the one inside SpamloopConfig."""
    return train_config or config.train


@flow(name="train")
def train(config: SpamloopConfig | None = None, train_config: TrainConfig | None = None) -> TrainingResult:
    """Train on the newest snapshot's final labels (seed labels before the first ingest); never on the gold set."""
    config = config or load_config()
    prepare_runtime(config)
    frame, lineage = load_training_data_task(config)
    result = train_task(config, train_config_of(config, train_config), frame, lineage)
    publish_training_artifact_task(result)
    return result

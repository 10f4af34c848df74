"""The train flow: labelled corpus (or seed labels) -> spam encoder + TF-IDF baseline, tracked in MLflow."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.orchestration import run_name, tag_run
from flows.resume import finished_training, record_training
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.runtime import prepare_runtime
from spamloop.settings.train import TrainConfig
from tasks.train.pipeline import TrainingResult
from tasks.train.steps import load_training_data_task, publish_training_artifact_task, train_task


def train_config_of(config: SpamloopConfig, train_config: TrainConfig | None) -> TrainConfig:
    """The explicit train config, else the one inside SpamloopConfig."""
    return train_config or config.train


@flow(name="train", flow_run_name=run_name("train"))
def train(config: SpamloopConfig = CONFIG_DEFAULTS, train_config: TrainConfig | None = None) -> TrainingResult:
    """Train on the newest snapshot's final labels (seed labels before the first ingest); never on the gold set.

    With ``train.resume`` (default), a run that already finished on the same data and settings is returned
    as it was, and an interrupted one continues from its newest checkpoint.

    Args:
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
        train_config: Train settings for this run only; empty means ``config.train``.
    """
    config = resolve_config(config)
    tag_run()
    prepare_runtime(config)
    train_config = train_config_of(config, train_config)
    frame, lineage = load_training_data_task(config)
    result = finished_training(config, train_config, lineage)
    if result is not None:
        # Same data, settings and seed already trained to the end: a re-run resumes, it does not repeat.
        get_run_logger().info("run %s already finished (MLflow run %s): reusing it", result.run_name, result.run_id)
    else:
        result = train_task(config, train_config, frame, lineage)
        record_training(config, result)
    publish_training_artifact_task(result)
    return result

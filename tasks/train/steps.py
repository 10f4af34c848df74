"""Prefect task wrappers of the train stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from uuid import UUID

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from spamloop.config import SpamloopConfig
from spamloop.settings.train import TrainConfig
from tasks.train.dataset import DatasetLineage, load_training_data
from tasks.train.pipeline import TrainingResult, run_training
from tasks.train.report import training_markdown


# Frames are hashed unstably by Prefect's INPUTS policy, so nothing here is cached (the run name is the cache).
@task(name="train-load-data", cache_policy=NO_CACHE)
def load_training_data_task(config: SpamloopConfig) -> tuple[pl.DataFrame, DatasetLineage]:
    frame, lineage = load_training_data(config)
    spam = int((frame["label"] == "spam").sum())
    get_run_logger().info(
        "training data from %s (%s): %d messages, %d spam", lineage.source, lineage.digest, frame.height, spam
    )
    return frame, lineage


# No retries: a killed run is resumed from its checkpoints by running the flow again, not by a blind retry.
@task(name="train-encoder-and-baseline", cache_policy=NO_CACHE)
def train_task(
    config: SpamloopConfig, train_config: TrainConfig, frame: pl.DataFrame, lineage: DatasetLineage
) -> TrainingResult:
    result = run_training(config, train_config, frame, lineage)
    encoder_all, baseline_all = result.encoder_metrics["all"], result.baseline_metrics["all"]
    get_run_logger().info(
        "run %s (%s): threshold %.4f; dev F1 encoder %.3f vs baseline %.3f, ham FPR %.4f vs %.4f; %.1f samples/s",
        result.run_name, result.run_id, result.threshold, encoder_all["spam_f1"], baseline_all["spam_f1"],
        encoder_all["ham_fpr"], baseline_all["ham_fpr"], result.train_samples_per_s,
    )
    return result


@task(name="train-publish-artifact", cache_policy=NO_CACHE)
def publish_training_artifact_task(result: TrainingResult) -> UUID:
    """Markdown artifact: encoder vs baseline on dev, overall and per language."""
    return create_markdown_artifact(
        key="training-metrics", markdown=training_markdown(result), description=f"training run {result.run_name}"
    )

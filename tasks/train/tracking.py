"""Record a training run in MLflow: experiment, tags, datasets, params, metrics, figures, dev tables and the models.

Only settings, counts, figures, normalised dev text (PII as placeholders) and the models go to MLflow; raw text never
enters a training frame.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import numpy as np
import polars as pl
from mlflow.models import infer_signature

import models.encoder as encoder
from models.metrics import flatten_metrics
from models.misclassified import misclassified_table
from models.normalization import NORMALIZATION_VERSION, model_text
from models.pyfunc import HF_MODEL_ARTIFACT, SpamClassifierPyfunc
from spamloop.settings.train import TrainConfig
from tasks.train import plots
from tasks.train.dataset import DatasetLineage, content_digest
from tasks.train.dev_scores import DevScores, is_spam
from tasks.train.encoder_training import EncoderTrainingOutcome
from tasks.train.splits import oversample_indices

MODELS_PACKAGE_DIR = Path(encoder.__file__).resolve().parent
# Pinned to what the model was trained with, so a serving environment rebuilds the same stack.
PYFUNC_PIP_REQUIREMENTS = [
    f"mlflow=={mlflow.__version__}",
    "torch==2.13.0",
    "transformers==5.23.0",
    "tokenizers==0.23.3",
    "numpy",
    "pandas",
]
PYFUNC_INPUT_EXAMPLE = ["[광고] 무료 슬롯 100% 당첨 bit.ly/abc", "Are we still meeting at 6?"]
BASELINE_PRESET = "tfidf-char-logreg"
MISCLASSIFIED_FILE = "misclassified_dev.json"
EXPERIMENT_KIND_TAG, EXPERIMENT_KIND = "mlflow.experimentKind", "custom_model_development"


def git_commit() -> str:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=MODELS_PACKAGE_DIR, capture_output=True, text=True, timeout=5, check=False
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() if completed.returncode == 0 and completed.stdout.strip() else "unknown"


def prepare_experiment(config: Any) -> str:
    """Point MLflow at the configured store; artifacts of a local SQLite store go under <state>/mlflow/artifacts."""
    config.paths.mlflow_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(config.resolved_tracking_uri)
    experiment = mlflow.get_experiment_by_name(config.mlflow_experiment)
    if experiment is not None:
        experiment_id = experiment.experiment_id
    else:
        artifact_location = None
        if not config.mlflow_tracking_uri:
            artifact_location = (config.paths.mlflow_dir / "artifacts").resolve().as_uri()
        experiment_id = mlflow.create_experiment(config.mlflow_experiment, artifact_location=artifact_location)
    if experiment is None or EXPERIMENT_KIND_TAG not in experiment.tags:
        # MLflow 3's UI opens an experiment of unknown kind on the empty GenAI "Overview"; this one is model
        # training, so it opens on its runs. A kind chosen in the UI afterwards is kept.
        mlflow.MlflowClient().set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def close_orphaned_runs(experiment_id: str, run_name: str) -> list[str]:
    """Mark RUNNING runs of this training (and their baseline children) KILLED; returns their ids.

    A process killed mid-training cannot end its MLflow run. The same run name means the same data and
    settings, so a RUNNING one found now is such an orphan (two trainings of one run name never run at once:
    the retrain deployment's concurrency guard allows one run).
    """
    client = mlflow.MlflowClient()
    orphans: list[str] = []
    for name in (run_name, f"{run_name}-baseline"):
        for run in client.search_runs(
            [experiment_id], filter_string=f"tags.`mlflow.runName` = '{name}' and attributes.status = 'RUNNING'"
        ):
            client.set_terminated(run.info.run_id, status="KILLED")
            orphans.append(run.info.run_id)
    return orphans


def run_tags(train_config: TrainConfig, lineage: DatasetLineage, orphans: list[str]) -> dict[str, str]:
    """Tags of the encoder run: role, lineage of data, code and prompt, preset, and the runs it resumed after."""
    tags = {
        "role": "encoder",
        "stage": "train",
        "snapshot_id": lineage.snapshot_id or "none",
        "dataset_source": lineage.source,
        "dataset_digest": lineage.digest,
        "git_commit": git_commit(),
        "prompt_version": lineage.prompt_version,
        "preset": train_config.base_model or train_config.preset,
        "normalization_version": NORMALIZATION_VERSION,
    }
    if orphans:
        tags["resumed_after_runs"] = ",".join(orphans)
    return tags


def baseline_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tags of the nested baseline run: the encoder run's, as role baseline."""
    return {**tags, "role": "baseline", "preset": BASELINE_PRESET}


def log_datasets(train_split: pl.DataFrame, dev_split: pl.DataFrame, lineage: DatasetLineage) -> None:
    for context, split in (("training", train_split), ("dev", dev_split)):
        # Lineage only: text_model is PII-free, raw text never enters a training frame.
        view = split.select("message_id", "text_model", "label", "lang", "label_source")
        dataset = mlflow.data.from_polars(
            view, source=lineage.name, targets="label", name=f"{lineage.name}-{context}", digest=f"{lineage.digest}-{content_digest(split)}"
        )
        mlflow.log_input(dataset, context=context)


def log_encoder_params(
    train_config: TrainConfig,
    seed: int,
    threads: int,
    model: Any,
    tokenizer: Any,
    train_split: pl.DataFrame,
    dev_split: pl.DataFrame,
    ngram_contract: str | None,
) -> None:
    """The encoder run's params: settings, data counts, model size, the training recipe and (wide) the n-gram half."""
    mlflow.log_params(
        {
            "preset": train_config.preset,
            "architecture": train_config.architecture,
            "pooling": "base_model" if train_config.base_model else train_config.pooling,
            "base_model": train_config.base_model or "none",
            "vocab_size": len(tokenizer),
            "max_seq_len": train_config.max_seq_len,
            "learning_rate": train_config.effective_learning_rate,
            "epochs": train_config.epochs,
            "max_steps": train_config.max_steps,
            "batch_size": train_config.batch_size,
            "weight_decay": train_config.weight_decay,
            "warmup_ratio": train_config.warmup_ratio,
            "class_weighting": train_config.class_weighting,
            "early_stopping_patience": train_config.early_stopping_patience,
            "seed": seed,
            "dev_fraction": train_config.dev_fraction,
            "target_ham_fpr": train_config.target_ham_fpr,
            "threshold_rule": train_config.threshold_rule,
            "torch_threads": threads,
            "n_train": train_split.height,
            "n_train_spam": int(is_spam(train_split).sum()),
            "n_dev": dev_split.height,
            "n_dev_spam": int(is_spam(dev_split).sum()),
            **encoder.model_summary(model),
        }
    )
    mlflow.log_params(
        {
            "max_language_oversample": train_config.max_language_oversample,
            "n_fit_rows": len(oversample_indices(train_split["lang"].to_list(), train_config.max_language_oversample)),
            "distill_weight": train_config.distill_weight,
            "distill_folds": train_config.distill_folds,
            "augment_spam_rate": train_config.augment_spam_rate,
            "augment_ham_rate": train_config.augment_ham_rate,
            "augment_max_stack": train_config.augment_max_stack,
            "augment_ham_contact_rate": train_config.augment_ham_contact_rate,
        }
    )
    if train_config.wide:
        mlflow.log_params(
            {
                "ngram_buckets": train_config.ngram_buckets,
                "ngram_dim": train_config.ngram_dim,
                "char_orders": ",".join(map(str, train_config.char_orders)),
                "jamo_orders": ",".join(map(str, train_config.jamo_orders)),
                "max_ngrams_per_order": train_config.max_ngrams_per_order,
                "wide_hidden": train_config.wide_hidden,
                "wide_pooling": train_config.wide_pooling,
                "wide_dropout": train_config.wide_dropout,
                "wide_learning_rate": train_config.wide_learning_rate,
                "wide_start": train_config.wide_start,
                "wide_start_c": train_config.wide_start_c,
                "wide_start_jamo_scale": train_config.wide_start_jamo_scale,
                "wide_logit_dropout": train_config.wide_logit_dropout,
                "deep_logit_weight": train_config.deep_logit_weight,
                "ngram_contract": ngram_contract,
            }
        )


def log_misclassified(dev_split: pl.DataFrame, scores: np.ndarray, threshold: float, limit: int) -> None:
    """misclassified_dev.json: the most confident dev mistakes, as the model read them (normalised text)."""
    if limit <= 0:
        return
    columns = ("message_id", "text_model", "label", "lang")
    table = misclassified_table(dev_split, columns, is_spam(dev_split), scores, threshold, limit)
    mlflow.log_table(data=table.to_pandas(), artifact_file=MISCLASSIFIED_FILE)


def log_baseline_run(
    baseline: Any, dev: DevScores, fit_s: float, train_config: TrainConfig, seed: int, train_split: pl.DataFrame, dev_split: pl.DataFrame
) -> str:
    """Params, dev metrics, dev mistakes and (``log_model``) the sklearn model of the active baseline run; returns
    the model's URI ('' when not logged)."""
    mlflow.log_params(
        {
            "model": "tfidf_char_wb+logistic_regression",
            "ngram_range": f"{train_config.baseline_ngram_range[0]}-{train_config.baseline_ngram_range[1]}",
            "C": train_config.baseline_c,
            "class_weight": "balanced",
            "n_features": len(baseline.named_steps["tfidf"].vocabulary_),
            "n_train": train_split.height,
            "n_dev": dev_split.height,
            "seed": seed,
            "target_ham_fpr": train_config.target_ham_fpr,
        }
    )
    mlflow.log_metrics({**flatten_metrics(dev.metrics, "dev"), "threshold": dev.threshold, "fit_time_s": fit_s})
    log_misclassified(dev_split, dev.scores, dev.threshold, train_config.misclassified_examples)
    if not train_config.log_model:
        return ""
    info = mlflow.sklearn.log_model(
        baseline,
        name="model",
        signature=infer_signature(PYFUNC_INPUT_EXAMPLE, baseline.predict_proba(PYFUNC_INPUT_EXAMPLE)),
        input_example=PYFUNC_INPUT_EXAMPLE,
        metadata={"threshold": dev.threshold, "input": "text_model"},
        pip_requirements=[f"mlflow=={mlflow.__version__}", "scikit-learn==1.9.1"],
        pyfunc_predict_fn="predict_proba",
        # skops took 83 s for a 31k-feature TF-IDF vocabulary (cloudpickle: 0.3 s); the artifact is
        # our own, written and read only through our tracking store.
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
    )
    return info.model_uri


def log_figures(dev_split: pl.DataFrame, encoder_dev: DevScores, baseline_dev: DevScores) -> None:
    truth = is_spam(dev_split)
    figures = {
        "plots/confusion_matrix.png": plots.confusion_matrix_figure(
            truth, {"encoder": (encoder_dev.scores, encoder_dev.threshold), "baseline": (baseline_dev.scores, baseline_dev.threshold)}
        ),
        "plots/pr_curve.png": plots.pr_curve_figure(
            truth,
            {"encoder": encoder_dev.scores, "baseline": baseline_dev.scores},
            {"encoder": encoder_dev.threshold, "baseline": baseline_dev.threshold},
        ),
        "plots/threshold_vs_fpr.png": plots.threshold_fpr_figure(
            truth, encoder_dev.scores, encoder_dev.threshold, encoder_dev.choice.target_ham_fpr
        ),
    }
    for artifact_file, figure in figures.items():
        mlflow.log_figure(figure, artifact_file)
        plots.close(figure)


def log_encoder_results(
    encoder_dev: DevScores,
    baseline_dev: DevScores,
    outcome: EncoderTrainingOutcome,
    train_config: TrainConfig,
    dev_split: pl.DataFrame,
    tokenizer_dir: Path,
) -> None:
    """The encoder run's dev metrics (beside the baseline's), threshold, training figures, plots, dev mistakes and
    tokenizer."""
    mlflow.log_metrics(
        {
            **flatten_metrics(encoder_dev.metrics, "dev"),
            **flatten_metrics(baseline_dev.metrics, "baseline_dev"),
            "threshold": encoder_dev.threshold,
            "dev_ham_fpr_at_threshold": encoder_dev.choice.dev_ham_fpr,
            "train_wall_time_s": outcome.wall_time_s,
            "train_samples_per_s": outcome.samples_per_s,
            "global_step": float(outcome.global_step),
        }
    )
    mlflow.log_param("threshold", encoder_dev.threshold)
    log_figures(dev_split, encoder_dev, baseline_dev)
    log_misclassified(dev_split, encoder_dev.scores, encoder_dev.threshold, train_config.misclassified_examples)
    mlflow.log_artifacts(str(tokenizer_dir), artifact_path="tokenizer")


def log_encoder_model(model: Any, tokenizer: Any, model_dir: Path, train_config: TrainConfig, threshold: float) -> str:
    """The encoder as an MLflow pyfunc (raw texts in, spam probabilities out) with its threshold; returns its URI."""
    python_model = SpamClassifierPyfunc(max_seq_len=train_config.max_seq_len, batch_size=train_config.eval_batch_size)
    example_scores = encoder.predict_spam_proba(
        model, tokenizer, [model_text(text) for text in PYFUNC_INPUT_EXAMPLE], train_config.max_seq_len
    )
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=python_model,
        artifacts={HF_MODEL_ARTIFACT: str(model_dir)},
        code_paths=[str(MODELS_PACKAGE_DIR)],
        signature=infer_signature(PYFUNC_INPUT_EXAMPLE, example_scores),
        input_example=PYFUNC_INPUT_EXAMPLE,
        pip_requirements=PYFUNC_PIP_REQUIREMENTS,
        metadata={
            "threshold": threshold,
            "target_ham_fpr": train_config.target_ham_fpr,
            "normalization_version": NORMALIZATION_VERSION,
            "max_seq_len": train_config.max_seq_len,
            "id2label": {str(key): value for key, value in encoder.ID2LABEL.items()},
        },
    )
    return info.model_uri

"""The train stage end to end: split, tokenizer, encoder, baseline, threshold, metrics, MLflow. No Prefect here."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import numpy as np
import polars as pl
from mlflow.models import infer_signature
from pydantic import BaseModel, ConfigDict, Field

import models.encoder as encoder
from models.candidate import Candidate
from models.metrics import ThresholdChoice, choose_threshold, flatten_metrics, metrics_by_lang
from models.misclassified import misclassified_table
from models.ngrams import NgramSpec
from models.normalization import NORMALIZATION_VERSION, model_text
from models.pyfunc import HF_MODEL_ARTIFACT, SpamClassifierPyfunc
from spamloop.settings.train import TrainConfig
from tasks.train import plots
from tasks.train.augmentation import TrainAugmentation, row_keys
from tasks.train.baseline import baseline_spam_proba, fit_baseline, out_of_fold_spam_proba
from tasks.train.dataset import DatasetLineage, content_digest, load_training_data, to_training_columns
from tasks.train.encoder_training import EncoderTrainingOutcome, configure_cpu_threads, last_complete_checkpoint, train_encoder
from tasks.train.splits import oversample_indices, SPLIT_DEV, SPLIT_TRAIN, assert_no_gold, assign_splits, deterministic_subsample, drop_gold_holdout

logger = logging.getLogger(__name__)

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
# Settings that change logging or speed but not the trained weights: a resumed run may differ in them.
_SETTINGS_NOT_AFFECTING_WEIGHTS = {"log_model", "resume", "num_threads", "misclassified_examples", "eval_batch_size", "device"}
PYFUNC_INPUT_EXAMPLE = ["[광고] 무료 슬롯 100% 당첨 bit.ly/abc", "Are we still meeting at 6?"]


class TrainingResult(BaseModel):
    """What one training run produced (everything else is in MLflow under run_id)."""

    # Undefined metrics (no spam flagged: precision) are NaN; JSON's default null would not load back as float.
    model_config = ConfigDict(ser_json_inf_nan="constants")

    run_id: str = Field(description="MLflow run of the encoder (parent run).")
    baseline_run_id: str = Field(description="MLflow run of the TF-IDF baseline (nested, tag role=baseline).")
    run_name: str = Field(description="Deterministic run name; also the folder under <state>/runs.")
    model_uri: str = Field(description="MLflow URI of the encoder pyfunc model ('' when log_model is off).")
    baseline_model_uri: str = Field(description="MLflow URI of the sklearn baseline ('' when log_model is off).")
    threshold: float = Field(description="Encoder operating threshold chosen on dev.")
    baseline_threshold: float = Field(description="Baseline operating threshold chosen on dev the same way.")
    target_ham_fpr: float = Field(description="The dev ham FPR both thresholds were chosen for.")
    max_seq_len: int = Field(description="Tokens per message the model was trained and is scored with.")
    encoder_metrics: dict[str, dict[str, float]] = Field(description="Dev metrics at the threshold: all / ko / en.")
    baseline_metrics: dict[str, dict[str, float]] = Field(description="Baseline dev metrics, same layout.")
    model_dir: Path = Field(description="Local folder with the trained model + tokenizer (from_pretrained-able).")
    tokenizer_dir: Path = Field(description="Local folder with the tokenizer alone.")
    train_wall_time_s: float = Field(description="Seconds spent in Trainer.train (this process).")
    train_samples_per_s: float = Field(description="Training throughput, dev evaluation excluded.")
    train_losses: list[float] = Field(description="Logged training losses in order.")
    dev_f1_by_epoch: list[float] = Field(description="Dev F1 at argmax after each epoch.")
    global_step: int = Field(description="Optimiser steps in total.")
    resumed_from: str | None = Field(description="Checkpoint this run resumed from, if any.")
    n_train: int = Field(description="Training rows.")
    n_dev: int = Field(description="Dev rows.")
    dataset: DatasetLineage = Field(description="Where the training frame came from.")

    @property
    def candidate(self) -> Candidate:
        """What export and evaluate read of this run: its model, threshold, baseline and headline dev metrics."""
        return Candidate(
            name=self.run_name,
            run_id=self.run_id,
            model_dir=self.model_dir,
            tokenizer_dir=self.tokenizer_dir,
            model_uri=self.model_uri or None,
            threshold=self.threshold,
            max_seq_len=self.max_seq_len,
            baseline_model_uri=self.baseline_model_uri or None,
            baseline_threshold=self.baseline_threshold,
            metrics={f"dev_{name}": float(value) for name, value in self.encoder_metrics.get("all", {}).items()},
        )


def _git_commit() -> str:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=MODELS_PACKAGE_DIR, capture_output=True, text=True, timeout=5, check=False
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() if completed.returncode == 0 and completed.stdout.strip() else "unknown"


def run_name_for(train_config: TrainConfig, dataset_digest: str, seed: int) -> str:
    """Same data + same settings -> same name, so a killed run finds its own checkpoints again."""
    settings = train_config.model_dump(mode="json", exclude=_SETTINGS_NOT_AFFECTING_WEIGHTS)
    # The preset's architecture is part of the identity: a checkpoint of another architecture cannot resume.
    architecture = None if train_config.base_model else encoder.PRESETS.get(train_config.preset)
    payload = json.dumps(
        {"settings": settings, "data": dataset_digest, "seed": seed, "architecture": architecture}, sort_keys=True
    )
    model_name = Path(train_config.base_model).name if train_config.base_model else train_config.preset
    return f"{model_name}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


EXPERIMENT_KIND_TAG, EXPERIMENT_KIND = "mlflow.experimentKind", "custom_model_development"


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


def split_frame(frame: pl.DataFrame, train_config: TrainConfig, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Gold-free, campaign-whole train/dev splits, each holding both classes."""
    cleaned = drop_gold_holdout(to_training_columns(frame))
    with_splits = assign_splits(cleaned, train_config.dev_fraction, seed)
    train_split = with_splits.filter(pl.col("split") == SPLIT_TRAIN).drop("split")
    dev_split = with_splits.filter(pl.col("split") == SPLIT_DEV).drop("split")
    if train_config.max_train_rows is not None:
        train_split = deterministic_subsample(train_split, train_config.max_train_rows, seed)
    # The gold holdout is the independent evaluation set: neither fitting nor threshold choice may see it.
    assert_no_gold(train_split)
    assert_no_gold(dev_split)
    for name, split in (("train", train_split), ("dev", dev_split)):
        labels = set(split["label"].to_list())
        if labels != {"ham", "spam"}:
            raise ValueError(f"the {name} split needs both ham and spam, has {sorted(labels)} ({split.height} rows)")
    return train_split, dev_split


def _is_spam(frame: pl.DataFrame) -> np.ndarray:
    return (frame["label"] == "spam").to_numpy()


def _log_datasets(train_split: pl.DataFrame, dev_split: pl.DataFrame, lineage: DatasetLineage) -> None:
    for context, split in (("training", train_split), ("dev", dev_split)):
        # Lineage only: text_model is PII-free, raw text never enters a training frame.
        view = split.select("message_id", "text_model", "label", "lang", "label_source")
        dataset = mlflow.data.from_polars(
            view, source=lineage.name, targets="label", name=f"{lineage.name}-{context}", digest=f"{lineage.digest}-{content_digest(split)}"
        )
        mlflow.log_input(dataset, context=context)


def _log_misclassified(dev_split: pl.DataFrame, scores: np.ndarray, threshold: float, limit: int, artifact_file: str) -> None:
    if limit <= 0:
        return
    columns = ("message_id", "text_model", "label", "lang")
    table = misclassified_table(dev_split, columns, _is_spam(dev_split), scores, threshold, limit)
    mlflow.log_table(data=table.to_pandas(), artifact_file=artifact_file)


def _log_figures(dev_split: pl.DataFrame, encoder_scores: np.ndarray, encoder_choice: ThresholdChoice, baseline_scores: np.ndarray, baseline_choice: ThresholdChoice) -> None:
    truth = _is_spam(dev_split)
    figures = {
        "plots/confusion_matrix.png": plots.confusion_matrix_figure(
            truth, {"encoder": (encoder_scores, encoder_choice.threshold), "baseline": (baseline_scores, baseline_choice.threshold)}
        ),
        "plots/pr_curve.png": plots.pr_curve_figure(
            truth,
            {"encoder": encoder_scores, "baseline": baseline_scores},
            {"encoder": encoder_choice.threshold, "baseline": baseline_choice.threshold},
        ),
        "plots/threshold_vs_fpr.png": plots.threshold_fpr_figure(
            truth, encoder_scores, encoder_choice.threshold, encoder_choice.target_ham_fpr
        ),
    }
    for artifact_file, figure in figures.items():
        mlflow.log_figure(figure, artifact_file)
        plots.close(figure)


def distillation_targets(train_texts: list[str], train_truth: np.ndarray, train_config: TrainConfig, seed: int) -> np.ndarray | None:
    """Per-row training targets ``(1 - w) * label + w * p_teacher`` (w = ``distill_weight``), the teacher being the
    baseline's out-of-fold spam probability; None when distillation is off."""
    if train_config.distill_weight <= 0:
        return None
    teacher = out_of_fold_spam_proba(
        train_texts, train_truth, train_config.distill_folds, train_config.baseline_ngram_range, train_config.baseline_c, seed
    )
    return (1 - train_config.distill_weight) * train_truth.astype(np.float64) + train_config.distill_weight * teacher


def ngram_spec_for(train_config: TrainConfig) -> NgramSpec:
    """The n-gram contract of the wide half these settings train."""
    return NgramSpec(
        buckets=train_config.ngram_buckets,
        char_orders=tuple(train_config.char_orders),
        jamo_orders=tuple(train_config.jamo_orders),
        max_per_group=train_config.max_ngrams_per_order,
    )


def build_encoder(
    train_config: TrainConfig, train_texts: list[str], tokenizer_dir: Path, seed: int, resuming: bool = False
) -> tuple[Any, Any]:
    """The untrained classifier and its tokenizer: ``base_model`` if set, else a preset over a vocabulary learnt
    on ``train_texts`` (reused from ``tokenizer_dir`` when resuming); with the wide half unless ``architecture``
    is ``deep``."""
    if train_config.base_model:
        deep, tokenizer = encoder.load_base_model(train_config.base_model)
        tokenizer.save_pretrained(str(tokenizer_dir))
    else:
        if resuming and (tokenizer_dir / "tokenizer.json").is_file():
            # The checkpoint's embedding rows belong to this exact vocabulary: reuse it rather than retrain.
            tokenizer = encoder.load_tokenizer(tokenizer_dir)
        else:
            tokenizer = encoder.train_wordpiece_tokenizer(
                train_texts,
                tokenizer_dir,
                vocab_size=train_config.vocab_size,
                min_frequency=train_config.tokenizer_min_frequency,
                max_seq_len=train_config.max_seq_len,
            )
        deep = (
            encoder.build_model(train_config.preset, len(tokenizer), tokenizer.pad_token_id, seed, train_config.pooling)
            if train_config.deep
            else None
        )
    if not train_config.wide:
        return deep, tokenizer
    model = encoder.with_wide_half(
        deep,
        ngram_spec_for(train_config),
        seed,
        ngram_dim=train_config.ngram_dim,
        wide_hidden=train_config.wide_hidden,
        wide_pooling=train_config.wide_pooling,
        wide_dropout=train_config.wide_dropout,
    )
    return model, tokenizer


def fit_encoder(
    model: Any,
    tokenizer: Any,
    train_config: TrainConfig,
    seed: int,
    train: tuple[list[str], np.ndarray, list[str]],
    dev: tuple[list[str], np.ndarray, list[str]],
    checkpoint_dir: Path,
    resume: bool,
    train_ids: list[str] | None = None,
) -> EncoderTrainingOutcome:
    """The stage's training recipe on given splits, each (texts, is_spam, langs): smaller languages repeated
    (``max_language_oversample``), distillation targets from the baseline, evasion augmentation of the train rows
    (keyed by ``train_ids``, the message ids; needed when ``augment_*_rate`` is on), then the Trainer (model
    trained in place)."""
    train_texts, train_truth, train_langs = train
    dev_texts, dev_truth, dev_langs = dev
    fit_rows = oversample_indices(train_langs, train_config.max_language_oversample)
    blend = distillation_targets(train_texts, train_truth, train_config, seed)
    augmentation = train_augmentation(train_config, seed)
    if augmentation.enabled and train_ids is None:
        raise ValueError("augment_spam_rate / augment_ham_rate / augment_ham_contact_rate need the train rows' message ids (train_ids)")
    return train_encoder(
        model,
        tokenizer,
        [train_texts[i] for i in fit_rows],
        [int(train_truth[i]) for i in fit_rows],
        dev_texts,
        np.asarray(dev_truth).astype(int).tolist(),
        checkpoint_dir,
        seed=seed,
        max_seq_len=train_config.max_seq_len,
        epochs=train_config.epochs,
        batch_size=train_config.batch_size,
        eval_batch_size=train_config.eval_batch_size,
        learning_rate=train_config.effective_learning_rate,
        weight_decay=train_config.weight_decay,
        warmup_ratio=train_config.warmup_ratio,
        early_stopping_patience=train_config.early_stopping_patience,
        class_weighting=train_config.class_weighting,
        max_steps=train_config.max_steps,
        resume=resume,
        device=train_config.device,
        soft_spam_targets=None if blend is None else [float(blend[i]) for i in fit_rows],
        dev_groups=dev_langs,
        wide_learning_rate=train_config.wide_learning_rate,
        augmentation=augmentation,
        train_keys=None if train_ids is None else row_keys([train_ids[i] for i in fit_rows]),
    )


def train_augmentation(train_config: TrainConfig, seed: int) -> TrainAugmentation:
    """The evasion augmentation these settings ask for (``enabled`` is False at rates 0)."""
    return TrainAugmentation(
        spam_rate=train_config.augment_spam_rate,
        ham_rate=train_config.augment_ham_rate,
        max_stack=train_config.augment_max_stack,
        seed=seed,
        ham_contact_rate=train_config.augment_ham_contact_rate,
    )


def run_training(
    config: Any,
    train_config: TrainConfig | None = None,
    training_frame: pl.DataFrame | None = None,
    lineage: DatasetLineage | None = None,
) -> TrainingResult:
    """Train the encoder and the baseline on the same split, pick thresholds on dev, log everything to MLflow.

    ``training_frame`` (message_id, text_norm, text_model, label, lang[, campaign_id, label_source, is_synthetic]) defaults
    to the newest snapshot joined with final labels, or the seed labels when there is no snapshot yet.
    """
    train_config = train_config or config.train
    seed = train_config.seed if train_config.seed is not None else config.seed
    if training_frame is None:
        training_frame, lineage = load_training_data(config)
    elif lineage is None:
        lineage = DatasetLineage(source="given", name="given", digest=content_digest(training_frame))
    train_split, dev_split = split_frame(training_frame, train_config, seed)
    threads = configure_cpu_threads(train_config.num_threads)

    run_name = run_name_for(train_config, lineage.digest, seed)
    run_dir = config.paths.runs / run_name
    checkpoint_dir, tokenizer_dir, model_dir = run_dir / "checkpoints", run_dir / "tokenizer", run_dir / "model"
    resuming = train_config.resume and last_complete_checkpoint(checkpoint_dir) is not None
    if not resuming and run_dir.exists():
        shutil.rmtree(run_dir)  # stale half-run without a checkpoint: start clean
    run_dir.mkdir(parents=True, exist_ok=True)

    train_texts = train_split["text_model"].to_list()
    dev_texts = dev_split["text_model"].to_list()
    train_truth, dev_truth = _is_spam(train_split), _is_spam(dev_split)
    experiment_id = prepare_experiment(config)
    orphans = close_orphaned_runs(experiment_id, run_name)
    tags = {
        "role": "encoder",
        "stage": "train",
        "snapshot_id": lineage.snapshot_id or "none",
        "dataset_source": lineage.source,
        "dataset_digest": lineage.digest,
        "git_commit": _git_commit(),
        "prompt_version": lineage.prompt_version,
        "preset": train_config.base_model or train_config.preset,
        "normalization_version": NORMALIZATION_VERSION,
    }
    if orphans:
        tags["resumed_after_runs"] = ",".join(orphans)
    with mlflow.start_run(run_name=run_name, tags=tags) as parent_run:
        _log_datasets(train_split, dev_split, lineage)
        model, tokenizer = build_encoder(train_config, train_texts, tokenizer_dir, seed, resuming)
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
                "torch_threads": threads,
                "n_train": train_split.height,
                "n_train_spam": int(train_truth.sum()),
                "n_dev": dev_split.height,
                "n_dev_spam": int(dev_truth.sum()),
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
                    "ngram_contract": ngram_spec_for(train_config).contract,
                }
            )
        outcome = fit_encoder(
            model,
            tokenizer,
            train_config,
            seed,
            (train_texts, train_truth, train_split["lang"].to_list()),
            (dev_texts, dev_truth, dev_split["lang"].to_list()),
            checkpoint_dir,
            resume=train_config.resume,
            train_ids=train_split["message_id"].to_list(),
        )
        model.save_pretrained(str(model_dir))
        tokenizer.save_pretrained(str(model_dir))

        encoder_scores = encoder.predict_spam_proba(
            model, tokenizer, dev_texts, train_config.max_seq_len, train_config.eval_batch_size
        )
        encoder_choice = choose_threshold(encoder_scores, dev_truth, train_config.target_ham_fpr)
        encoder_metrics = metrics_by_lang(encoder_scores, dev_truth, dev_split["lang"].to_list(), encoder_choice.threshold)

        with mlflow.start_run(run_name=f"{run_name}-baseline", nested=True, tags={**tags, "role": "baseline", "preset": "tfidf-char-logreg"}) as baseline_run:
            baseline_started = time.perf_counter()
            baseline = fit_baseline(train_texts, train_truth, train_config.baseline_ngram_range, train_config.baseline_c, seed)
            baseline_fit_s = time.perf_counter() - baseline_started
            baseline_scores = baseline_spam_proba(baseline, dev_texts)
            baseline_choice = choose_threshold(baseline_scores, dev_truth, train_config.target_ham_fpr)
            baseline_metrics = metrics_by_lang(
                baseline_scores, dev_truth, dev_split["lang"].to_list(), baseline_choice.threshold
            )
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
            mlflow.log_metrics(
                {
                    **flatten_metrics(baseline_metrics, "dev"),
                    "threshold": baseline_choice.threshold,
                    "fit_time_s": baseline_fit_s,
                }
            )
            _log_misclassified(dev_split, baseline_scores, baseline_choice.threshold, train_config.misclassified_examples, "misclassified_dev.json")
            baseline_model_uri = ""
            if train_config.log_model:
                baseline_info = mlflow.sklearn.log_model(
                    baseline,
                    name="model",
                    signature=infer_signature(PYFUNC_INPUT_EXAMPLE, baseline.predict_proba(PYFUNC_INPUT_EXAMPLE)),
                    input_example=PYFUNC_INPUT_EXAMPLE,
                    metadata={"threshold": baseline_choice.threshold, "input": "text_model"},
                    pip_requirements=[f"mlflow=={mlflow.__version__}", "scikit-learn==1.9.1"],
                    pyfunc_predict_fn="predict_proba",
                    # skops took 83 s for a 31k-feature TF-IDF vocabulary (cloudpickle: 0.3 s); the artifact is
                    # our own, written and read only through our tracking store.
                    serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
                )
                baseline_model_uri = baseline_info.model_uri

        mlflow.log_metrics(
            {
                **flatten_metrics(encoder_metrics, "dev"),
                **flatten_metrics(baseline_metrics, "baseline_dev"),
                "threshold": encoder_choice.threshold,
                "dev_ham_fpr_at_threshold": encoder_choice.dev_ham_fpr,
                "train_wall_time_s": outcome.wall_time_s,
                "train_samples_per_s": outcome.samples_per_s,
                "global_step": float(outcome.global_step),
            }
        )
        mlflow.log_param("threshold", encoder_choice.threshold)
        _log_figures(dev_split, encoder_scores, encoder_choice, baseline_scores, baseline_choice)
        _log_misclassified(dev_split, encoder_scores, encoder_choice.threshold, train_config.misclassified_examples, "misclassified_dev.json")
        mlflow.log_artifacts(str(tokenizer_dir), artifact_path="tokenizer")

        model_uri = ""
        if train_config.log_model:
            python_model = SpamClassifierPyfunc(max_seq_len=train_config.max_seq_len, batch_size=train_config.eval_batch_size)
            example_scores = encoder.predict_spam_proba(
                model, tokenizer, [model_text(text) for text in PYFUNC_INPUT_EXAMPLE], train_config.max_seq_len
            )
            model_info = mlflow.pyfunc.log_model(
                name="model",
                python_model=python_model,
                artifacts={HF_MODEL_ARTIFACT: str(model_dir)},
                code_paths=[str(MODELS_PACKAGE_DIR)],
                signature=infer_signature(PYFUNC_INPUT_EXAMPLE, example_scores),
                input_example=PYFUNC_INPUT_EXAMPLE,
                pip_requirements=PYFUNC_PIP_REQUIREMENTS,
                metadata={
                    "threshold": encoder_choice.threshold,
                    "target_ham_fpr": train_config.target_ham_fpr,
                    "normalization_version": NORMALIZATION_VERSION,
                    "max_seq_len": train_config.max_seq_len,
                    "id2label": {str(key): value for key, value in encoder.ID2LABEL.items()},
                },
            )
            model_uri = model_info.model_uri

    return TrainingResult(
        run_id=parent_run.info.run_id,
        baseline_run_id=baseline_run.info.run_id,
        run_name=run_name,
        model_uri=model_uri,
        baseline_model_uri=baseline_model_uri,
        threshold=encoder_choice.threshold,
        baseline_threshold=baseline_choice.threshold,
        target_ham_fpr=train_config.target_ham_fpr,
        max_seq_len=train_config.max_seq_len,
        encoder_metrics=encoder_metrics,
        baseline_metrics=baseline_metrics,
        model_dir=model_dir,
        tokenizer_dir=tokenizer_dir,
        train_wall_time_s=outcome.wall_time_s,
        train_samples_per_s=outcome.samples_per_s,
        train_losses=outcome.train_losses,
        dev_f1_by_epoch=outcome.dev_f1_by_epoch,
        global_step=outcome.global_step,
        resumed_from=outcome.resumed_from,
        n_train=train_split.height,
        n_dev=dev_split.height,
        dataset=lineage,
    )


def score_texts(result: TrainingResult, texts_model: list[str], baseline: Any | None = None) -> dict[str, np.ndarray]:
    """Spam probabilities of the trained encoder (from model_dir) and, if given or logged, the baseline, for
    texts already in model form (``model_text``)."""
    model, tokenizer = encoder.load_classifier(result.model_dir)
    scores = {"encoder": encoder.predict_spam_proba(model, tokenizer, texts_model, result.max_seq_len)}
    if baseline is None and result.baseline_model_uri:
        baseline = mlflow.sklearn.load_model(result.baseline_model_uri)
    if baseline is not None:
        scores["baseline"] = baseline_spam_proba(baseline, texts_model)
    return scores


__all__ = ["TrainingResult", "run_training", "score_texts", "split_frame", "prepare_experiment", "run_name_for"]

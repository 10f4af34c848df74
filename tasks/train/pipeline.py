"""The train stage end to end: split, tokenizer, encoder, baseline, thresholds, metrics; MLflow logging is
tasks/train/tracking.py. No Prefect here."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

import models.encoder as encoder
from models.candidate import Candidate
from models.ngrams import NgramSpec
from spamloop.settings.train import TrainConfig
from tasks.train.augmentation import TrainAugmentation, row_keys
from tasks.train.baseline import baseline_spam_proba, fit_baseline, out_of_fold_spam_proba
from tasks.train.dataset import DatasetLineage, content_digest, load_training_data, to_training_columns
from tasks.train.dev_scores import DevScores, is_spam, score_dev
from tasks.train.encoder_training import EncoderTrainingOutcome, configure_cpu_threads, last_complete_checkpoint, train_encoder
from tasks.train.splits import oversample_indices, SPLIT_DEV, SPLIT_TRAIN, assert_no_gold, assign_splits, deterministic_subsample, drop_gold_holdout
from tasks.train.wide_start import fit_linear_wide
from tasks.train.tracking import (
    baseline_tags,
    close_orphaned_runs,
    log_baseline_run,
    log_datasets,
    log_encoder_model,
    log_encoder_params,
    log_encoder_results,
    prepare_experiment,
    run_tags,
)

logger = logging.getLogger(__name__)

# Settings that change logging or speed but not the trained weights: a resumed run may differ in them.
_SETTINGS_NOT_AFFECTING_WEIGHTS = {"log_model", "resume", "num_threads", "misclassified_examples", "eval_batch_size", "device"}


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
        wide_logit_dropout=train_config.wide_logit_dropout,
        deep_logit_weight=train_config.deep_logit_weight,
    )
    return model, tokenizer


# The wide start is fitted on the training rows as the first epochs show them (evasions, contact clauses in ham):
# without those a linear start reads a phone number in a ham as spam (bench/cv.py contact_*_ham_fpr 0.20 / 0.46).
WIDE_START_DRAWS = 3


def augmented_draws(
    augmentation: TrainAugmentation, keys: list[str], texts: list[str], labels: list[int], epochs: int
) -> tuple[list[str], list[int]]:
    """Every row as the first ``epochs`` epochs draw it (the Trainer's augmentation streams), one copy per epoch."""
    drawn = [
        augmentation.text_for(key, text, bool(label), epoch)[0]
        for epoch in range(epochs)
        for key, text, label in zip(keys, texts, labels, strict=True)
    ]
    return drawn, labels * epochs


def wide_start_group_scales(spec: NgramSpec, train_config: TrainConfig) -> list[float]:
    """Each n-gram group's feature scale in the wide start (``wide_start_jamo_scale`` for the jamo groups)."""
    return [train_config.wide_start_jamo_scale if kind == "jamo" else 1.0 for kind, _ in spec.groups]


def start_wide_half(model: Any, texts: list[str], is_spam: list[int], train_config: TrainConfig, seed: int) -> None:
    """Load the logistic regression on the wide half's own features into it; frozen when ``wide_learning_rate`` is 0."""
    scales = wide_start_group_scales(model.ngram_spec, train_config)
    weights, intercept = fit_linear_wide(
        model.ngram_spec, texts, is_spam, train_config.wide_pooling, train_config.wide_start_c, seed, scales
    )
    model.wide.load_linear(weights, intercept, scales)
    if train_config.wide_learning_rate == 0:
        model.wide.requires_grad_(False)


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
    keys = None if train_ids is None else row_keys([train_ids[i] for i in fit_rows])
    if train_config.wide and train_config.wide_start == "logistic":
        texts, labels = [train_texts[i] for i in fit_rows], [int(train_truth[i]) for i in fit_rows]
        if augmentation.enabled:
            texts, labels = augmented_draws(augmentation, keys, texts, labels, WIDE_START_DRAWS)
        start_wide_half(model, texts, labels, train_config, seed)
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
        wide_learning_rate=train_config.wide_learning_rate or None,
        augmentation=augmentation,
        train_keys=keys,
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


@dataclass(frozen=True)
class RunFolder:
    """<state>/runs/<name>/: checkpoints, the tokenizer and the trained model of one run name."""

    root: Path
    resuming: bool  # a complete checkpoint is there to continue from

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def tokenizer_dir(self) -> Path:
        return self.root / "tokenizer"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"


def prepare_run_folder(root: Path, resume: bool) -> RunFolder:
    """The run's folder, kept when ``resume`` finds a complete checkpoint in it, else emptied."""
    folder = RunFolder(root, resume and last_complete_checkpoint(root / "checkpoints") is not None)
    if not folder.resuming and root.exists():
        shutil.rmtree(root)  # stale half-run without a checkpoint: start clean
    root.mkdir(parents=True, exist_ok=True)
    return folder


def _columns(split: pl.DataFrame) -> tuple[list[str], np.ndarray, list[str]]:
    """(texts, is_spam, langs) of a split, as fit_encoder takes them."""
    return split["text_model"].to_list(), is_spam(split), split["lang"].to_list()


def fit_baseline_on(
    train_split: pl.DataFrame, dev_split: pl.DataFrame, train_config: TrainConfig, seed: int
) -> tuple[Any, DevScores, float]:
    """The TF-IDF baseline fitted on the train split and scored on dev; (model, its dev scores, fit seconds)."""
    started = time.perf_counter()
    baseline = fit_baseline(
        train_split["text_model"].to_list(), is_spam(train_split), train_config.baseline_ngram_range, train_config.baseline_c, seed
    )
    fit_s = time.perf_counter() - started
    dev = score_dev(
        baseline_spam_proba(baseline, dev_split["text_model"].to_list()), dev_split, train_config.target_ham_fpr,
        train_config.threshold_rule,
    )
    return baseline, dev, fit_s


def run_training(
    config: Any,
    train_config: TrainConfig | None = None,
    training_frame: pl.DataFrame | None = None,
    lineage: DatasetLineage | None = None,
) -> TrainingResult:
    """Train the encoder and the baseline on the same split, pick thresholds on dev, log everything to MLflow
    (tasks/train/tracking.py).

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
    folder = prepare_run_folder(config.paths.runs / run_name_for(train_config, lineage.digest, seed), train_config.resume)

    experiment_id = prepare_experiment(config)
    tags = run_tags(train_config, lineage, close_orphaned_runs(experiment_id, folder.name))
    with mlflow.start_run(run_name=folder.name, tags=tags) as parent_run:
        log_datasets(train_split, dev_split, lineage)
        train_texts = train_split["text_model"].to_list()
        model, tokenizer = build_encoder(train_config, train_texts, folder.tokenizer_dir, seed, folder.resuming)
        ngram_contract = ngram_spec_for(train_config).contract if train_config.wide else None
        log_encoder_params(train_config, seed, threads, model, tokenizer, train_split, dev_split, ngram_contract)
        outcome = fit_encoder(
            model, tokenizer, train_config, seed, _columns(train_split), _columns(dev_split), folder.checkpoint_dir,
            resume=train_config.resume, train_ids=train_split["message_id"].to_list(),
        )
        model.save_pretrained(str(folder.model_dir))
        tokenizer.save_pretrained(str(folder.model_dir))
        encoder_scores = encoder.predict_spam_proba(
            model, tokenizer, dev_split["text_model"].to_list(), train_config.max_seq_len, train_config.eval_batch_size
        )
        encoder_dev = score_dev(encoder_scores, dev_split, train_config.target_ham_fpr, train_config.threshold_rule)

        with mlflow.start_run(run_name=f"{folder.name}-baseline", nested=True, tags=baseline_tags(tags)) as baseline_run:
            baseline, baseline_dev, baseline_fit_s = fit_baseline_on(train_split, dev_split, train_config, seed)
            baseline_model_uri = log_baseline_run(baseline, baseline_dev, baseline_fit_s, train_config, seed, train_split, dev_split)

        log_encoder_results(encoder_dev, baseline_dev, outcome, train_config, dev_split, folder.tokenizer_dir)
        model_uri = ""
        if train_config.log_model:
            model_uri = log_encoder_model(model, tokenizer, folder.model_dir, train_config, encoder_dev.threshold)

    return TrainingResult(
        run_id=parent_run.info.run_id,
        baseline_run_id=baseline_run.info.run_id,
        run_name=folder.name,
        model_uri=model_uri,
        baseline_model_uri=baseline_model_uri,
        threshold=encoder_dev.threshold,
        baseline_threshold=baseline_dev.threshold,
        target_ham_fpr=train_config.target_ham_fpr,
        max_seq_len=train_config.max_seq_len,
        encoder_metrics=encoder_dev.metrics,
        baseline_metrics=baseline_dev.metrics,
        model_dir=folder.model_dir,
        tokenizer_dir=folder.tokenizer_dir,
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


__all__ = ["TrainingResult", "run_training", "score_texts", "split_frame", "run_name_for"]

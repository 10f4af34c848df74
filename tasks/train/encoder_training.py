"""Fine-tune the spam encoder with the transformers Trainer: class weights, early stopping, resumable checkpoints."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import torch
from pydantic import BaseModel, Field
from sklearn.metrics import average_precision_score, f1_score
from transformers import (
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    EvalPrediction,
    PrinterCallback,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    TrainerControl,
    TrainerState,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from models.encoder import SPAM_LABEL_ID, ngram_spec_of
from models.ngrams import NgramSpec, padded_batch
from tasks.train.augmentation import AugmentationEpochCallback, EpochAugmentedTexts, TrainAugmentation
from tasks.train.progress import EpochProgress

# Names the per-epoch/per-step Trainer logs get in MLflow.
_MLFLOW_METRIC_NAMES = {
    "loss": "train_loss",
    "eval_loss": "dev_loss",
    "eval_f1": "dev_f1",
    "eval_pr_auc": "dev_pr_auc",
    "eval_group_macro_pr_auc": "dev_lang_macro_pr_auc",
}
# Marks the optimizer groups that hold the wide half's parameters (their own learning rate).
_WIDE_GROUP = "spamloop_wide"
# Checkpoint choice and early stopping follow this dev metric (see DevMetrics for the measured alternative).
SELECTION_METRIC = "f1"


class EncodedTexts(torch.utils.data.Dataset):
    """Tokenised texts (unpadded; the collator pads per batch) with 0/1 labels and optional soft spam targets, and
    each text's n-gram ids per group when the model has a wide half (``ngram_spec``)."""

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        texts_model: Sequence[str],
        labels: Sequence[int],
        max_seq_len: int,
        soft_spam_targets: Sequence[float] | None = None,
        ngram_spec: NgramSpec | None = None,
    ):
        self.encodings = tokenizer(list(texts_model), truncation=True, max_length=max_seq_len)
        self.ngram_groups = None
        if ngram_spec is not None:
            by_text = {text: ngram_spec.group_ids(text) for text in dict.fromkeys(texts_model)}  # oversampled rows repeat
            self.ngram_groups = [by_text[text] for text in texts_model]
        self.labels = [int(label) for label in labels]
        self.soft_spam_targets = None if soft_spam_targets is None else [float(value) for value in soft_spam_targets]
        if self.soft_spam_targets is not None and len(self.soft_spam_targets) != len(self.labels):
            raise ValueError(f"{len(self.soft_spam_targets)} soft targets for {len(self.labels)} rows")

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = {name: values[index] for name, values in self.encodings.items()}
        item["labels"] = self.labels[index]
        if self.ngram_groups is not None:
            item["ngram_groups"] = self.ngram_groups[index]
        if self.soft_spam_targets is not None:
            item["soft_spam_target"] = self.soft_spam_targets[index]
        return item


class WideDeepCollator:
    """Pads the WordPiece part per batch (DataCollatorWithPadding) and the n-gram groups to the batch's longest group."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase):
        self.text = DataCollatorWithPadding(tokenizer)

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        groups = [feature.pop("ngram_groups") for feature in features] if "ngram_groups" in features[0] else None
        batch = self.text(features)
        if groups is not None:
            ids, mask = padded_batch(groups)
            batch["ngram_ids"] = torch.tensor(ids, dtype=torch.int64)
            batch["ngram_mask"] = torch.tensor(mask, dtype=torch.int64)
        return batch


def soft_target_loss(
    logits: torch.Tensor, labels: torch.Tensor, soft_spam_target: torch.Tensor | None, class_weights: torch.Tensor | None
) -> torch.Tensor:
    """Cross-entropy against a per-row target distribution, weighted by the row's hard class.

    Without soft targets the target is one-hot and this equals ``F.cross_entropy(logits, labels, weight=...)``
    (a weighted mean normalised by the summed weights).
    """
    log_probs = torch.nn.functional.log_softmax(logits.view(-1, logits.shape[-1]), dim=-1)
    labels = labels.view(-1)
    if soft_spam_target is None:
        target = torch.nn.functional.one_hot(labels, num_classes=log_probs.shape[-1]).to(log_probs.dtype)
    else:
        spam = soft_spam_target.view(-1).to(log_probs.dtype).clamp(0.0, 1.0)
        target = torch.zeros_like(log_probs)
        target[:, SPAM_LABEL_ID] = spam
        target[:, 1 - SPAM_LABEL_ID] = 1.0 - spam
    per_row = -(target * log_probs).sum(dim=-1)
    weights = class_weights.to(log_probs.device, log_probs.dtype)[labels] if class_weights is not None else torch.ones_like(per_row)
    return (per_row * weights).sum() / weights.sum()


class ClassWeightedTrainer(Trainer):
    """Trainer whose cross-entropy weights each class (spam is rare, and missing it costs more than a ham).

    Rows may carry ``soft_spam_target`` (hard label blended with a teacher's probability): the loss is then
    the cross-entropy against that blend.
    """

    # compute_loss returns a per-batch mean, so the Trainer still divides by gradient-accumulation steps.
    loss_is_scaled_for_ga = False

    def __init__(
        self, *args: Any, class_weights: torch.Tensor | None = None, wide_learning_rate: float | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights
        self.wide_learning_rate = wide_learning_rate

    def create_optimizer(self, model: torch.nn.Module | None = None) -> torch.optim.Optimizer:
        """The Trainer's AdamW, with the wide half's parameters (``wide.*``) in groups of their own at
        ``wide_learning_rate``: mean-pooled hashed n-grams learn far slower than the encoder at its rate."""
        optimizer = super().create_optimizer(model)
        if self.wide_learning_rate is None or any(group.get(_WIDE_GROUP) for group in optimizer.param_groups):
            return optimizer
        named = (self.model if model is None else model).named_parameters()
        wide = {id(parameter) for name, parameter in named if name.startswith("wide.")}
        for group in list(optimizer.param_groups):
            moved = [parameter for parameter in group["params"] if id(parameter) in wide]
            if moved:
                group["params"] = [parameter for parameter in group["params"] if id(parameter) not in wide]
                settings = {key: value for key, value in group.items() if key != "params"}
                optimizer.add_param_group({**settings, "params": moved, "lr": self.wide_learning_rate, _WIDE_GROUP: True})
        return optimizer

    def compute_loss(
        self,
        model: torch.nn.Module,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: torch.Tensor | int | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, Any]:
        labels = inputs.pop("labels")
        soft_spam_target = inputs.pop("soft_spam_target", None)
        outputs = model(**inputs)
        loss = soft_target_loss(outputs.logits, labels, soft_spam_target, self.class_weights)
        return (loss, outputs) if return_outputs else loss


class MlflowEpochLogger(TrainerCallback):
    """Send the Trainer's train loss and dev loss/F1 to the active MLflow run (report_to stays empty)."""

    def on_log(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, logs: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        if not logs or not state.is_world_process_zero or mlflow.active_run() is None:
            return
        metrics = {
            mlflow_name: float(logs[trainer_name])
            for trainer_name, mlflow_name in _MLFLOW_METRIC_NAMES.items()
            if trainer_name in logs and math.isfinite(float(logs[trainer_name]))
        }
        if metrics:
            mlflow.log_metrics(metrics, step=state.global_step)


class EncoderTrainingOutcome(BaseModel):
    """What a Trainer run did."""

    global_step: int = Field(description="Optimiser steps done in total (including before a resume).")
    resumed_from: str | None = Field(description="Checkpoint the run resumed from, if any.")
    train_losses: list[float] = Field(description="Logged training losses in order.")
    dev_f1_by_epoch: list[float] = Field(description="Dev F1 (argmax) at each evaluation.")
    best_checkpoint: str | None = Field(description="Checkpoint load_best_model_at_end restored.")
    wall_time_s: float = Field(description="Seconds spent in trainer.train() in this process.")
    samples_per_s: float = Field(description="Training samples processed per second in this process.")


def class_weights_for(labels: Sequence[int]) -> torch.Tensor:
    """Inverse-frequency weights n / (2 * n_class), so both classes carry equal total weight."""
    counts = np.bincount(np.asarray(labels, dtype=int), minlength=2).astype(np.float64)
    if (counts == 0).any():
        raise ValueError(f"both classes are needed in the train split, got counts {counts.tolist()}")
    return torch.tensor(counts.sum() / (2 * counts), dtype=torch.float32)


class DevMetrics:
    """Dev metrics per evaluation: argmax F1, PR-AUC, and the mean PR-AUC over groups (languages).

    All three go to MLflow per epoch. The group mean lets a reviewer see the small English half, which pooled
    metrics hide behind the larger Korean one. Choosing checkpoints on it instead of F1 was measured on the
    weekly retrain and not adopted (docs/training.md). Without groups the group mean is the overall PR-AUC.
    """

    def __init__(self, dev_groups: Sequence[str] | None = None):
        self.dev_groups = None if dev_groups is None else np.asarray(list(dev_groups))

    def __call__(self, eval_prediction: EvalPrediction) -> dict[str, float]:
        logits = eval_prediction.predictions
        logits = np.asarray(logits[0] if isinstance(logits, tuple) else logits, dtype=np.float64)
        labels = np.asarray(eval_prediction.label_ids)
        is_spam = labels == SPAM_LABEL_ID
        predicted = logits.argmax(axis=-1)
        spam_logit = logits[:, SPAM_LABEL_ID] - np.delete(logits, SPAM_LABEL_ID, axis=1)[:, 0]
        metrics = {
            "f1": float(f1_score(labels, predicted, pos_label=SPAM_LABEL_ID, zero_division=0)),
            "pr_auc": _pr_auc(is_spam, spam_logit),
        }
        groups = self.dev_groups
        if groups is None or len(groups) != len(labels):
            metrics["group_macro_pr_auc"] = metrics["pr_auc"]
            return metrics
        per_group = [_pr_auc(is_spam[groups == group], spam_logit[groups == group]) for group in sorted(set(groups.tolist()))]
        scored = [value for value in per_group if math.isfinite(value)]
        metrics["group_macro_pr_auc"] = float(np.mean(scored)) if scored else metrics["pr_auc"]
        return metrics


def _pr_auc(is_spam: np.ndarray, spam_score: np.ndarray) -> float:
    """Average precision of the spam scores; NaN where a group has no spam or no ham to rank."""
    if is_spam.all() or not is_spam.any():
        return float("nan")
    return float(average_precision_score(is_spam, spam_score))


def last_complete_checkpoint(checkpoint_dir: Path) -> Path | None:
    """Newest ``checkpoint-<step>`` that has its trainer_state.json (written last, so a kill mid-save leaves none)."""
    if not checkpoint_dir.is_dir():
        return None
    complete = [
        path
        for path in checkpoint_dir.glob(f"{PREFIX_CHECKPOINT_DIR}-*")
        if path.is_dir() and path.name.rsplit("-", 1)[1].isdigit() and (path / "trainer_state.json").is_file()
    ]
    return max(complete, key=lambda path: int(path.name.rsplit("-", 1)[1]), default=None)


def _stopped_early(state: TrainerState) -> bool:
    """Whether the checkpoint was written after a callback ended training (early stopping saves its checkpoint
    after the evaluation that stopped it, with the Trainer's control state)."""
    control = state.stateful_callbacks.get("TrainerControl") or {}
    return bool(control.get("args", {}).get("should_training_stop"))


def configure_cpu_threads(num_threads: int | None) -> int:
    """Use every core for intra-op parallelism (dataloader workers stay 0: tokenisation is done up front)."""
    threads = num_threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    return threads


def train_encoder(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    dev_texts: Sequence[str],
    dev_labels: Sequence[int],
    checkpoint_dir: Path,
    *,
    seed: int,
    max_seq_len: int,
    epochs: float,
    batch_size: int,
    eval_batch_size: int,
    learning_rate: float,
    weight_decay: float,
    warmup_ratio: float,
    early_stopping_patience: int,
    class_weighting: bool,
    max_steps: int = -1,
    resume: bool = True,
    soft_spam_targets: Sequence[float] | None = None,
    device: str = "auto",
    dev_groups: Sequence[str] | None = None,
    wide_learning_rate: float | None = None,
    augmentation: TrainAugmentation | None = None,
    train_keys: Sequence[str] | None = None,
) -> EncoderTrainingOutcome:
    """Train in place (the best dev checkpoint by ``SELECTION_METRIC`` is loaded back into ``model``), resuming
    from checkpoint_dir if asked. ``dev_groups`` (the dev rows' languages) adds per-language dev metrics.
    ``augmentation`` re-draws evasion operators on the train rows each epoch, keyed by ``train_keys`` (one unique
    key per row; the dev rows are never augmented)."""
    set_seed(seed)
    spec = ngram_spec_of(model)
    train_dataset: torch.utils.data.Dataset = EncodedTexts(tokenizer, train_texts, train_labels, max_seq_len, soft_spam_targets, spec)
    callbacks: list[TrainerCallback] = [
        EarlyStoppingCallback(early_stopping_patience=early_stopping_patience), MlflowEpochLogger(), EpochProgress()
    ]
    if augmentation is not None and augmentation.enabled:
        if train_keys is None:
            raise ValueError("augmentation needs train_keys (one key per training row)")
        train_dataset = EpochAugmentedTexts(
            train_dataset, train_keys, train_texts, train_labels, augmentation, tokenizer, max_seq_len, spec, SPAM_LABEL_ID
        )
        callbacks.append(AugmentationEpochCallback(train_dataset))
    dev_dataset = EncodedTexts(tokenizer, dev_texts, dev_labels, max_seq_len, ngram_spec=spec)
    steps_per_epoch = max(1, math.ceil(len(train_dataset) / batch_size))
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train.device is 'cuda' but no CUDA device is visible (CUDA_VISIBLE_DEVICES, drivers)")
    args = TrainingArguments(
        output_dir=str(checkpoint_dir),
        num_train_epochs=epochs,
        max_steps=max_steps,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=eval_batch_size,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        warmup_steps=warmup_ratio,
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        logging_strategy="steps",
        logging_steps=max(1, steps_per_epoch // 4),
        load_best_model_at_end=True,
        metric_for_best_model=SELECTION_METRIC,
        greater_is_better=True,
        save_total_limit=2,
        seed=seed,
        data_seed=seed,
        use_cpu=device == "cpu" or (device == "auto" and not torch.cuda.is_available()),
        dataloader_num_workers=0,
        # The default drops every batch key that model.forward does not name, soft_spam_target included,
        # which silently turned distillation into plain cross-entropy. EncodedTexts yields only used keys.
        remove_unused_columns=False,
        report_to=[],
        disable_tqdm=True,
        log_level="warning",
    )
    trainer = ClassWeightedTrainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        eval_dataset=dev_dataset,
        processing_class=tokenizer,
        data_collator=WideDeepCollator(tokenizer),
        compute_metrics=DevMetrics(dev_groups),
        callbacks=callbacks,
        class_weights=class_weights_for(train_labels) if class_weighting else None,
        wide_learning_rate=wide_learning_rate if spec is not None else None,
    )
    trainer.remove_callback(PrinterCallback)  # per-step dicts on stdout; MLflow and the log history keep them
    resume_path = last_complete_checkpoint(checkpoint_dir) if resume else None
    last_checkpoint = str(resume_path) if resume_path is not None else None
    # Read before training: checkpoint rotation (save_total_limit) may delete the folder we resumed from.
    resume_state = TrainerState.load_from_json(str(resume_path / "trainer_state.json")) if resume_path else None
    start_step = resume_state.global_step if resume_state else 0
    if resume_state is not None and _stopped_early(resume_state):
        # The run had finished by early stopping: resuming must not train on (the Trainer resets that flag and the
        # patience counter), only restore the best checkpoint, as the first run ended.
        trainer.args.max_steps = start_step
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=last_checkpoint)
    wall_time = time.perf_counter() - started
    state = trainer.state
    # Throughput counts training only: dev evaluations (eval_runtime) are taken out of the wall time.
    samples_done = (state.global_step - start_step) / steps_per_epoch * len(train_dataset)
    eval_seconds = sum(
        float(entry.get("eval_runtime", 0.0)) for entry in state.log_history if entry.get("step", 0) > start_step
    )
    train_seconds = max(wall_time - eval_seconds, 1e-9)
    return EncoderTrainingOutcome(
        global_step=state.global_step,
        resumed_from=last_checkpoint,
        train_losses=[float(entry["loss"]) for entry in state.log_history if "loss" in entry],
        dev_f1_by_epoch=[float(entry["eval_f1"]) for entry in state.log_history if "eval_f1" in entry],
        best_checkpoint=state.best_model_checkpoint,
        wall_time_s=wall_time,
        samples_per_s=samples_done / train_seconds,
    )

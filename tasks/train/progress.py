"""One progress line per training epoch (transformers TrainerCallback), for the terminal and the Prefect UI.

Training is the long stage: without this it was minutes of silence. After each epoch's dev evaluation the callback
writes ``epoch 2/6: train loss 0.213, dev F1 0.951, dev PR-AUC 0.982 (1 min 12 s)`` to the ``spamloop.progress``
logger (spamloop/progress.py); the CLI prints it and the flows forward it to Prefect. No Prefect import here.

Wired in tasks/train/encoder_training.py: ``callbacks=[..., EpochProgress()]``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from spamloop.progress import elapsed_text, stage_update

STAGE = "train"
# How the Trainer's dev metrics (eval_<name>) read in a progress line, in this order; others follow by name.
METRIC_LABELS = {
    "f1": "dev F1",
    "pr_auc": "dev PR-AUC",
    "group_macro_pr_auc": "dev language-macro PR-AUC",
    "ham_fpr": "dev ham FPR",
    "recall": "dev recall",
    "loss": "dev loss",
}
_NOT_METRICS = ("runtime", "samples_per_second", "steps_per_second", "epoch")


def dev_metrics(metrics: dict[str, float] | None) -> dict[str, float]:
    """``eval_<name>`` figures of one evaluation, without timings, in METRIC_LABELS order."""
    found = {
        name.removeprefix("eval_"): float(value)
        for name, value in (metrics or {}).items()
        if name.startswith("eval_") and not name.removeprefix("eval_").endswith(_NOT_METRICS) and _is_number(value)
    }
    ordered = {name: found.pop(name) for name in METRIC_LABELS if name in found}
    return ordered | dict(sorted(found.items()))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def epoch_line(epoch: float, epochs: float, train_loss: float | None, metrics: dict[str, float], elapsed_s: float) -> str:
    parts = [f"train loss {train_loss:.3f}"] if train_loss is not None else []
    parts += [f"{METRIC_LABELS.get(name, 'dev ' + name.replace('_', ' '))} {value:.3f}" for name, value in metrics.items()]
    return f"epoch {epoch:g}/{epochs:g}: {', '.join(parts)} ({elapsed_text(elapsed_s)})"


class EpochProgress(TrainerCallback):
    """Logs one ``spamloop.progress`` line after each dev evaluation (the Trainer evaluates once per epoch)."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        self.started = time.monotonic()

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        if not state.is_world_process_zero:
            return
        losses = [float(entry["loss"]) for entry in state.log_history if "loss" in entry]
        epochs = float(state.num_train_epochs or args.num_train_epochs)
        epoch = round(float(state.epoch or 0.0), 2)
        values = dev_metrics(metrics)
        elapsed = time.monotonic() - self.started
        stage_update(
            STAGE,
            epoch_line(epoch, epochs, losses[-1] if losses else None, values, elapsed),
            epoch=epoch,
            epochs=epochs,
            step=state.global_step,
            train_loss=losses[-1] if losses else None,
            metrics=values,
        )

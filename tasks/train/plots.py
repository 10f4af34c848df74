"""Evaluation figures logged with every training run (matplotlib, headless Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import confusion_matrix, precision_recall_curve  # noqa: E402


def confusion_matrix_figure(is_spam: Sequence[bool], scores_by_model: Mapping[str, tuple[np.ndarray, float]]) -> Figure:
    """One ham/spam confusion matrix per model at its operating threshold."""
    truth = np.asarray(is_spam, dtype=bool)
    figure, axes = plt.subplots(1, len(scores_by_model), figsize=(4.2 * len(scores_by_model), 3.8), squeeze=False)
    for axis, (name, (scores, threshold)) in zip(axes[0], scores_by_model.items(), strict=True):
        matrix = confusion_matrix(truth, np.asarray(scores) >= threshold, labels=[False, True])
        axis.imshow(matrix, cmap="Blues")
        for (row, column), value in np.ndenumerate(matrix):
            axis.text(column, row, str(value), ha="center", va="center", color="black", fontsize=12)
        axis.set_xticks([0, 1], ["ham", "spam"])
        axis.set_yticks([0, 1], ["ham", "spam"])
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        axis.set_title(f"{name} @ {threshold:.4f}")
    figure.tight_layout()
    return figure


def pr_curve_figure(is_spam: Sequence[bool], scores_by_model: Mapping[str, np.ndarray]) -> Figure:
    """Spam precision-recall curves of every model on one plot."""
    truth = np.asarray(is_spam, dtype=bool)
    figure, axis = plt.subplots(figsize=(5, 4))
    if truth.any() and (~truth).any():
        for name, scores in scores_by_model.items():
            precision, recall, _ = precision_recall_curve(truth, scores)
            axis.plot(recall, precision, label=name)
    axis.set_xlabel("spam recall")
    axis.set_ylabel("spam precision")
    axis.set_xlim(0, 1.01)
    axis.set_ylim(0, 1.01)
    axis.legend(loc="lower left")
    axis.set_title("dev precision-recall")
    figure.tight_layout()
    return figure


def threshold_fpr_figure(is_spam: Sequence[bool], scores: np.ndarray, threshold: float, target_ham_fpr: float) -> Figure:
    """Ham FPR and spam recall as the threshold moves, with the target FPR and the chosen threshold marked."""
    truth = np.asarray(is_spam, dtype=bool)
    grid = np.linspace(0.0, 1.0, 401)
    ham_scores, spam_scores = np.asarray(scores)[~truth], np.asarray(scores)[truth]
    figure, axis = plt.subplots(figsize=(5, 4))
    if ham_scores.size:
        axis.plot(grid, [(ham_scores >= value).mean() for value in grid], label="ham FPR")
    if spam_scores.size:
        axis.plot(grid, [(spam_scores >= value).mean() for value in grid], label="spam recall")
    axis.axhline(target_ham_fpr, color="grey", linestyle=":", label=f"target FPR {target_ham_fpr:g}")
    axis.axvline(threshold, color="red", linestyle="--", label=f"threshold {threshold:.4f}")
    axis.set_yscale("symlog", linthresh=0.01)
    axis.set_xlabel("threshold (spam iff score >= threshold)")
    axis.set_ylabel("rate on dev")
    axis.legend(loc="center left")
    figure.tight_layout()
    return figure


def close(figure: Figure) -> None:
    """Free a figure once logged (pyplot keeps references otherwise)."""
    plt.close(figure)

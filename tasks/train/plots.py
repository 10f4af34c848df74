"""Evaluation figures logged with every training run (matplotlib, headless Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve  # noqa: E402


def confusion_matrix_figure(is_spam: Sequence[bool], scores_by_model: Mapping[str, tuple[np.ndarray, float]]) -> Figure:
    """One ham/spam confusion matrix per model at its operating threshold: counts and the share of each true class."""
    truth = np.asarray(is_spam, dtype=bool)
    figure, axes = plt.subplots(1, len(scores_by_model), figsize=(4.2 * len(scores_by_model), 3.8), squeeze=False)
    for axis, (name, (scores, threshold)) in zip(axes[0], scores_by_model.items(), strict=True):
        matrix = confusion_matrix(truth, np.asarray(scores) >= threshold, labels=[False, True])
        # Colour and the second number are the share of the true class (row): 0.4 % of ham flagged reads at a glance.
        shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        axis.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
        for (row, column), value in np.ndenumerate(matrix):
            share = shares[row, column]
            axis.text(column, row, f"{value:,}\n{share:.1%}", ha="center", va="center", fontsize=12,
                      color="white" if share > 0.6 else "black")
        axis.set_xticks([0, 1], ["ham", "spam"])
        axis.set_yticks([0, 1], ["ham", "spam"])
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        axis.set_title(f"{name} @ {threshold:.4f}")
    figure.tight_layout()
    return figure


def _zoom_floor(values: np.ndarray, step: float = 0.05, floor: float = 0.5) -> float:
    """Lower axis limit: a multiple of ``step`` just below the smallest value, never above ``floor``, never < 0.

    A good model's curves hug the top right corner; the full 0-1 range squashes them there."""
    smallest = float(np.min(values)) if np.size(values) else 0.0
    return max(0.0, min(floor, np.floor(smallest / step) * step))


def pr_curve_figure(
    is_spam: Sequence[bool], scores_by_model: Mapping[str, np.ndarray], thresholds: Mapping[str, float] | None = None
) -> Figure:
    """Spam precision-recall curves of every model, zoomed on the region where they differ, with each model's
    operating point (its threshold) marked and PR-AUC in the legend."""
    truth = np.asarray(is_spam, dtype=bool)
    figure, axis = plt.subplots(figsize=(6, 5))
    shown_recall, shown_precision = [], []
    if truth.any() and (~truth).any():
        for name, scores in scores_by_model.items():
            scores = np.asarray(scores)
            precision, recall, _ = precision_recall_curve(truth, scores)
            area = average_precision_score(truth, scores)
            (line,) = axis.plot(recall, precision, label=f"{name} (PR-AUC {area:.3f})", drawstyle="steps-post")
            # What the reviewer judges: recall from one half up, precision down to the best one at 95 % recall
            # (beyond it precision collapses towards the spam share, which would squash the rest into a corner).
            shown_recall.append(recall[recall >= 0.5])
            shown_precision.append(np.asarray([precision[recall >= 0.95].max()]))
            if thresholds and name in thresholds:
                flagged = scores >= thresholds[name]
                point_recall = float(flagged[truth].mean())
                point_precision = float(truth[flagged].mean()) if flagged.any() else 1.0
                axis.plot(point_recall, point_precision, "o", color=line.get_color(), markersize=7,
                          label=f"{name} @ {thresholds[name]:.3f}: P {point_precision:.3f}, R {point_recall:.3f}")
                shown_recall.append(np.asarray([point_recall]))
                shown_precision.append(np.asarray([point_precision]))
    low_x = _zoom_floor(np.concatenate(shown_recall)) if shown_recall else 0.0
    low_y = _zoom_floor(np.concatenate(shown_precision), floor=0.8) if shown_precision else 0.0
    axis.set_xlim(low_x, 1.005)
    axis.set_ylim(low_y, 1.005)
    axis.grid(True, alpha=0.3)
    axis.set_xlabel("spam recall")
    axis.set_ylabel("spam precision")
    axis.legend(loc="lower left", fontsize=8)
    axis.set_title("dev precision-recall" + (f" (axes from {low_x:.2f} / {low_y:.2f})" if low_x or low_y else ""))
    figure.tight_layout()
    return figure


def threshold_fpr_figure(is_spam: Sequence[bool], scores: np.ndarray, threshold: float, target_ham_fpr: float) -> Figure:
    """Ham FPR (log scale, left) and spam recall (linear, right) as the threshold moves, with the target FPR and the
    chosen threshold marked. Rates are never below zero: an FPR of 0 sits on the bottom edge."""
    truth = np.asarray(is_spam, dtype=bool)
    grid = np.linspace(0.0, 1.0, 401)
    ham_scores, spam_scores = np.asarray(scores)[~truth], np.asarray(scores)[truth]
    figure, fpr_axis = plt.subplots(figsize=(6, 4.5))
    recall_axis = fpr_axis.twinx()
    # The smallest FPR dev can show is one ham message; below it the log axis has nothing to say.
    fpr_floor = min(target_ham_fpr, 1.0 / ham_scores.size if ham_scores.size else 1e-3) / 2
    handles = []
    if ham_scores.size:
        fpr = np.asarray([(ham_scores >= value).mean() for value in grid])
        handles += fpr_axis.plot(grid, np.maximum(fpr, fpr_floor), color="tab:blue", label="ham FPR (left, log)")
    if spam_scores.size:
        recall = np.asarray([(spam_scores >= value).mean() for value in grid])
        handles += recall_axis.plot(grid, recall, color="tab:orange", label="spam recall (right)")
    handles.append(fpr_axis.axhline(target_ham_fpr, color="grey", linestyle=":", label=f"target FPR {target_ham_fpr:g}"))
    handles.append(fpr_axis.axvline(threshold, color="red", linestyle="--", label=f"threshold {threshold:.4f}"))
    fpr_axis.set_yscale("log")
    fpr_axis.set_ylim(fpr_floor, 1.0)
    recall_axis.set_ylim(0.0, 1.02)
    fpr_axis.set_xlim(0.0, 1.0)
    fpr_axis.grid(True, which="major", alpha=0.3)
    fpr_axis.set_xlabel("threshold (spam iff score >= threshold)")
    fpr_axis.set_ylabel("ham false-positive rate on dev")
    recall_axis.set_ylabel("spam recall on dev")
    fpr_axis.legend(handles=handles, loc="lower left", fontsize=8)
    fpr_axis.set_title("threshold against ham FPR and spam recall (dev)")
    figure.tight_layout()
    return figure


def close(figure: Figure) -> None:
    """Free a figure once logged (pyplot keeps references otherwise)."""
    plt.close(figure)

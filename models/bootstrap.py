"""Stratified bootstrap over a labelled evaluation set, vectorised: the confidence intervals behind the gates.

A resample draws, within every stratum (for the gold set: language x class), as many rows as the stratum holds,
with replacement, so every resample keeps the gold set's mix of languages and classes. A resample is kept as row
weights (how often each row was drawn): the metrics of all resamples then come from one matrix product, never
from a loop over resamples. Every model is measured on the same resamples, so the per-resample difference of two
models' metrics is the paired difference (both models judged on the same drawn messages).

Conventions follow ``models.metrics.binary_metrics`` (spam iff score >= threshold; precision is NaN with
no message flagged; F1 is 0 with spam present but none caught; a rate of a missing class is NaN).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CONFUSION_METRICS: tuple[str, ...] = ("spam_precision", "spam_recall", "spam_f1", "ham_fpr")


@dataclass(frozen=True)
class Resamples:
    """``indices[b, j]``: the row drawn at position j of resample b (always from row j's stratum).
    ``weights[b, i]``: how many times row i was drawn in resample b."""

    indices: np.ndarray
    weights: np.ndarray

    @property
    def count(self) -> int:
        return int(self.weights.shape[0])

    @property
    def rows(self) -> int:
        return int(self.weights.shape[1])


def stratified_resamples(strata: Sequence[Hashable], n_resamples: int, seed: int) -> Resamples:
    """``n_resamples`` resamples of the rows, each stratum drawn to its own size with replacement (fixed seed)."""
    if n_resamples < 1:
        raise ValueError("n_resamples must be >= 1")
    labels = np.asarray([str(value) for value in strata], dtype=object)
    n_rows = labels.shape[0]
    rng = np.random.default_rng(seed)
    indices = np.empty((n_resamples, n_rows), dtype=np.int32)
    # Sorted strata: the same seed gives the same resamples whatever order the rows' strata first appear in.
    for stratum in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == stratum)
        indices[:, rows] = rows[rng.integers(0, rows.size, size=(n_resamples, rows.size))]
    offsets = (np.arange(n_resamples, dtype=np.int64) * n_rows)[:, None]
    weights = np.bincount((indices + offsets).ravel(), minlength=n_resamples * n_rows).reshape(n_resamples, n_rows)
    # float32 holds every count exactly (< 2**24) and halves the memory traffic of the products below.
    return Resamples(indices=indices, weights=weights.astype(np.float32))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def rates_from_counts(tp: np.ndarray, fp: np.ndarray, n_spam: np.ndarray, n_ham: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and ham FPR from (per-resample) confusion counts, NaN where undefined."""
    tp, fp, n_spam, n_ham = (np.asarray(value, dtype=np.float64) for value in (tp, fp, n_spam, n_ham))
    fn = n_spam - tp
    return {
        "spam_precision": _ratio(tp, tp + fp),
        "spam_recall": _ratio(tp, n_spam),
        # 2PR/(P+R) == 2tp/(2tp+fp+fn); 0 when spam is present and none is caught, NaN without spam.
        "spam_f1": np.where(n_spam > 0, _ratio(2 * tp, 2 * tp + fp + fn), np.nan),
        "ham_fpr": _ratio(fp, n_ham),
    }


def confusion_rate_samples(
    resamples: Resamples, is_spam: np.ndarray, flagged: np.ndarray, scopes: Mapping[str, np.ndarray]
) -> dict[str, dict[str, np.ndarray]]:
    """Per scope (a boolean row mask), per metric: one value per resample. One matrix product for every scope."""
    truth = np.asarray(is_spam, dtype=bool)
    predicted = np.asarray(flagged, dtype=bool)
    columns = []
    for mask in scopes.values():
        mask = np.asarray(mask, dtype=bool)
        columns += [mask & truth & predicted, mask & ~truth & predicted, mask & truth, mask & ~truth]
    if not columns:
        return {}
    counts = (resamples.weights @ np.stack(columns, axis=1).astype(np.float32)).astype(np.float64)
    result = {}
    for position, name in enumerate(scopes):
        tp, fp, n_spam, n_ham = (counts[:, 4 * position + k] for k in range(4))
        result[name] = rates_from_counts(tp, fp, n_spam, n_ham)
    return result


def average_precision_samples(resamples: Resamples, scores: np.ndarray, is_spam: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Average precision (scikit-learn's definition: a step at each distinct score) of every resample.

    AP = sum over drawn spam rows of the precision at that row's score (rows tied with it included), divided by
    the number of drawn spam rows. Precision at a score is (drawn spam at or above it) / (drawn rows at or above
    it); both are one product of the resample weights with an "at or above" indicator matrix over the spam rows,
    so every resample is done at once. NaN for a resample without both classes.
    """
    score_array = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(is_spam, dtype=bool)
    keep = np.ones(truth.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    spam_rows = np.flatnonzero(keep & truth)
    if spam_rows.size == 0 or not (keep & ~truth).any():
        return np.full(resamples.count, np.nan)
    scope_rows = np.flatnonzero(keep)
    spam_scores = score_array[spam_rows]
    # at_or_above[i, k]: row i scores at least as high as spam row k (ties count, as in precision_recall_curve).
    at_or_above = (score_array[scope_rows][:, None] >= spam_scores[None, :]).astype(np.float32)
    drawn_at_or_above = (resamples.weights[:, scope_rows] @ at_or_above).astype(np.float64)
    spam_at_or_above = (resamples.weights[:, spam_rows] @ (spam_scores[:, None] >= spam_scores[None, :]).astype(np.float32)).astype(
        np.float64
    )
    spam_weights = resamples.weights[:, spam_rows].astype(np.float64)
    precision = np.divide(spam_at_or_above, drawn_at_or_above, out=np.zeros_like(spam_at_or_above), where=drawn_at_or_above > 0)
    drawn_spam = spam_weights.sum(axis=1)
    drawn_ham = resamples.weights[:, scope_rows].sum(axis=1, dtype=np.float64) - drawn_spam
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = (spam_weights * precision).sum(axis=1) / drawn_spam
    return np.where((drawn_spam > 0) & (drawn_ham > 0), ap, np.nan)


def percentile_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The central ``confidence`` percentile interval of the resampled values (undefined resamples left out)."""
    values = np.asarray(samples, dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return (float("nan"), float("nan"))
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return (float(low), float(high))


def proportion_samples(resamples: Resamples, successes: np.ndarray, groups: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Share of successes within each group (a row mask), per resample: one matrix product for every group."""
    hit = np.asarray(successes, dtype=bool)
    columns = []
    for mask in groups.values():
        mask = np.asarray(mask, dtype=bool)
        columns += [mask & hit, mask]
    if not columns:
        return {}
    counts = (resamples.weights @ np.stack(columns, axis=1).astype(np.float32)).astype(np.float64)
    return {name: _ratio(counts[:, 2 * k], counts[:, 2 * k + 1]) for k, name in enumerate(groups)}

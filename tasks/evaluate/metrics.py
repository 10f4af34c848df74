"""Metrics at the operating threshold, overall and per slice of the gold set, each with a bootstrap interval."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from models.bootstrap import (
    Resamples,
    average_precision_samples,
    confusion_rate_samples,
    percentile_interval,
    stratified_resamples,
)
from models.metrics import binary_metrics

HEADLINE_METRICS: tuple[str, ...] = ("spam_precision", "spam_recall", "spam_f1", "ham_fpr", "pr_auc")
ALL_SCOPE = "all"
# The gates' semantics and their calibration (docs/evaluation.md) are stated for 95% intervals.
CONFIDENCE_LEVEL = 0.95
# The resamples keep each language's spam and ham counts fixed: gold's mix is a design choice, not a sample.
STRATA_COLUMNS: tuple[str, ...] = ("lang", "label")

# Slice name -> boolean row mask over the gold frame. A slice keeps both classes where that makes sense
# (language, URL) and only the relevant class otherwise (smishing spam, transactional ham).
SLICES: dict[str, Callable[[pl.DataFrame], pl.Expr]] = {
    "lang_ko": lambda _: pl.col("lang") == "ko",
    "lang_en": lambda _: pl.col("lang") == "en",
    # The quality bar is set on real data: UCI English (spam and ham) and Korean chatbot ham, no synthetic rows.
    "real": lambda _: ~pl.col("is_synthetic"),
    "has_url": lambda _: pl.col("has_url"),
    "no_url": lambda _: ~pl.col("has_url"),
    "smishing": lambda _: (pl.col("label") == "spam") & (pl.col("category_group") == "smishing"),
    "advertising": lambda _: (pl.col("label") == "spam") & (pl.col("category_group") == "advertising"),
    "transactional_ham": lambda _: (pl.col("label") == "ham") & (pl.col("category_group") == "transactional"),
    "obfuscated": lambda _: pl.col("is_obfuscated"),
    # Verified messages of the deployment's own traffic (tasks/evaluate/gold.py OWN_SOURCES); empty in bundled golds.
    # Informational: no default limit (a slice floor on it can be configured once own gold is large enough).
    "source_own": lambda gold: pl.col("source").str.starts_with("own:") if "source" in gold.columns else pl.repeat(False, pl.len()),
}

Interval = tuple[float, float]


def metrics_at_threshold(scores: Sequence[float], is_spam: Sequence[bool], threshold: float) -> dict[str, float]:
    """Spam precision/recall/F1, ham FPR, PR-AUC and confusion counts (nan where a class is missing)."""
    return binary_metrics(scores, is_spam, threshold)


def slice_masks(gold: pl.DataFrame) -> dict[str, np.ndarray]:
    """Row mask of every slice in SLICES."""
    return {name: gold.select(make(gold).fill_null(False).alias("m"))["m"].to_numpy() for name, make in SLICES.items()}


def slice_metrics(gold: pl.DataFrame, scores: Sequence[float], threshold: float) -> dict[str, dict[str, float]]:
    """binary_metrics for every slice in SLICES (a slice with no rows gets n=0 and nan metrics)."""
    score_array = np.asarray(scores, dtype=np.float64)
    if score_array.shape[0] != gold.height:
        raise ValueError(f"{score_array.shape[0]} scores for {gold.height} gold rows")
    truth = (gold["label"] == "spam").to_numpy()
    return {name: binary_metrics(score_array[mask], truth[mask], threshold) for name, mask in slice_masks(gold).items()}


@dataclass(frozen=True)
class GoldMeasurement:
    """One model on the gold set: point metrics per scope ("all" or a slice) and the same metrics on every
    bootstrap resample. Measurements made by the same GoldBootstrap share resamples, so they pair."""

    points: dict[str, dict[str, float]]
    samples: dict[str, dict[str, np.ndarray]]
    confidence: float

    @property
    def overall(self) -> dict[str, float]:
        return self.points[ALL_SCOPE]

    @property
    def slices(self) -> dict[str, dict[str, float]]:
        return {name: values for name, values in self.points.items() if name != ALL_SCOPE}

    def interval(self, scope: str, metric: str) -> Interval:
        """The bootstrap interval of one metric; (nan, nan) when it was not resampled or is undefined."""
        values = self.samples.get(scope, {}).get(metric)
        return (math.nan, math.nan) if values is None else percentile_interval(values, self.confidence)

    def intervals(self) -> dict[str, dict[str, Interval]]:
        """scope -> metric -> interval, for every headline metric that has one."""
        result: dict[str, dict[str, Interval]] = {}
        for scope, metrics in self.samples.items():
            for metric in HEADLINE_METRICS:
                if metric in metrics and not math.isnan(self.points[scope].get(metric, math.nan)):
                    result.setdefault(scope, {})[metric] = self.interval(scope, metric)
        return result


class GoldBootstrap:
    """The gold set's fixed resamples (stratified by language and class, fixed seed) and scope masks."""

    def __init__(self, gold: pl.DataFrame, n_resamples: int, seed: int, confidence: float = CONFIDENCE_LEVEL):
        self.is_spam = (gold["label"] == "spam").to_numpy()
        self.scopes = {ALL_SCOPE: np.ones(gold.height, dtype=bool)} | slice_masks(gold)
        strata = gold.select(pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in STRATA_COLUMNS], separator="/"))
        self.resamples: Resamples = stratified_resamples(strata.to_series().to_list(), n_resamples, seed)
        self.confidence = confidence

    def measure(self, scores: Sequence[float], threshold: float, pr_auc_scopes: Iterable[str] | None = None) -> GoldMeasurement:
        """Point metrics and resampled metrics of one model at its threshold.

        PR-AUC is resampled on ``pr_auc_scopes`` only (None: every scope); the thresholded metrics on all.
        """
        score_array = np.asarray(scores, dtype=np.float64)
        if score_array.shape != self.is_spam.shape:
            raise ValueError(f"{score_array.shape[0]} scores for {self.is_spam.shape[0]} gold rows")
        points = {
            name: binary_metrics(score_array[mask], self.is_spam[mask], threshold) for name, mask in self.scopes.items()
        }
        samples = confusion_rate_samples(self.resamples, self.is_spam, score_array >= threshold, self.scopes)
        for name in self.scopes if pr_auc_scopes is None else pr_auc_scopes:
            if not math.isnan(points[name]["pr_auc"]):
                samples[name]["pr_auc"] = average_precision_samples(self.resamples, score_array, self.is_spam, self.scopes[name])
        return GoldMeasurement(points=points, samples=samples, confidence=self.confidence)


def flat_metrics(
    overall: dict[str, float], slices: dict[str, dict[str, float]], intervals: dict[str, dict[str, Interval]] | None = None
) -> dict[str, float]:
    """{"gold_spam_f1": .., "gold_spam_f1_lo": .., "gold_slice_lang_ko_spam_recall": ..}; nan values are left out."""
    intervals = intervals or {}
    flat: dict[str, float] = {}
    for scope, values in [(ALL_SCOPE, overall), *slices.items()]:
        prefix = "gold" if scope == ALL_SCOPE else f"gold_slice_{scope}"
        for name, value in values.items():
            if not math.isnan(value):
                flat[f"{prefix}_{name}"] = value
        for name, (low, high) in intervals.get(scope, {}).items():
            if not (math.isnan(low) or math.isnan(high)):
                flat[f"{prefix}_{name}_lo"], flat[f"{prefix}_{name}_hi"] = low, high
    return flat


def metric_count(values: dict[str, float], metric: str) -> str | None:
    """The messages a rate is made of, e.g. "7/18" for 7 of 18 hams flagged; None for F1 and PR-AUC."""
    numerator, denominator = {
        "spam_precision": ("tp", None),
        "spam_recall": ("tp", "n_spam"),
        "ham_fpr": ("fp", "n_ham"),
    }.get(metric, (None, None))
    if numerator is None or numerator not in values:
        return None
    total = values["tp"] + values["fp"] if denominator is None else values.get(denominator, math.nan)
    if math.isnan(total) or total == 0:
        return None
    return f"{int(values[numerator])}/{int(total)}"


def metric_cell(values: dict[str, float], metric: str, interval: Interval | None = None) -> str:
    """"0.3889 (7/18) [0.167, 0.611]": value, the messages it is made of, and its bootstrap interval."""
    value = values.get(metric, math.nan)
    if math.isnan(value):
        return "–"
    cell = f"{value:.4f}"
    count = metric_count(values, metric)
    if count:
        cell += f" ({count})"
    if interval is not None and not math.isnan(interval[0]):
        cell += f" [{interval[0]:.3f}, {interval[1]:.3f}]"
    return cell


def metrics_table(
    overall: dict[str, float], slices: dict[str, dict[str, float]], intervals: dict[str, dict[str, Interval]] | None = None
) -> str:
    """Markdown table: one row for the whole gold set and one per slice; rates carry their counts and intervals."""
    intervals = intervals or {}
    lines = [
        "| rows | n | spam | ham | precision | recall | F1 | ham FPR | PR-AUC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, values in [(ALL_SCOPE, overall), *slices.items()]:
        lines.append(
            f"| {name} | {int(values['n'])} | {int(values['n_spam'])} | {int(values['n_ham'])} | "
            + " | ".join(metric_cell(values, metric, intervals.get(name, {}).get(metric)) for metric in HEADLINE_METRICS)
            + " |"
        )
    return "\n".join(lines)

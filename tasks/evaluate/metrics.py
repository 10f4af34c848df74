"""Metrics at the operating threshold, overall and per slice of the gold set."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from tasks.train.evaluation import binary_metrics

HEADLINE_METRICS: tuple[str, ...] = ("spam_precision", "spam_recall", "spam_f1", "ham_fpr", "pr_auc")

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
}


def metrics_at_threshold(scores: Sequence[float], is_spam: Sequence[bool], threshold: float) -> dict[str, float]:
    """Spam precision/recall/F1, ham FPR, PR-AUC and confusion counts (nan where a class is missing)."""
    return binary_metrics(scores, is_spam, threshold)


def slice_metrics(gold: pl.DataFrame, scores: Sequence[float], threshold: float) -> dict[str, dict[str, float]]:
    """binary_metrics for every slice in SLICES (a slice with no rows gets n=0 and nan metrics)."""
    score_array = np.asarray(scores, dtype=np.float64)
    if score_array.shape[0] != gold.height:
        raise ValueError(f"{score_array.shape[0]} scores for {gold.height} gold rows")
    truth = (gold["label"] == "spam").to_numpy()
    result: dict[str, dict[str, float]] = {}
    for name, make_mask in SLICES.items():
        mask = gold.select(make_mask(gold).fill_null(False).alias("m"))["m"].to_numpy()
        result[name] = binary_metrics(score_array[mask], truth[mask], threshold)
    return result


def flat_metrics(overall: dict[str, float], slices: dict[str, dict[str, float]]) -> dict[str, float]:
    """{"gold_spam_f1": .., "gold_slice_lang_ko_spam_recall": ..}; nan values (class missing) are left out."""
    flat = {f"gold_{name}": value for name, value in overall.items() if not math.isnan(value)}
    for slice_name, values in slices.items():
        for name, value in values.items():
            if not math.isnan(value):
                flat[f"gold_slice_{slice_name}_{name}"] = value
    return flat


def metrics_table(overall: dict[str, float], slices: dict[str, dict[str, float]]) -> str:
    """Markdown table: one row for the whole gold set and one per slice."""

    def cell(value: float) -> str:
        return "–" if math.isnan(value) else f"{value:.4f}"

    lines = [
        "| rows | n | spam | ham | precision | recall | F1 | ham FPR | PR-AUC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, values in [("all", overall), *slices.items()]:
        lines.append(
            f"| {name} | {int(values['n'])} | {int(values['n_spam'])} | {int(values['n_ham'])} | "
            + " | ".join(cell(values[metric]) for metric in HEADLINE_METRICS)
            + " |"
        )
    return "\n".join(lines)

"""The misclassified table a reviewer reads in MLflow: dev at training (misclassified_dev.json), gold at evaluation
(gold_misclassified.json). Normalised model text only: PII was replaced by placeholders before it got here."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def misclassified_table(
    frame: pl.DataFrame, columns: Sequence[str], is_spam: np.ndarray, scores: np.ndarray, threshold: float, limit: int
) -> pl.DataFrame:
    """The ``limit`` most confident mistakes at ``threshold`` (largest |score - threshold| first): ``columns`` of
    ``frame`` plus ``spam_score``."""
    wrong = (np.asarray(scores) >= threshold) != np.asarray(is_spam, dtype=bool)
    return (
        frame.select(*columns)
        .with_columns(pl.Series("spam_score", np.asarray(scores, dtype=np.float64)), pl.Series("wrong", wrong))
        .filter(pl.col("wrong"))
        .with_columns((pl.col("spam_score") - threshold).abs().alias("margin"))
        .sort("margin", descending=True)
        .head(limit)
        .drop("wrong", "margin")
    )

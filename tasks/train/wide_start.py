"""A convex start for the wide half: logistic regression on exactly the hashed n-gram features the phone computes.

Trained jointly from random vectors, the wide half stops learning once the encoder has fitted the training
templates, and generalises to unseen spam worse than a linear model over the same n-grams (docs/training.md,
"Wide start"). Fitting that linear model first (convex, seconds) and loading it into the wide half gives the
encoder the residual to learn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import repeat

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from models.ngrams import NgramSpec


def hashed_ngram_matrix(
    spec: NgramSpec, texts_model: Sequence[str], pooling: str, group_scales: Sequence[float] | None = None
) -> sparse.csr_matrix:
    """One row per text over ``spec.buckets`` columns: each n-gram id of a group weighs 1 / sqrt(n) (``sqrtn``) or
    1 / n (``mean``), n being the group's id count, as the wide half pools them, times the group's scale
    (``group_scales``, one per ``spec.groups``; default 1); ids shared by groups add up."""
    if pooling not in ("sqrtn", "mean"):
        raise ValueError(f"unknown wide pooling {pooling!r}")
    scales = [1.0] * len(spec.groups) if group_scales is None else [float(scale) for scale in group_scales]
    if len(scales) != len(spec.groups):
        raise ValueError(f"expected {len(spec.groups)} group scales, got {len(scales)}")
    # Augmented draws repeat most texts unchanged: build each distinct text's row once, then index them.
    distinct = list(dict.fromkeys(texts_model))
    row_of = {text: row for row, text in enumerate(distinct)}
    columns: list[int] = []
    values: list[float] = []
    row_ends = [0]
    for text in distinct:
        for ids, scale in zip(spec.group_ids(text), scales, strict=True):
            if not ids or scale == 0:
                continue
            weight = scale / (math.sqrt(len(ids)) if pooling == "sqrtn" else len(ids))
            columns.extend(ids)
            values.extend(repeat(weight, len(ids)))
        row_ends.append(len(columns))
    matrix = sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(columns, dtype=np.int64), np.asarray(row_ends, dtype=np.int64)),
        shape=(len(distinct), spec.buckets),
    )
    matrix.sum_duplicates()
    return matrix[np.asarray([row_of[text] for text in texts_model], dtype=np.int64)]


def fit_linear_wide(
    spec: NgramSpec,
    texts_model: Sequence[str],
    is_spam: Sequence[int],
    pooling: str,
    c: float,
    seed: int,
    group_scales: Sequence[float] | None = None,
) -> tuple[np.ndarray, float]:
    """Balanced L2 logistic regression (inverse strength ``c``) on the hashed features: (bucket weights, intercept).

    A group's scale below 1 shrinks its features, so under the same L2 penalty the regression leans on that group
    only where the others do not separate the rows; the wide half serves it by weighing that group's pooled value by
    the same scale (``WideNgramHead.load_linear``), so the phone's inputs and rules do not change."""
    labels = np.asarray(is_spam, dtype=int)
    if len(set(labels.tolist())) < 2:
        raise ValueError("the wide start needs both spam and ham among the training rows")
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5_000, random_state=seed)
    model.fit(hashed_ngram_matrix(spec, texts_model, pooling, group_scales), labels)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])

"""TF-IDF character n-gram + logistic regression: the baseline every encoder must beat."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer


def build_baseline(ngram_range: tuple[int, int] = (2, 5), c: float = 10.0, seed: int = 13) -> Pipeline:
    """char_wb n-grams (robust to spacing/obfuscation tricks, language-agnostic) + balanced logistic regression."""
    return Pipeline(
        [
            # np.ravel lets the logged model take a list of strings or a one-column DataFrame (pyfunc serving).
            ("flatten", FunctionTransformer(np.ravel, validate=False)),
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=ngram_range, lowercase=True, sublinear_tf=True, min_df=2, max_features=200_000
                ),
            ),
            ("logreg", LogisticRegression(C=c, class_weight="balanced", max_iter=2_000, random_state=seed)),
        ]
    )


def fit_baseline(
    texts_model: Sequence[str], is_spam: Sequence[bool], ngram_range: tuple[int, int] = (2, 5), c: float = 10.0, seed: int = 13
) -> Pipeline:
    """Fit the baseline on normalised texts; raises if the train split lacks one of the classes."""
    labels = np.asarray(is_spam, dtype=int)
    if len(set(labels.tolist())) < 2:
        raise ValueError("the baseline needs both spam and ham in the train split")
    pipeline = build_baseline(ngram_range, c, seed)
    pipeline.fit(list(texts_model), labels)
    return pipeline


def baseline_spam_proba(pipeline: Pipeline, texts_model: Sequence[str]) -> np.ndarray:
    """Spam probabilities from a fitted baseline."""
    if len(texts_model) == 0:
        return np.zeros(0, dtype=np.float64)
    classes = list(pipeline.classes_)
    return pipeline.predict_proba(list(texts_model))[:, classes.index(1)].astype(np.float64)


def out_of_fold_spam_proba(
    texts_model: Sequence[str],
    is_spam: Sequence[bool],
    folds: int = 5,
    ngram_range: tuple[int, int] = (2, 5),
    c: float = 10.0,
    seed: int = 13,
) -> np.ndarray:
    """Each row's spam probability from a baseline fitted without that row (teacher scores for distillation).

    In-sample scores would just repeat the labels; out-of-fold ones carry the baseline's real doubt.
    """
    labels = np.asarray(is_spam, dtype=int)
    texts = list(texts_model)
    scores = np.zeros(len(texts), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_rows, held_rows in splitter.split(np.zeros(len(texts)), labels):
        pipeline = fit_baseline([texts[i] for i in fit_rows], labels[fit_rows], ngram_range, c, seed)
        scores[held_rows] = baseline_spam_proba(pipeline, [texts[i] for i in held_rows])
    return scores

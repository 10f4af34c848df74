"""How varied a set of generated texts is: distinct-trigram ratio and near-duplicate share.

Both look at texts after the text contract with every digit run written as 0, so that fresh phone numbers,
amounts and dates (what one campaign varies) do not count as variety.

* ``distinct_trigram_ratio``: distinct word trigrams / all word trigrams (distinct-3). Higher is more varied.
* ``near_duplicate_share``: share of texts that have another text in the set whose character-trigram set
  (of the campaign key, ``template_key``: spacing and punctuation aside) overlaps theirs with Jaccard >= 0.8.
  Lower is more varied. Exact, on sparse matrices: fine for a few thousand texts.

Compare generators at the same number of texts: both figures depend on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from models.normalization import normalize, template_key

_DIGITS = re.compile(r"[0-9]+")
NEAR_DUPLICATE_JACCARD = 0.8


def _masked(texts: Sequence[str]) -> list[str]:
    return [_DIGITS.sub("0", normalize(text)) for text in texts]


def distinct_trigram_ratio(texts: Sequence[str]) -> float:
    """Distinct word trigrams over all word trigrams of the (normalised, digit-masked) texts."""
    total, distinct = 0, set()
    for text in _masked(texts):
        words = text.split()
        grams = list(zip(words, words[1:], words[2:]))
        total += len(grams)
        distinct.update(grams)
    return len(distinct) / total if total else float("nan")


def near_duplicate_flags(texts: Sequence[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> np.ndarray:
    """Per text: True when some other text's character-trigram set has Jaccard >= ``threshold`` with its own."""
    keys = [template_key(text) or "∅" for text in _masked(texts)]
    if len(keys) < 2:
        return np.zeros(len(keys), dtype=bool)
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True, lowercase=False)
    shingles = vectorizer.fit_transform(keys).astype(np.float32).tocsr()
    sizes = np.asarray(shingles.sum(axis=1)).ravel()
    flags = np.zeros(len(keys), dtype=bool)
    for start in range(0, len(keys), 1_000):  # bounds the dense block of intersections
        block = (shingles[start : start + 1_000] @ shingles.T).toarray()
        union = sizes[start : start + 1_000, None] + sizes[None, :] - block
        jaccard = np.divide(block, union, out=np.zeros_like(block), where=union > 0)
        for row in range(block.shape[0]):
            jaccard[row, start + row] = 0.0
        flags[start : start + 1_000] = (jaccard >= threshold).any(axis=1)
    return flags


def near_duplicate_share(texts: Sequence[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> float:
    """Share of texts with a near duplicate (see ``near_duplicate_flags``)."""
    flags = near_duplicate_flags(texts, threshold)
    return float(flags.mean()) if len(flags) else float("nan")

"""Subtype-held-out folds: train without whole kinds of message, test on them.

A model that learnt the generator's templates scores well on a random split (the test rows are siblings of the
training rows) and badly on a kind of message it never saw. These folds hold out whole synthetic subtypes: in
fold k the model trains on no message of fold k's subtypes and is tested on all of them. Within each category
the subtypes are dealt to different folds, so a held-out subtype usually keeps a sibling in training (holdem is
tested while casino and slots are trained on), as a new campaign of a known kind would be.

Rows without a subtype (the real corpora) are dealt to folds by a hash of their group key (campaign key), so each
fold also tests unseen real messages and no campaign straddles train and test.

Usable wherever sklearn-style (train_rows, test_rows) index pairs are: ``bench/korean.py``, ``bench/cv.py``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import numpy as np


def _hash_fold(key: str, n_folds: int, seed: int) -> int:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n_folds


def assign_subtype_folds(subtypes: Sequence[str], categories: Sequence[str], n_folds: int, seed: int) -> dict[str, int]:
    """Fold of each distinct subtype: within each category (in a seeded order) subtypes are dealt round-robin,
    starting where the previous category stopped, so folds get about the same number of subtypes."""
    if n_folds < 2:
        raise ValueError("n_folds must be >= 2")
    category_of: dict[str, str] = {}
    for subtype, category in zip(subtypes, categories, strict=True):
        if subtype is None:
            continue
        if category_of.setdefault(subtype, category) != category:
            raise ValueError(f"subtype {subtype!r} appears under two categories")
    rng = random.Random(seed)
    by_category: dict[str, list[str]] = {}
    for subtype in sorted(category_of):
        by_category.setdefault(category_of[subtype], []).append(subtype)
    folds: dict[str, int] = {}
    next_fold = 0
    for category in sorted(by_category):
        members = by_category[category]
        rng.shuffle(members)
        for subtype in members:
            folds[subtype] = next_fold
            next_fold = (next_fold + 1) % n_folds
    return folds


def subtype_holdout_folds(
    subtypes: Sequence[str | None],
    categories: Sequence[str | None],
    group_keys: Sequence[str],
    n_folds: int = 4,
    seed: int = 7,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` (train_rows, test_rows) pairs over rows with these subtypes (None: no subtype), categories and
    group keys. Every row is in exactly one test set; a subtype's rows are all in the same one."""
    if not len(subtypes) == len(categories) == len(group_keys):
        raise ValueError("subtypes, categories and group_keys must have one entry per row")
    with_subtype = [(s, c) for s, c in zip(subtypes, categories, strict=True) if s is not None]
    fold_of_subtype = assign_subtype_folds([s for s, _ in with_subtype], [c or "" for _, c in with_subtype], n_folds, seed)
    fold = np.array(
        [
            fold_of_subtype[subtype] if subtype is not None else _hash_fold(key, n_folds, seed)
            for subtype, key in zip(subtypes, group_keys, strict=True)
        ],
        dtype=int,
    )
    rows = np.arange(len(fold))
    return [(rows[fold != k], rows[fold == k]) for k in range(n_folds)]

"""Subtype-held-out folds: whole subtypes out of training, siblings spread, keyless rows by group."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tasks.sample.subtype_folds import assign_subtype_folds, subtype_holdout_folds

SUBTYPES = ["casino", "slot", "holdem", "toto", "reading", "surge", "coin", "otp", None, None, None, None]
CATEGORIES = ["gambling", "gambling", "gambling", "gambling", "finance", "finance", "finance", "ham", None, None, None, None]


def rows(repeat=5):
    subtypes = [s for s in SUBTYPES for _ in range(repeat)]
    categories = [c for c in CATEGORIES for _ in range(repeat)]
    keys = [f"k{i // 2}" for i in range(len(subtypes))]  # pairs of rows share a campaign
    return subtypes, categories, keys


def test_every_row_tested_once_and_never_trained_on_in_its_fold():
    subtypes, categories, keys = rows()
    folds = subtype_holdout_folds(subtypes, categories, keys, n_folds=3, seed=1)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(len(subtypes)))
    for train, test in folds:
        assert set(train.tolist()).isdisjoint(test.tolist())
        held_out = {subtypes[i] for i in test} - {None}
        assert held_out and held_out.isdisjoint({subtypes[i] for i in train})
        # no campaign straddles train and test
        assert {keys[i] for i in test if subtypes[i] is None}.isdisjoint({keys[i] for i in train if subtypes[i] is None})


def test_siblings_spread_over_folds_and_folds_balanced():
    subtypes, categories, _ = rows(1)
    folds = assign_subtype_folds([s for s in subtypes if s], [c for c in categories if c], n_folds=3, seed=4)
    gambling = [folds[s] for s in ("casino", "slot", "holdem", "toto")]
    assert len(set(gambling)) == 3  # four siblings over three folds: each fold keeps some in training
    assert max(Counter(folds.values()).values()) - min(Counter(folds.values()).values()) <= 1
    assert folds == assign_subtype_folds([s for s in subtypes if s], [c for c in categories if c], n_folds=3, seed=4)
    assert folds != assign_subtype_folds([s for s in subtypes if s], [c for c in categories if c], n_folds=3, seed=5)


def test_bad_input():
    with pytest.raises(ValueError):
        subtype_holdout_folds(["a"], ["x"], ["k1", "k2"])
    with pytest.raises(ValueError):
        assign_subtype_folds(["a", "a"], ["x", "y"], 2, 0)
    with pytest.raises(ValueError):
        assign_subtype_folds(["a"], ["x"], 1, 0)

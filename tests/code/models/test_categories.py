"""Category groups: the slices the gates read and the ham groups the operating threshold holds to the target."""

from __future__ import annotations

import pytest

from models.categories import category_group, ham_group
from models.label_prompt import CATEGORIES, HAM_CATEGORIES


def test_every_label_stage_category_has_a_group():
    for category in CATEGORIES:
        group = category_group("ham" if category in HAM_CATEGORIES else "spam", category)
        assert group in ({"transactional", "personal"} if category in HAM_CATEGORIES else {"smishing", "advertising"})


def test_ham_group_of_a_row():
    assert ham_group("ham", "delivery_notice") == "transactional"
    assert ham_group("ham", "transactional") == "transactional"  # the label stage's own name
    assert ham_group("ham", "personal") == "personal"
    assert ham_group("ham", None) == "personal"  # the real corpora's hams, as category_group reads them
    assert ham_group("spam", "delivery_notice") is None and ham_group("spam", None) is None
    assert ham_group("ham", "a reviewer's own words") is None  # never raises; the row joins no group
    assert ham_group("ham", "gambling") is None  # a spam category on a ham row is no ham group
    with pytest.raises(ValueError, match="unknown seed category"):
        category_group("ham", "a reviewer's own words")

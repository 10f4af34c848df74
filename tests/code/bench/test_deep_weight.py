"""bench/deep_weight.py's scoring of wide + w x deep from each half's logits (no training)."""

from __future__ import annotations

import numpy as np

from bench.deep_weight import weight_figures


def _halves(test_wide, test_deep, truth, langs, real, contact_wide, contact_deep, contact_langs):
    dev_truth = np.array([True] * 50 + [False] * 200)
    dev_wide = np.where(dev_truth, 2.0, -2.0) + np.linspace(-0.1, 0.1, dev_truth.size)
    return {
        "dev": (dev_wide, np.zeros(dev_truth.size)), "dev_truth": dev_truth,
        "test": (np.asarray(test_wide, float), np.asarray(test_deep, float)), "test_truth": np.asarray(truth),
        "test_langs": np.asarray(langs), "test_real": np.asarray(real),
        "contact": (np.asarray(contact_wide, float), np.asarray(contact_deep, float)), "contact_langs": np.asarray(contact_langs),
    }


def test_weight_zero_serves_the_wide_start_alone_and_weight_one_the_sum():
    truth = [True, True, False, False]
    # The wide start ranks every spam above every ham; the encoder alone ranks them the other way round.
    halves = _halves([3.0, 2.5, -3.0, -2.5], [-4.0, -4.0, 4.0, 4.0], truth, ["ko", "en", "ko", "en"], [False, True, False, True],
                     [-3.0, -3.0], [4.0, 0.0], ["ko", "en"])
    alone = weight_figures(halves, 0.0, 0.005)
    assert alone["all pr_auc"] == 1.0 and alone["f1"] == 1.0 and alone["ham_fpr"] == 0.0
    assert alone["contact_ko"] == 0.0 and alone["contact_en"] == 0.0
    summed = weight_figures(halves, 1.0, 0.005)
    assert summed["all pr_auc"] < 1.0  # the encoder's reversed margins now outweigh the start's
    assert summed["f1"] < 1.0 and summed["ham_fpr"] == 1.0  # the dev threshold sits just above the dev hams (about -2)
    assert summed["contact_ko"] == 1.0 and summed["contact_en"] == 0.0

"""Replay metrics: combined labels (majority vote, Dawid-Skene) against the truth, the KRW extrapolation."""

from __future__ import annotations

import random

import polars as pl

from tasks.replay.metrics import combined_accuracy, krw_per_month


def test_dawid_skene_learns_which_provider_to_trust():
    # One reliable provider (97%) and two poor ones (65%, independent): where the two poor ones agree against the
    # good one, majority follows them; Dawid-Skene learns each provider's confusion matrix and follows the good one.
    rng = random.Random(1)
    rows, truth = [], []
    for i in range(600):
        label = "spam" if i % 2 else "ham"
        other = "ham" if label == "spam" else "spam"
        mid = f"m{i}"
        truth.append((mid, label))
        rows.append((mid, "good", label if rng.random() < 0.97 else other, 0.9))
        for provider in ("poor1", "poor2"):
            rows.append((mid, provider, label if rng.random() < 0.65 else other, 0.8))
    votes = pl.DataFrame(rows, schema=["message_id", "provider", "label", "confidence"], orient="row")
    result = combined_accuracy(votes, pl.DataFrame(truth, schema=["message_id", "truth"], orient="row"))
    assert result["good"][0] > 0.95 and result["poor1"][0] < 0.72
    assert 0.8 < result["majority vote"][0] < 0.9
    assert result["Dawid-Skene"][0] > result["majority vote"][0] + 0.03
    assert result["Dawid-Skene"][1] == 600


def test_krw_per_month_scales_the_cost_per_message_to_50k_users():
    # $1 for 1,000 messages -> 15M messages a month -> $15,000 -> 21M KRW at 1,400 KRW/USD.
    assert krw_per_month(1.0, 1000, 1400.0) == 1.0 / 1000 * 50_000 * 10 * 30 * 1400
    assert krw_per_month(1.0, 0, 1400.0) is None

"""The wide half's logistic start: the wide half computes exactly the fitted linear model, and a frozen start stays
as fitted while the encoder trains on top of it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.encoder import predict_spam_proba, with_wide_half
from models.ngrams import padded_batch
from spamloop.settings.train import TrainConfig
from tasks.train.pipeline import build_encoder, fit_encoder, ngram_spec_for, wide_start_group_scales
from tasks.train.wide_start import fit_linear_wide, hashed_ngram_matrix
from tests.code.tasks.train.test_wide_deep import _toy_texts


@pytest.mark.parametrize("pooling", ["sqrtn", "mean"])
def test_hashed_features_pool_each_group_as_the_wide_half_does(pooling):
    spec = ngram_spec_for(TrainConfig(ngram_buckets=1 << 12, max_ngrams_per_order=8))
    text = "무료 카지노 가입 [URL] abc·com"
    groups = spec.group_ids(text)
    row = hashed_ngram_matrix(spec, [text], pooling).toarray()[0]
    expected = np.zeros(spec.buckets)
    for ids in groups:
        for bucket in ids:
            expected[bucket] += 1 / (np.sqrt(len(ids)) if pooling == "sqrtn" else len(ids))
    assert any(len(ids) == 8 for ids in groups)  # the per-order cap applies before pooling
    np.testing.assert_allclose(row, expected)


def test_repeated_texts_get_the_same_row_in_their_places():
    spec = ngram_spec_for(TrainConfig(ngram_buckets=1 << 12))
    texts = ["무료 카지노 가입", "내일 회의 3시", "무료 카지노 가입", ""]
    matrix = hashed_ngram_matrix(spec, texts, "sqrtn").toarray()
    alone = [hashed_ngram_matrix(spec, [text], "sqrtn").toarray()[0] for text in texts]
    assert matrix.shape == (4, spec.buckets)
    for row, expected in zip(matrix, alone, strict=True):
        np.testing.assert_array_equal(row, expected)
    assert not matrix[3].any() and matrix[0].any() and not np.array_equal(matrix[0], matrix[1])


@pytest.mark.parametrize("pooling", ["sqrtn", "mean"])
def test_loaded_wide_half_scores_exactly_the_fitted_logistic_regression(pooling):
    spec = ngram_spec_for(TrainConfig(ngram_buckets=1 << 12))
    texts, labels = _toy_texts(120, seed=5)
    weights, intercept = fit_linear_wide(spec, texts, labels, pooling, c=10.0, seed=1)
    model = with_wide_half(None, spec, seed=1, ngram_dim=4, wide_pooling=pooling).eval()
    model.wide.load_linear(weights, intercept)
    ids, mask = padded_batch([spec.group_ids(text) for text in texts])
    with torch.no_grad():
        wide = model.wide(torch.tensor(ids), torch.tensor(mask)).numpy()
    reference = hashed_ngram_matrix(spec, texts, pooling) @ weights + intercept
    np.testing.assert_allclose(wide, reference, atol=1e-4)
    assert np.mean((wide > 0) == np.asarray(labels, dtype=bool)) == 1.0  # it fitted the toy set


def test_scaled_jamo_groups_are_served_as_they_were_fitted():
    """``wide_start_jamo_scale``: the regression sees the jamo groups' features shrunk, the wide half weighs their
    pooled values by the same scale (no change to the phone's inputs), and scale 0 fits the characters alone."""
    config = TrainConfig(ngram_buckets=1 << 12, wide_start_jamo_scale=0.25)
    spec = ngram_spec_for(config)
    scales = wide_start_group_scales(spec, config)
    assert scales == [1.0] * len(config.char_orders) + [0.25] * len(config.jamo_orders)
    texts, labels = _toy_texts(120, seed=5)
    texts = [f"{text} 카지노" if label else f"{text} 점심" for text, label in zip(texts, labels, strict=True)]
    weights, intercept = fit_linear_wide(spec, texts, labels, "sqrtn", 10.0, 1, scales)
    model = with_wide_half(None, spec, seed=1, ngram_dim=2).eval()
    model.wide.load_linear(weights, intercept, scales)
    ids, mask = padded_batch([spec.group_ids(text) for text in texts])
    with torch.no_grad():
        wide = model.wide(torch.tensor(ids), torch.tensor(mask)).numpy()
    np.testing.assert_allclose(wide, hashed_ngram_matrix(spec, texts, "sqrtn", scales) @ weights + intercept, atol=1e-4)
    unscaled = hashed_ngram_matrix(spec, texts, "sqrtn") @ weights + intercept
    assert np.abs(wide - unscaled).max() > 1e-3  # the scale is applied, not ignored

    without_jamo = [0.0 if kind == "jamo" else 1.0 for kind, _ in spec.groups]
    chars_only = ngram_spec_for(TrainConfig(ngram_buckets=1 << 12, jamo_orders=()))
    np.testing.assert_allclose(
        hashed_ngram_matrix(spec, texts, "sqrtn", without_jamo).toarray(), hashed_ngram_matrix(chars_only, texts, "sqrtn").toarray()
    )
    with pytest.raises(ValueError, match="group scales"):
        hashed_ngram_matrix(spec, texts, "sqrtn", [1.0])
    with pytest.raises(ValueError, match="group scales"):
        model.wide.load_linear(weights, intercept, [1.0])


def test_a_linear_start_needs_the_linear_wide_layer():
    spec = ngram_spec_for(TrainConfig(ngram_buckets=256))
    model = with_wide_half(None, spec, seed=1, wide_hidden=8)
    with pytest.raises(ValueError, match="wide_hidden 0"):
        model.wide.load_linear(np.zeros(256, dtype=np.float32), 0.0)
    with pytest.raises(ValueError, match="wide_hidden 0"):
        TrainConfig(wide_hidden=8)  # the default start is logistic
    with pytest.raises(ValueError, match="wide_start 'logistic'"):
        TrainConfig(wide_start="random")  # the default rate 0 would freeze a random table
    with pytest.raises(ValueError, match="an encoder"):
        TrainConfig(architecture="wide")  # frozen and alone: nothing left to train
    assert TrainConfig(wide_start="random", wide_learning_rate=1e-2, wide_hidden=8).wide_hidden == 8


def test_frozen_logistic_start_stays_and_the_encoder_learns_on_top(tmp_path):
    train_texts, train_labels = _toy_texts(160, seed=1)
    dev_texts, dev_labels = _toy_texts(40, seed=2)
    config = TrainConfig(
        wide_start="logistic", wide_learning_rate=0, ngram_buckets=4096, max_ngrams_per_order=32, vocab_size=300,
        epochs=2, batch_size=16, distill_weight=0, augment_spam_rate=0, augment_ham_rate=0, augment_ham_contact_rate=0,
        max_seq_len=16,
    )
    model, tokenizer = build_encoder(config, train_texts, tmp_path / "tokenizer", seed=3)
    deep_before = model.deep.classifier.weight.detach().clone()
    truth = np.asarray(train_labels, dtype=bool)
    fit_encoder(
        model, tokenizer, config, 3,
        (train_texts, truth, ["en"] * len(train_texts)),
        (dev_texts, np.asarray(dev_labels, dtype=bool), ["en"] * len(dev_texts)),
        tmp_path / "checkpoints", resume=False,
    )
    scales = wide_start_group_scales(model.ngram_spec, config)
    expected, intercept = fit_linear_wide(model.ngram_spec, train_texts, train_labels, "sqrtn", config.wide_start_c, 3, scales)
    np.testing.assert_allclose(model.wide.embeddings.weight[:, 0].detach().numpy(), expected)
    assert float(model.wide.output.bias) == pytest.approx(intercept)
    assert not torch.equal(model.deep.classifier.weight, deep_before)  # the encoder did train
    scores = predict_spam_proba(model, tokenizer, dev_texts, 16)
    assert np.mean((scores >= 0.5) == np.asarray(dev_labels, dtype=bool)) >= 0.9


def test_the_start_sees_the_rows_as_the_first_epochs_draw_them():
    from tasks.train.augmentation import TrainAugmentation, row_keys
    from tasks.train.pipeline import augmented_draws

    augmentation = TrainAugmentation(spam_rate=0.0, ham_rate=0.0, max_stack=1, seed=7, ham_contact_rate=1.0)
    texts, labels = ["see you at lunch", "엄마 오늘 늦어", "free prize now"], [0, 0, 1]
    keys = row_keys(["a", "b", "c"])
    drawn, drawn_labels = augmented_draws(augmentation, keys, texts, labels, epochs=2)
    assert drawn_labels == labels * 2
    assert all("[PHONE]" in text for text, label in zip(drawn, drawn_labels) if label == 0)  # every ham got a number
    assert drawn[2] == drawn[5] == "free prize now"  # spam never gets a contact clause
    assert drawn[:3] == [augmentation.text_for(key, text, bool(label), 0)[0] for key, text, label in zip(keys, texts, labels)]

"""Distillation from the baseline: the soft-target loss and the out-of-fold teacher scores."""

from __future__ import annotations

import numpy as np
import torch

from tasks.train.baseline import baseline_spam_proba, fit_baseline, out_of_fold_spam_proba
from tasks.train.encoder_training import soft_target_loss
from tasks.train.splits import oversample_indices, oversample_languages


def test_soft_target_loss_without_teacher_is_the_weighted_cross_entropy():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(9, 2, generator=generator)
    labels = torch.tensor([0, 1, 0, 0, 1, 1, 0, 0, 0])
    weights = torch.tensor([0.6, 2.5])
    expected = torch.nn.functional.cross_entropy(logits, labels, weight=weights)
    assert torch.allclose(soft_target_loss(logits, labels, None, weights), expected)
    # one-hot soft targets are the same thing
    assert torch.allclose(soft_target_loss(logits, labels, labels.float(), weights), expected)


def test_soft_target_loss_is_lowest_where_the_model_predicts_the_blend():
    labels = torch.tensor([1])
    target = torch.tensor([0.7])  # e.g. label spam blended with a doubtful teacher
    losses = {}
    for p in (0.5, 0.7, 0.99):
        logit = torch.tensor([[0.0, float(np.log(p / (1 - p)))]])
        losses[p] = float(soft_target_loss(logit, labels, target, None))
    assert losses[0.7] < losses[0.5] and losses[0.7] < losses[0.99]


def test_out_of_fold_scores_come_from_models_that_did_not_see_the_row():
    spam = [f"free prize {i} call now claim cash winner" for i in range(30)]
    ham = [f"see you at lunch {i} tomorrow ok" for i in range(30)]
    # a mislabelled row: in-sample fitting pulls it towards its (wrong) label; out of fold it looks like ham
    texts = [*spam, *ham, "see you at lunch tomorrow then ok"]
    labels = np.array([1] * 30 + [0] * 30 + [1])
    oof = out_of_fold_spam_proba(texts, labels, folds=5, seed=1)
    in_sample = baseline_spam_proba(fit_baseline(texts, labels, seed=1), texts)
    assert oof.shape == (61,) and ((oof >= 0) & (oof <= 1)).all()
    assert oof[-1] < 0.5 and oof[-1] < in_sample[-1]
    assert oof[:30].mean() > 0.8 and oof[30:60].mean() < 0.2


def test_oversample_indices_keep_extras_with_their_rows():
    langs = ["ko", "ko", "ko", "ko", "en"]
    indices = oversample_indices(langs, max_factor=3)
    assert indices == [0, 1, 2, 3, 4, 4, 4]
    texts, labels = oversample_languages(["a", "b", "c", "d", "e"], [0, 0, 1, 0, 1], langs, 3)
    assert texts == ["a", "b", "c", "d", "e", "e", "e"] and labels == [0, 0, 1, 0, 1, 1, 1]


def test_soft_targets_reach_the_loss_inside_the_trainer(tmp_path):
    """Same data, init and seed; only the soft targets differ, so the trained weights must differ.

    The Trainer drops batch keys that model.forward does not name unless told not to; that once made
    distillation a silent no-op (the two runs below came out bit-identical).
    """
    from models.encoder import build_model, train_wordpiece_tokenizer
    from tasks.train.encoder_training import train_encoder

    texts = [f"free prize {i} call now" for i in range(8)] + [f"lunch at {i} tomorrow" for i in range(8)]
    labels = [1] * 8 + [0] * 8
    tokenizer = train_wordpiece_tokenizer(texts, tmp_path / "tokenizer", vocab_size=300, min_frequency=1, max_seq_len=16)
    trained_weights = {}
    for name, soft in (("hard", None), ("soft", [0.5] * len(texts))):
        model = build_model("tiny", len(tokenizer), tokenizer.pad_token_id, seed=3)
        train_encoder(
            model, tokenizer, texts, labels, texts[:4] + texts[-4:], labels[:4] + labels[-4:], tmp_path / name,
            seed=3, max_seq_len=16, epochs=1, batch_size=8, eval_batch_size=8, learning_rate=1e-3, weight_decay=0.0,
            warmup_ratio=0.0, early_stopping_patience=1, class_weighting=False, resume=False, soft_spam_targets=soft,
        )
        trained_weights[name] = model.classifier.weight.detach().clone()
    assert not torch.equal(trained_weights["hard"], trained_weights["soft"])

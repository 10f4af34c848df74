"""The wide half in training: it learns what only character n-grams can tell apart, with its own learning rate."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from models.encoder import (
    SpamEncoderForSequenceClassification,
    SpamWideDeepForSequenceClassification,
    predict_spam_proba,
)
from spamloop.settings.train import TrainConfig
from tasks.train.pipeline import build_encoder, ngram_spec_for

LETTERS = "abcdefghijklmnoprstuvwy"  # no q, x: only the spam marker uses them


def _toy_texts(count: int, seed: int) -> tuple[list[str], list[int]]:
    """Three random made-up words per message; a spam message hides "qx" inside one of its words.

    Every test word is new, so a vocabulary of whole words or word pieces learnt on the training texts has not seen
    it; only the characters inside the words tell the classes apart.
    """
    rng = random.Random(seed)
    texts, labels = [], []
    for index in range(count):
        words = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 7))) for _ in range(3)]
        spam = index % 2
        if spam:
            word = rng.randrange(3)
            cut = rng.randint(1, len(words[word]) - 1)
            words[word] = words[word][:cut] + "qx" + words[word][cut:]
        texts.append(" ".join(words))
        labels.append(spam)
    return texts, labels


def test_wide_half_alone_learns_a_set_only_ngrams_separate(tmp_path):
    from tasks.train.encoder_training import train_encoder

    train_texts, train_labels = _toy_texts(240, seed=1)
    test_texts, test_labels = _toy_texts(120, seed=2)
    assert not set(" ".join(test_texts).split()) & set(" ".join(train_texts).split())
    config = TrainConfig(
        architecture="wide", wide_start="random", wide_learning_rate=1e-2, ngram_buckets=4096, max_ngrams_per_order=32,
        ngram_dim=16, wide_hidden=0, vocab_size=300,
    )
    model, tokenizer = build_encoder(config, train_texts, tmp_path / "tokenizer", seed=3)
    assert isinstance(model, SpamWideDeepForSequenceClassification) and model.deep is None
    outcome = train_encoder(
        model, tokenizer, train_texts, train_labels, test_texts[:40], test_labels[:40], tmp_path / "checkpoints",
        seed=3, max_seq_len=16, epochs=8, batch_size=16, eval_batch_size=64, learning_rate=1e-3, weight_decay=0.0,
        warmup_ratio=0.0, early_stopping_patience=8, class_weighting=False, resume=False,
        wide_learning_rate=config.wide_learning_rate,
    )
    assert outcome.train_losses[-1] < 0.5 * outcome.train_losses[0]
    scores = predict_spam_proba(model, tokenizer, test_texts[40:], 16)
    accuracy = np.mean((scores >= 0.5) == np.asarray(test_labels[40:], dtype=bool))
    assert accuracy >= 0.9, accuracy


def test_wide_parameters_get_their_own_learning_rate(tmp_path):
    from transformers import TrainingArguments

    from tasks.train.encoder_training import ClassWeightedTrainer

    texts = ["free prize now", "see you at lunch"]
    config = TrainConfig(vocab_size=200)
    model, tokenizer = build_encoder(config, texts, tmp_path / "tokenizer", seed=1)
    args = TrainingArguments(output_dir=str(tmp_path / "out"), learning_rate=1e-3, weight_decay=0.01, report_to=[], use_cpu=True)
    trainer = ClassWeightedTrainer(model=model, args=args, wide_learning_rate=2e-2)
    optimizer = trainer.create_optimizer()
    assert trainer.create_optimizer() is optimizer and len(optimizer.param_groups) == 4  # split once, not again
    wide = {id(parameter) for parameter in model.wide.parameters()}
    grouped = [(group["lr"], id(parameter)) for group in optimizer.param_groups for parameter in group["params"]]
    assert sorted(pid for _, pid in grouped) == sorted(id(parameter) for parameter in model.parameters())
    assert {lr for lr, pid in grouped if pid in wide} == {2e-2}
    assert {lr for lr, pid in grouped if pid not in wide} == {1e-3}


@pytest.mark.parametrize("architecture", ["wide_deep", "deep", "wide"])
def test_build_encoder_follows_the_architecture(tmp_path, architecture):
    texts = ["free prize now 카지노", "see you at lunch 내일 봐"] * 3
    config = TrainConfig(
        architecture=architecture, vocab_size=200, ngram_buckets=512,
        wide_learning_rate=1e-2 if architecture == "wide" else 0.0,  # alone, the wide half must train
    )
    model, tokenizer = build_encoder(config, texts, tmp_path / "tokenizer", seed=1)
    if architecture == "deep":
        assert isinstance(model, SpamEncoderForSequenceClassification)
        return
    assert isinstance(model, SpamWideDeepForSequenceClassification)
    assert model.ngram_spec == ngram_spec_for(config)
    assert (model.deep is None) == (architecture == "wide")
    assert model.wide.embeddings.weight.shape == (512, config.ngram_dim)
    scores = predict_spam_proba(model, tokenizer, texts, 16)
    assert scores.shape == (6,) and np.isfinite(scores).all()


def test_same_seed_same_wide_half():
    from models.encoder import with_wide_half
    from models.ngrams import NgramSpec

    first, second = (with_wide_half(None, NgramSpec(buckets=256), seed=5) for _ in range(2))
    assert torch.equal(first.wide.embeddings.weight, second.wide.embeddings.weight)

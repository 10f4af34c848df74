"""Evasion augmentation of the train split: per-row draws fixed by (id, seed, epoch), re-drawn each epoch, at the
configured spam/ham rates, re-encoded through the text contract, never applied to dev rows; training still learns."""

from __future__ import annotations

import hashlib

import pytest
from transformers import TrainerControl, TrainerState, TrainingArguments

from models.normalization import model_text
from spamloop.settings.train import TrainConfig
from tasks.sample import synth_ko_v2
from tasks.train.augmentation import AugmentationEpochCallback, EpochAugmentedTexts, TrainAugmentation, row_keys
from tasks.train.contact_clauses import CONTACT_CLAUSES
from tasks.train.pipeline import build_encoder, ngram_spec_for


def _rows(n: int, seed: int, spam_ratio: float = 0.5) -> tuple[list[str], list[int], list[str]]:
    """Synthetic Korean SMS as (model texts, 0/1 labels, message-id-like keys)."""
    rows = synth_ko_v2.generate(n, seed=seed, spam_ratio=spam_ratio)
    texts = [model_text(row.text) for row in rows]
    keys = [hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:16] for i in range(len(rows))]
    return texts, [int(row.label == "spam") for row in rows], keys


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    texts, _, _ = _rows(200, seed=5)
    config = TrainConfig(vocab_size=400, ngram_buckets=4096, max_ngrams_per_order=32)
    model, tokenizer = build_encoder(config, texts, tmp_path_factory.mktemp("tok") / "tokenizer", seed=1)
    return config, model, tokenizer


def _dataset(texts, labels, keys, augmentation, tokenizer, config):
    from tasks.train.encoder_training import EncodedTexts

    spec = ngram_spec_for(config)
    base = EncodedTexts(tokenizer, texts, labels, 48, ngram_spec=spec)
    return EpochAugmentedTexts(base, keys, texts, labels, augmentation, tokenizer, 48, spec)


def _epoch_texts(dataset: EpochAugmentedTexts, epoch: int) -> list[str]:
    dataset.set_epoch(epoch)
    return [dataset.text_at(i)[0] for i in range(len(dataset))]


def test_draws_are_fixed_by_id_seed_and_epoch_and_differ_across_epochs(small_model):
    config, _, tokenizer = small_model
    texts, labels, keys = _rows(300, seed=11)
    augmentation = TrainAugmentation(spam_rate=0.8, ham_rate=0.3, max_stack=2, seed=13)
    first = _dataset(texts, labels, keys, augmentation, tokenizer, config)
    again = _dataset(texts, labels, keys, augmentation, tokenizer, config)
    assert _epoch_texts(first, 0) == _epoch_texts(again, 0)
    assert _epoch_texts(first, 3) == _epoch_texts(again, 3)
    # A row's draw depends on its key, not its position: shuffled rows get the same texts.
    order = list(reversed(range(len(texts))))
    shuffled = _dataset([texts[i] for i in order], [labels[i] for i in order], [keys[i] for i in order], augmentation, tokenizer, config)
    assert _epoch_texts(shuffled, 1) == [_epoch_texts(first, 1)[i] for i in order]
    epoch0, epoch1 = _epoch_texts(first, 0), _epoch_texts(first, 1)
    assert sum(a != b for a, b in zip(epoch0, epoch1, strict=True)) > 0.3 * len(texts)
    other_seed = _dataset(texts, labels, keys, TrainAugmentation(0.8, 0.3, 2, seed=14), tokenizer, config)
    assert _epoch_texts(other_seed, 0) != epoch0


def test_spam_and_ham_rates_are_respected(small_model):
    config, _, tokenizer = small_model
    texts, labels, keys = _rows(1200, seed=12)
    dataset = _dataset(texts, labels, keys, TrainAugmentation(spam_rate=0.7, ham_rate=0.2, max_stack=2, seed=13), tokenizer, config)
    for epoch in (0, 1):
        dataset.set_epoch(epoch)
        applied = [bool(dataset.text_at(i)[1]) for i in range(len(dataset))]
        spam = [a for a, label in zip(applied, labels, strict=True) if label]
        ham = [a for a, label in zip(applied, labels, strict=True) if not label]
        assert len(spam) > 400 and len(ham) > 400
        # An operator that finds nothing to change is skipped, so a picked row is almost always changed.
        assert 0.62 <= sum(spam) / len(spam) <= 0.76, sum(spam) / len(spam)
        assert 0.15 <= sum(ham) / len(ham) <= 0.25, sum(ham) / len(ham)
    no_ham = _dataset(texts, labels, keys, TrainAugmentation(spam_rate=1.0, ham_rate=0.0, max_stack=1, seed=13), tokenizer, config)
    for i, label in enumerate(labels):
        if not label:
            assert no_ham.text_at(i) == (texts[i], ())


def test_contact_clauses_go_to_ham_only_in_its_language_and_leave_the_evasion_draw_alone(small_model):
    config, _, tokenizer = small_model
    texts, labels, keys = _rows(400, seed=16)
    english = ["are we still on for lunch tomorrow?", "I'll be late, start without me", "Happy birthday!! see you sat"]
    texts, labels, keys = texts + english, labels + [0, 0, 0], keys + ["en1", "en2", "en3"]
    evasion_only = _dataset(texts, labels, keys, TrainAugmentation(0.8, 0.5, 2, seed=13), tokenizer, config)
    with_contact = _dataset(texts, labels, keys, TrainAugmentation(0.8, 0.5, 2, seed=13, ham_contact_rate=1.0), tokenizer, config)
    for epoch in (0, 1):
        for dataset in (evasion_only, with_contact):
            dataset.set_epoch(epoch)
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            changed, applied = with_contact.text_at(i)
            if label:  # spam never gets a clause, and its evasion draw is the one it had without clauses
                assert (changed, applied) == evasion_only.text_at(i)
                continue
            assert applied[0] == "contact_clause" and changed.count("[PHONE]") == text.count("[PHONE]") + 1
            # whether the row also gets evasion operators is its own draw, the same as without the clause
            assert bool(applied[1:]) == bool(evasion_only.text_at(i)[1])
            clause_lang = "ko" if any(clause in changed for clause in CONTACT_CLAUSES["ko"]) else "en"
            if not applied[1:]:
                assert any(clause in changed for clause in CONTACT_CLAUSES[clause_lang])
                assert clause_lang == ("en" if keys[i].startswith("en") else "ko")
    off = _dataset(texts, labels, keys, TrainAugmentation(0.0, 0.0, 2, seed=13, ham_contact_rate=0.0), tokenizer, config)
    assert all(off.text_at(i) == (texts[i], ()) for i in range(len(texts)))
    share = _dataset(texts, labels, keys, TrainAugmentation(0.0, 0.0, 2, seed=13, ham_contact_rate=0.25), tokenizer, config)
    hams = [i for i, label in enumerate(labels) if not label]
    picked = sum(bool(share.text_at(i)[1]) for i in hams) / len(hams)
    assert 0.17 <= picked <= 0.33, picked


def test_augmented_rows_are_re_normalised_and_re_encoded(small_model):
    config, _, tokenizer = small_model
    texts, labels, keys = _rows(200, seed=13, spam_ratio=1.0)
    dataset = _dataset(texts, labels, keys, TrainAugmentation(1.0, 0.0, 2, seed=13), tokenizer, config)
    dataset.set_epoch(2)
    spec = ngram_spec_for(config)
    changed = 0
    for i in range(len(dataset)):
        text, applied = dataset.text_at(i)
        item = dataset[i]
        assert item["labels"] == labels[i]
        if applied:
            changed += text != texts[i]  # enclosed and full-width forms alone are folded back by NFKC
            assert text == model_text(text)
            assert item["input_ids"] == tokenizer(text, truncation=True, max_length=48)["input_ids"]
            assert item["ngram_groups"] == spec.group_ids(text)
        else:
            assert item["input_ids"] == tokenizer(texts[i], truncation=True, max_length=48)["input_ids"]
    assert changed > 0.8 * len(texts)


def test_row_keys_number_the_repeats_of_oversampled_rows():
    assert row_keys(["a", "b", "a", "a"]) == ["a", "b", "a#1", "a#2"]


def test_callback_sets_the_epoch_that_begins(small_model):
    config, _, tokenizer = small_model
    texts, labels, keys = _rows(20, seed=14)
    dataset = _dataset(texts, labels, keys, TrainAugmentation(0.5, 0.1, 2, seed=13), tokenizer, config)
    callback = AugmentationEpochCallback(dataset)
    args = TrainingArguments(output_dir="unused", report_to=[], use_cpu=True)
    for progress, expected in ((0.0, 0), (1.0, 1), (2.5, 2), (2.9999999999, 3)):
        callback.on_epoch_begin(args, TrainerState(epoch=progress), TrainerControl())
        assert dataset.epoch == expected


def test_augmentation_needs_one_unique_key_per_row(small_model):
    config, _, tokenizer = small_model
    texts, labels, _ = _rows(4, seed=15)
    with pytest.raises(ValueError, match="unique"):
        _dataset(texts, labels, ["k"] * len(texts), TrainAugmentation(0.5, 0.1, 2, seed=1), tokenizer, config)
    with pytest.raises(ValueError, match="rate"):
        TrainAugmentation(spam_rate=1.5, ham_rate=0.0, max_stack=2, seed=1)


def test_fit_encoder_refuses_augmentation_without_message_ids(small_model, tmp_path):
    import numpy as np

    from tasks.train.pipeline import fit_encoder

    config, model, tokenizer = small_model
    texts, labels, _ = _rows(20, seed=16)
    split = (texts, np.asarray(labels, dtype=bool), ["ko"] * len(texts))
    augmenting = config.model_copy(update={"augment_spam_rate": 0.5, "distill_weight": 0.0})
    with pytest.raises(ValueError, match="message ids"):
        fit_encoder(model, tokenizer, augmenting, 1, split, split, tmp_path / "ckpt", resume=False)


def test_training_with_augmentation_learns_and_never_touches_dev_rows(tmp_path, monkeypatch):
    from tasks.train.encoder_training import train_encoder

    train_texts, train_labels, train_keys = _rows(240, seed=21)
    dev_texts, dev_labels, _ = _rows(60, seed=22)
    assert not set(dev_texts) & set(train_texts)
    seen: list[tuple[str, str, int]] = []
    original = TrainAugmentation.text_for

    def recording(self, key, text, is_spam, epoch):
        seen.append((key, text, epoch))
        return original(self, key, text, is_spam, epoch)

    monkeypatch.setattr(TrainAugmentation, "text_for", recording)
    config = TrainConfig(
        vocab_size=600, ngram_buckets=4096, max_ngrams_per_order=32, wide_start="random", wide_learning_rate=1e-2, ngram_dim=16
    )
    model, tokenizer = build_encoder(config, train_texts, tmp_path / "tokenizer", seed=3)
    epochs = 4
    outcome = train_encoder(
        model, tokenizer, train_texts, train_labels, dev_texts, dev_labels, tmp_path / "checkpoints",
        seed=3, max_seq_len=48, epochs=epochs, batch_size=16, eval_batch_size=64, learning_rate=1e-3, weight_decay=0.0,
        warmup_ratio=0.0, early_stopping_patience=epochs, class_weighting=True, resume=False,
        wide_learning_rate=config.wide_learning_rate,
        augmentation=TrainAugmentation(spam_rate=0.8, ham_rate=0.3, max_stack=2, seed=3), train_keys=train_keys,
    )
    assert outcome.train_losses[-1] < 0.6 * outcome.train_losses[0], outcome.train_losses
    assert outcome.dev_f1_by_epoch[-1] >= 0.8, outcome.dev_f1_by_epoch
    # Every train row was drawn in every epoch (the callback moved the epoch on); no dev text was ever augmented.
    assert {epoch for _, _, epoch in seen} == set(range(epochs))
    assert {(key, epoch) for key, _, epoch in seen} == {(key, epoch) for key in train_keys for epoch in range(epochs)}
    assert not {text for _, text, _ in seen} & set(dev_texts)


def test_a_checkpoint_written_by_early_stopping_counts_as_finished():
    """Resuming such a run must not train on (the fixture run of test_training_run stops early with augmentation on:
    before the fix its resumed twin trained two more epochs, 156 steps against 104)."""
    from tasks.train.encoder_training import _stopped_early

    stopped = TrainerState(stateful_callbacks={"TrainerControl": {"args": {"should_training_stop": True}, "attributes": {}}})
    running = TrainerState(stateful_callbacks={"TrainerControl": {"args": {"should_training_stop": False}, "attributes": {}}})
    assert _stopped_early(stopped) and not _stopped_early(running) and not _stopped_early(TrainerState())

"""base_model: fine-tune a pretrained encoder from a local folder with its own tokenizer (no hub access)."""

from __future__ import annotations

import json

import pytest
from transformers import BertConfig, BertModel

from models.encoder import load_base_model, load_classifier, train_wordpiece_tokenizer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_model_dir(tmp_path_factory, seed_sample):
    """A stand-in for a downloaded checkpoint: a random small BertModel (no classifier head) + its tokenizer."""
    folder = tmp_path_factory.mktemp("local-base-model")
    tokenizer = train_wordpiece_tokenizer(seed_sample["text_norm"].to_list(), folder, vocab_size=1_500, min_frequency=1)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=1, num_attention_heads=2, intermediate_size=128,
        max_position_embeddings=96, pad_token_id=tokenizer.pad_token_id,
    )
    BertModel(config).save_pretrained(str(folder))
    return folder


def test_load_base_model_adds_a_ham_spam_head(base_model_dir):
    model, tokenizer = load_base_model(base_model_dir)
    assert model.config.id2label == {0: "ham", 1: "spam"}
    assert model.config.hidden_size == 64
    assert model.classifier.out_features == 2
    assert tokenizer.get_vocab() == json.loads((base_model_dir / "tokenizer.json").read_text())["model"]["vocab"]


def test_run_training_with_a_local_base_model(base_model_dir, seed_sample, tmp_path):
    """The pretrained encoder takes the wide half by default (architecture wide_deep) and is trained with it."""
    from models.encoder import SpamWideDeepForSequenceClassification
    from spamloop.config import load_config
    from spamloop.settings.train import TrainConfig
    from tasks.train.pipeline import run_training

    config = load_config(state_dir=tmp_path / "state")
    train_config = TrainConfig(
        base_model=str(base_model_dir), epochs=1, learning_rate=5e-4, dev_fraction=0.25,
        log_model=False, misclassified_examples=0, num_threads=1, target_ham_fpr=0.05,
    )
    result = run_training(config, train_config, seed_sample)
    assert result.run_name.startswith(base_model_dir.name)
    model, tokenizer = load_classifier(result.model_dir)
    assert isinstance(model, SpamWideDeepForSequenceClassification)
    assert model.deep.config.model_type == "bert" and model.deep.config.hidden_size == 64
    assert model.config.id2label == {0: "ham", 1: "spam"}
    # The base model's own vocabulary is used, not a newly trained one.
    base_vocab = json.loads((base_model_dir / "tokenizer.json").read_text())["model"]["vocab"]
    assert tokenizer.get_vocab() == base_vocab
    assert result.global_step > 0 and result.encoder_metrics["all"]["n"] == result.n_dev


def test_architecture_deep_fine_tunes_the_base_model_alone(base_model_dir, tmp_path):
    from spamloop.settings.train import TrainConfig
    from tasks.train.pipeline import build_encoder

    model, _ = build_encoder(TrainConfig(base_model=str(base_model_dir), architecture="deep"), [], tmp_path / "tok", seed=1)
    assert model.config.model_type == "bert" and model.classifier.out_features == 2

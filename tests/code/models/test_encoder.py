"""Model presets: what `tiny` and `mini` build, and that the exported computation equals the HF model's."""

from __future__ import annotations

import pytest
import torch

from models.encoder import PRESETS, SpamEncoderConfig, build_model, count_parameters, mean_max_pool
from tasks.export.torch_module import SpamProbabilityModule


def test_tiny_preset_is_bert_sized_with_factorised_embeddings_and_no_shared_layers():
    model = build_model("tiny", vocab_size=8_000, pad_token_id=0, seed=1)
    config = model.config
    assert config.model_type == SpamEncoderConfig.model_type and config.pooling == "cls"
    assert (config.hidden_size, config.num_hidden_layers, config.embedding_size) == (128, 2, 32)
    # one parameter group per layer: nothing is shared, unlike stock ALBERT
    assert config.num_hidden_groups == config.num_hidden_layers and config.inner_group_num == 1
    assert model.albert.embeddings.word_embeddings.weight.shape == (8_000, 32)
    assert config.hidden_dropout_prob == 0.1 and config.id2label == {0: "ham", 1: "spam"}
    full_width_table = 8_000 * 128
    assert count_parameters(model) < full_width_table  # the whole tiny model is smaller than a 128-wide table


def test_mini_preset_has_full_width_embeddings():
    model = build_model("mini", vocab_size=1_000, pad_token_id=0, seed=1)
    assert model.config.hidden_size == model.config.embedding_size == PRESETS["mini"]["hidden_size"] == 256
    assert model.config.num_hidden_layers == 4


def test_mean_max_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, -2.0], [3.0, 0.0], [50.0, 50.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert mean_max_pool(hidden, mask).tolist() == [[2.0, -1.0, 3.0, 0.0]]  # mean of the real states, then max


@pytest.mark.parametrize("pooling", ["mean_max", "cls"])
def test_poolings_differ_only_in_the_head(pooling):
    model = build_model("tiny", vocab_size=500, pad_token_id=0, seed=1, pooling=pooling)
    head_inputs = model.classifier.in_features
    assert head_inputs == (256 if pooling == "mean_max" else 128)
    assert (model.albert.pooler is None) == (pooling == "mean_max")
    with pytest.raises(ValueError, match="unknown pooling"):
        build_model("tiny", vocab_size=500, pad_token_id=0, seed=1, pooling="sum")


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown preset"):
        build_model("huge", vocab_size=100, pad_token_id=0, seed=1)


@pytest.mark.parametrize(("preset", "pooling"), [("tiny", "mean_max"), ("tiny", "cls"), ("mini", "mean_max")])
def test_export_module_matches_the_hf_model_with_padding(preset, pooling):
    model = build_model(preset, vocab_size=500, pad_token_id=0, seed=3, pooling=pooling)
    model.eval()
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 500, (3, 20), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0
    ids[1, 12:] = 0
    with torch.no_grad():
        expected = torch.softmax(model(input_ids=ids, attention_mask=mask).logits, dim=-1)[:, 1]
        got = SpamProbabilityModule(model).eval()(ids.to(torch.int32), mask.to(torch.int32))
    assert torch.allclose(got, expected, atol=1e-6)

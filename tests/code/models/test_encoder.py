"""Model presets: what `tiny` and `mini` build, and that the exported computation equals the HF model's."""

from __future__ import annotations

import pytest
import torch

from models.encoder import PRESETS, build_model, count_parameters
from tasks.export.torch_module import SpamProbabilityModule


def test_tiny_preset_is_bert_sized_with_factorised_embeddings_and_no_shared_layers():
    model = build_model("tiny", vocab_size=8_000, pad_token_id=0, seed=1)
    config = model.config
    assert config.model_type == "albert"
    assert (config.hidden_size, config.num_hidden_layers, config.embedding_size) == (128, 2, 32)
    # one parameter group per layer: nothing is shared, unlike stock ALBERT
    assert config.num_hidden_groups == config.num_hidden_layers and config.inner_group_num == 1
    assert model.albert.embeddings.word_embeddings.weight.shape == (8_000, 32)
    assert config.hidden_dropout_prob == 0.1 and config.id2label == {0: "ham", 1: "spam"}
    full_width_table = 8_000 * 128
    assert count_parameters(model) < full_width_table  # the whole tiny model is smaller than a 128-wide table


def test_mini_preset_is_plain_bert():
    model = build_model("mini", vocab_size=1_000, pad_token_id=0, seed=1)
    assert model.config.model_type == "bert" and model.config.hidden_size == PRESETS["mini"]["hidden_size"]


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown preset"):
        build_model("huge", vocab_size=100, pad_token_id=0, seed=1)


@pytest.mark.parametrize("preset", ["tiny", "mini"])
def test_export_module_matches_the_hf_model_with_padding(preset):
    model = build_model(preset, vocab_size=500, pad_token_id=0, seed=3)
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

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


# --- wide & deep -----------------------------------------------------------------------------------


def _wide_deep(pooling: str = "cls", deep: bool = True, **wide):
    from models.encoder import with_wide_half
    from models.ngrams import NgramSpec

    inner = build_model("tiny", vocab_size=500, pad_token_id=0, seed=3, pooling=pooling) if deep else None
    return with_wide_half(inner, NgramSpec(buckets=1024, max_per_group=16), seed=4, **wide).eval()


def _inputs(model, texts: list[str], width: int | None = None):
    from models.ngrams import padded_batch

    ids, mask = padded_batch(model.ngram_spec.encode_batch(texts), width)
    generator = torch.Generator().manual_seed(0)
    token_ids = torch.randint(5, 500, (len(texts), 12), generator=generator)
    token_mask = torch.ones_like(token_ids)
    token_mask[0, 7:] = 0
    return {
        "input_ids": token_ids, "attention_mask": token_mask,
        "ngram_ids": torch.tensor(ids), "ngram_mask": torch.tensor(mask),
    }


def test_pooling_one_average_per_group_ignores_padding():
    from models.encoder import pool_ngram_groups

    vectors = torch.tensor([[[[1.0, 2.0], [3.0, 4.0], [99.0, 99.0]], [[5.0, 5.0], [7.0, 7.0], [0.0, 0.0]]]])
    mask = torch.tensor([[[1, 1, 0], [0, 0, 0]]])  # the second group is empty
    assert pool_ngram_groups(vectors, mask, "mean").tolist() == [[2.0, 3.0, 0.0, 0.0]]
    sqrtn = pool_ngram_groups(vectors, mask, "sqrtn")
    assert torch.allclose(sqrtn, torch.tensor([[4.0, 6.0, 0.0, 0.0]]) / 2**0.5)


def test_spam_logit_is_deep_plus_wide():
    model = _wide_deep()
    inputs = _inputs(model, ["free prize call now", "안녕 내일 봐"])
    with torch.no_grad():
        logits = model(**inputs).logits
        deep = model.deep(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
        wide = model.wide(inputs["ngram_ids"], inputs["ngram_mask"])
    assert torch.allclose(logits[:, 0], deep[:, 0]) and torch.allclose(logits[:, 1], deep[:, 1] + wide)
    wide_only = _wide_deep(deep=False)
    with torch.no_grad():
        only = wide_only(**inputs).logits
    assert torch.equal(only[:, 0], torch.zeros(2)) and wide_only.deep is None


def test_wide_deep_saves_and_loads_with_the_auto_classes(tmp_path):
    from transformers import AutoModelForSequenceClassification

    from models.encoder import ngram_spec_of

    for name, model in (("both", _wide_deep("mean_max")), ("wide", _wide_deep(deep=False))):
        model.save_pretrained(str(tmp_path / name))
        loaded = AutoModelForSequenceClassification.from_pretrained(str(tmp_path / name), local_files_only=True).eval()
        assert ngram_spec_of(loaded) == ngram_spec_of(model) == model.ngram_spec
        inputs = _inputs(model, ["win cash", "ok"])
        with torch.no_grad():
            assert torch.allclose(loaded(**inputs).logits, model(**inputs).logits, atol=1e-6)
    assert loaded.config.deep is None
    assert ngram_spec_of(build_model("tiny", vocab_size=500, pad_token_id=0, seed=1)) is None


@pytest.mark.parametrize(("pooling", "deep_logit_weight"), [("cls", 1.0), ("mean_max", 1.0), ("cls", 0.5)])
def test_export_module_matches_the_wide_deep_model_at_the_fixed_ngram_width(pooling, deep_logit_weight):
    model = _wide_deep(pooling, wide_pooling="sqrtn", deep_logit_weight=deep_logit_weight)
    texts = ["WINNER!! claim your prize", "카지노 무료 가입", "ok see you"]
    batch = _inputs(model, texts)  # n-grams padded to the batch's longest group, as in training
    fixed = _inputs(model, texts, width=model.ngram_spec.max_per_group)  # as the phone pads them
    module = SpamProbabilityModule(model).eval()
    assert module.ngram_shape == (len(model.ngram_spec.groups), 16)
    assert module.input_names == ("input_ids", "attention_mask", "ngram_ids", "ngram_mask")
    with torch.no_grad():
        expected = torch.softmax(model(**batch).logits, dim=-1)[:, 1]
        got = module(*(fixed[name].to(torch.int32) for name in module.input_names))
    assert torch.allclose(got, expected, atol=1e-6)
    with pytest.raises(ValueError, match="wide-only"):
        SpamProbabilityModule(_wide_deep(deep=False))


def test_wide_logit_dropout_trains_the_encoder_alone_and_serves_the_sum():
    model = _wide_deep(wide_logit_dropout=1.0)
    texts = ["free prize now", "see you at lunch", "카지노 무료 가입"]
    inputs = _inputs(model, texts)
    with torch.no_grad():
        model.wide.output.bias.fill_(3.0)  # a wide logit far from zero in every row
        wide = model.wide(inputs["ngram_ids"], inputs["ngram_mask"])
        deep = model.deep(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
        served = model(**inputs).logits  # eval mode: the sum
        model.train()
        model.deep.eval()  # the encoder's own dropout off, so only the wide logit's removal differs
        trained = model(**inputs).logits
    assert torch.allclose(served[:, 1] - served[:, 0], deep[:, 1] - deep[:, 0] + wide, atol=1e-5)
    assert torch.allclose(trained, deep, atol=1e-5)


def test_deep_logit_weight_shrinks_the_served_encoder_margin_only_and_survives_a_reload(tmp_path):
    from transformers import AutoModelForSequenceClassification

    model = _wide_deep(deep_logit_weight=0.25)
    inputs = _inputs(model, ["free prize call now", "안녕 내일 봐", "카지노 무료 가입"])
    with torch.no_grad():
        wide = model.wide(inputs["ngram_ids"], inputs["ngram_mask"])
        deep = model.deep(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
        served = model(**inputs).logits
        model.train()
        model.deep.eval()
        model.wide.dropout.eval()  # only the weight differs between the two passes
        trained = model(**inputs).logits
        model.eval()
    deep_margin = deep[:, 1] - deep[:, 0]
    assert not torch.allclose(deep_margin, torch.zeros_like(deep_margin))
    assert torch.allclose(served[:, 1] - served[:, 0], 0.25 * deep_margin + wide, atol=1e-5)
    assert torch.allclose(trained[:, 1] - trained[:, 0], deep_margin + wide, atol=1e-5)
    model.save_pretrained(str(tmp_path / "weighted"))
    loaded = AutoModelForSequenceClassification.from_pretrained(str(tmp_path / "weighted"), local_files_only=True).eval()
    assert loaded.config.deep_logit_weight == 0.25
    with torch.no_grad():
        assert torch.allclose(loaded(**inputs).logits, served, atol=1e-6)

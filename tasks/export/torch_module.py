"""The exported computation: token ids + attention mask (+ n-gram ids + mask) -> spam probability, built from the HF
model's own parts.

One module feeds both converters. Core ML cannot convert HF's mask helpers (``new_ones``, 0-d int ops),
so the wrapper builds the additive attention mask itself and calls the embeddings, encoder, pooler and
classifier directly; LiteRT converts the same module, which keeps TFLite and Core ML numerically alike.
A wide & deep model adds its wide half's logit to the deep spam margin: sigmoid(spam - ham + wide), which is
softmax([ham, spam + wide]) of the training graph.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, PreTrainedModel

# Imported for its side effect too: it registers spamloop's own encoder class with the Auto classes.
from models.encoder import (
    SpamEncoderConfig,
    SpamWideDeepConfig,
    SpamWideDeepForSequenceClassification,
    mean_max_pool,
    ngram_spec_of,
)
from models.ngrams import padded_batch
from models.ondevice import NGRAM_INPUTS, TEXT_INPUTS

SPAM_LABEL_ID = 1
# Additive mask value: -1e4 (not finfo.min) so that fp16 Core ML does not overflow to -inf/NaN;
# exp(-1e4) is exactly 0 in fp32, so results match HF's own mask.
MASKED_SCORE = -10_000.0
# spamloop's from-scratch encoder (ALBERT layers, factorised embeddings, cls or mean_max pooling), and plain
# BERT / ALBERT classifiers fine-tuned from a base_model.
# A wide & deep model exports when its deep half is one of these.
EXPORTABLE_MODEL_TYPES = frozenset({SpamEncoderConfig.model_type, "bert", "albert"})


def load_model_for_export(model_dir: Path) -> PreTrainedModel:
    """The trained classifier in eval mode with eager attention (the SDPA path does not convert to Core ML)."""
    model = AutoModelForSequenceClassification.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    )
    model.eval()
    deep_config = model.config.deep if isinstance(model.config, SpamWideDeepConfig) else model.config
    if deep_config is None:
        raise ValueError("a wide-only model (architecture 'wide', an ablation) has no encoder and is not exportable")
    if getattr(deep_config, "model_type", None) not in EXPORTABLE_MODEL_TYPES:
        raise ValueError(
            f"export supports {sorted(EXPORTABLE_MODEL_TYPES)} encoders, got model_type={deep_config.model_type!r}"
        )
    if model.config.num_labels != 2:
        raise ValueError(f"export expects 2 labels (ham, spam), got {model.config.num_labels}")
    return model


class SpamProbabilityModule(torch.nn.Module):
    """input_ids, attention_mask (int32, [batch, seq]) [, ngram_ids, ngram_mask (int32, [batch, groups, k])]
    -> spam probability (float32, [batch])."""

    def __init__(self, model: PreTrainedModel) -> None:
        super().__init__()
        self.wide = model.wide if isinstance(model, SpamWideDeepForSequenceClassification) else None
        spec = ngram_spec_of(model)
        # [groups, k] of the fixed-shape n-gram inputs (None without a wide half).
        self.ngram_shape = None if spec is None else (len(spec.groups), spec.max_per_group)
        self.deep_logit_weight = float(getattr(model.config, "deep_logit_weight", 1.0)) if self.wide is not None else 1.0
        if self.wide is not None:
            model = model.deep
            if model is None:
                raise ValueError("a wide-only model has no encoder and is not exportable")
        base = getattr(model, model.base_model_prefix)  # model.bert or model.albert
        self.embeddings = base.embeddings
        self.encoder = base.encoder
        self.pooler = base.pooler
        # BertPooler takes [CLS] and applies tanh itself; ALBERT's pooler is a bare Linear plus a separate tanh.
        self.pooler_activation = getattr(base, "pooler_activation", None)
        self.pooling = getattr(model.config, "pooling", "cls")
        self.classifier = model.classifier

    @property
    def input_names(self) -> tuple[str, ...]:
        return TEXT_INPUTS + (NGRAM_INPUTS if self.wide is not None else ())

    def sample_inputs(self, seq_len: int) -> dict[str, torch.Tensor]:
        """int32 example inputs of one signature: [1, seq_len] text inputs, [1, groups, k] n-gram inputs."""
        sample = {name: torch.ones((1, seq_len), dtype=torch.int32) for name in TEXT_INPUTS}
        if self.ngram_shape is not None:
            for name in NGRAM_INPUTS:
                sample[name] = torch.ones((1, *self.ngram_shape), dtype=torch.int32)
        return sample

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        ngram_ids: torch.Tensor | None = None,
        ngram_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        seq_len = input_ids.shape[1]
        ids = input_ids.to(torch.int64)
        position_ids = torch.arange(seq_len, dtype=torch.int64).unsqueeze(0)
        hidden = self.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids), position_ids=position_ids)
        additive_mask = (1.0 - attention_mask.to(hidden.dtype)[:, None, None, :]) * MASKED_SCORE
        hidden = self.encoder(hidden, attention_mask=additive_mask).last_hidden_state
        if self.pooling == "mean_max":
            pooled = mean_max_pool(hidden, attention_mask)
        elif self.pooler_activation is None:
            pooled = self.pooler(hidden)
        else:
            pooled = self.pooler_activation(self.pooler(hidden[:, 0]))
        logits = self.classifier(pooled)
        if self.wide is None:
            return torch.softmax(logits, dim=-1)[:, SPAM_LABEL_ID]
        deep_margin = logits[:, SPAM_LABEL_ID] - logits[:, 1 - SPAM_LABEL_ID]
        if self.deep_logit_weight != 1.0:
            deep_margin = deep_margin * self.deep_logit_weight
        margin = deep_margin + self.wide(ngram_ids, ngram_mask)
        return torch.sigmoid(margin)


class NamedOutputModule(torch.nn.Module):
    """Same module with a named output, so the TFLite signature output is called ``spam_probability``."""

    def __init__(self, inner: SpamProbabilityModule) -> None:
        super().__init__()
        self.inner = inner

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        ngram_ids: torch.Tensor | None = None,
        ngram_mask: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        return {"spam_probability": self.inner(input_ids, attention_mask, ngram_ids, ngram_mask)}


@torch.inference_mode()
def torch_spam_probabilities(
    model: PreTrainedModel,
    encoded: list[list[int]],
    pad_id: int,
    batch_size: int = 64,
    texts_model: list[str] | None = None,
) -> list[float]:
    """Reference spam probabilities from the HF model itself (its own mask code, its own training-time n-gram
    batching), for already-encoded ids and, for a wide & deep model, the texts (in model form) they came from."""
    spec = ngram_spec_of(model)
    if spec is not None and (texts_model is None or len(texts_model) != len(encoded)):
        raise ValueError("a wide & deep model needs the texts of the encoded ids for its n-grams")
    scores: list[float] = []
    for start in range(0, len(encoded), batch_size):
        batch = encoded[start : start + batch_size]
        width = max(len(ids) for ids in batch)
        ids = torch.full((len(batch), width), pad_id, dtype=torch.int64)
        mask = torch.zeros((len(batch), width), dtype=torch.int64)
        for row, token_ids in enumerate(batch):
            ids[row, : len(token_ids)] = torch.tensor(token_ids)
            mask[row, : len(token_ids)] = 1
        inputs = {"input_ids": ids, "attention_mask": mask}
        if spec is not None:
            ngram_ids, ngram_mask = padded_batch(spec.encode_batch(texts_model[start : start + batch_size]))
            inputs["ngram_ids"] = torch.tensor(ngram_ids, dtype=torch.int64)
            inputs["ngram_mask"] = torch.tensor(ngram_mask, dtype=torch.int64)
        logits = model(**inputs).logits.float()
        scores.extend(torch.softmax(logits, dim=-1)[:, SPAM_LABEL_ID].tolist())
    return scores

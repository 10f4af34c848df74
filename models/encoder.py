"""The spam encoder: size presets, WordPiece tokenizer training, model building and batch scoring.

Plain Python (no Prefect, no spamloop imports): this module travels inside the MLflow pyfunc model
(``code_paths``) and must load wherever the model is served.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import (
    AlbertConfig,
    AlbertModel,
    AlbertPreTrainedModel,
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertTokenizerFast,
    PreTrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.configuration_utils import SubConfigSpec
from transformers.modeling_outputs import SequenceClassifierOutput

from models.ngrams import NgramSpec, padded_batch
from models.normalization import PLACEHOLDERS

ID2LABEL: dict[int, str] = {0: "ham", 1: "spam"}
LABEL2ID: dict[str, int] = {name: index for index, name in ID2LABEL.items()}
SPAM_LABEL_ID = LABEL2ID["spam"]
BASE_SPECIAL_TOKENS: tuple[str, ...] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# From-scratch encoder sizes, all ALBERT layers with one parameter group per layer (nothing shared, i.e. BERT
# layers). max_position_embeddings bounds max_seq_len (the phone never sees more). ``embedding_size`` (tiny)
# factorises the token embeddings: vocab x 32, then a 32 -> 128 projection. The embedding table is most of a
# tiny model, so this keeps an 8k vocabulary (which English needs: a 4k one is mostly single Hangul syllables)
# inside the phone's 1 MB.
PRESETS: dict[str, dict[str, int]] = {
    "tiny": {
        "hidden_size": 128,
        "embedding_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 512,
        "max_position_embeddings": 128,
    },
    "mini": {
        "hidden_size": 256,
        "embedding_size": 256,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "intermediate_size": 1024,
        "max_position_embeddings": 128,
    },
}


# How a from-scratch encoder turns token states into one vector for the ham/spam head.
#   cls: ALBERT's pooler on the [CLS] state (tanh(W h_cls)), as BERT classifiers do;
#   mean_max: the masked mean and the masked max of the last layer's states, concatenated: "some token is spammy"
#     is one max away instead of having to be routed through [CLS]. Measured within run-to-run noise of cls
#     (docs/experiments/2026-11-deep-encoder.md), so cls stays the default.
POOLINGS: tuple[str, ...] = ("cls", "mean_max")
# Padding positions are pushed this far below any real state before the max: -1e4 rather than -inf keeps fp16
# Core ML finite, and [CLS] is always a real position.
_MAX_POOL_PAD = -10_000.0


def mean_max_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """[batch, seq, h] states and [batch, seq] mask -> [batch, 2h]: masked mean, then masked max.

    Padding never counts. Plain tensor ops (mul, sum, div, max), so TFLite and Core ML convert it as it is.
    """
    mask = attention_mask.to(hidden.dtype).unsqueeze(-1)
    mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
    highest = (hidden + (1.0 - mask) * _MAX_POOL_PAD).max(dim=1).values
    return torch.cat([mean, highest], dim=-1)


class SpamEncoderConfig(AlbertConfig):
    """ALBERT configuration plus how token states are pooled for the ham/spam head."""

    model_type = "spamloop_encoder"

    def __init__(self, pooling: str = "cls", **kwargs: Any):
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {POOLINGS}")
        self.pooling = pooling
        super().__init__(**kwargs)


class SpamEncoderForSequenceClassification(AlbertPreTrainedModel):
    """The from-scratch spam classifier: ALBERT layers, ``config.pooling``, dropout, a linear ham/spam head."""

    config_class = SpamEncoderConfig

    def __init__(self, config: SpamEncoderConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.albert = AlbertModel(config, add_pooling_layer=config.pooling == "cls")
        self.dropout = torch.nn.Dropout(config.classifier_dropout_prob)
        width = config.hidden_size * (2 if config.pooling == "mean_max" else 1)
        self.classifier = torch.nn.Linear(width, config.num_labels)
        self.post_init()

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor, pooled_cls: torch.Tensor | None) -> torch.Tensor:
        """One vector per message from the last layer's states (``pooled_cls``: ALBERT's pooler output)."""
        if self.config.pooling == "mean_max":
            return mean_max_pool(hidden, attention_mask)
        return pooled_cls

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        outputs = self.albert(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            return_dict=True,
        )
        pooled = self.pool(outputs.last_hidden_state, attention_mask, outputs.pooler_output)
        logits = self.classifier(self.dropout(pooled))
        loss = None
        if labels is not None:
            loss = torch.nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)


# Saved models name their class by model_type; registering makes AutoModelForSequenceClassification load them
# wherever this module is imported (training, the pyfunc model via code_paths, export).
# exist_ok: MLflow may import the model's own copy of this module (code_paths) into a process that has it already.
AutoConfig.register(SpamEncoderConfig.model_type, SpamEncoderConfig, exist_ok=True)
AutoModelForSequenceClassification.register(SpamEncoderConfig, SpamEncoderForSequenceClassification, exist_ok=True)

# --- wide & deep -----------------------------------------------------------------------------------

WIDE_POOLINGS: tuple[str, ...] = ("mean", "sqrtn")


def pool_ngram_groups(vectors: torch.Tensor, ngram_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """[batch, groups, k, dim] bucket vectors and [batch, groups, k] mask -> [batch, groups * dim].

    One average per group (CLD3's one per n-gram order), concatenated. ``mean`` divides the masked sum by the
    count, ``sqrtn`` by its square root (fastText/TF's sqrtn combiner: long messages weigh a little more). An
    empty group pools to zeros. Plain mul/sum/div/reshape, so TFLite and Core ML convert it as it is.
    """
    mask = ngram_mask.to(vectors.dtype).unsqueeze(-1)
    summed = (vectors * mask).sum(dim=2)
    count = mask.sum(dim=2).clamp(min=1.0)
    pooled = summed / (count if pooling == "mean" else torch.sqrt(count))
    return pooled.reshape(pooled.shape[0], -1)


class WideNgramHead(torch.nn.Module):
    """Hashed n-gram ids -> one spam logit: a bucket table, one pooled vector per group, a small dense layer."""

    def __init__(self, buckets: int, groups: int, dim: int, hidden: int, pooling: str, dropout: float):
        super().__init__()
        if pooling not in WIDE_POOLINGS:
            raise ValueError(f"unknown wide pooling {pooling!r}; choose one of {WIDE_POOLINGS}")
        self.pooling = pooling
        self.embeddings = torch.nn.Embedding(buckets, dim)
        self.dropout = torch.nn.Dropout(dropout)
        width = groups * dim
        self.hidden = torch.nn.Linear(width, hidden) if hidden else None
        self.output = torch.nn.Linear(hidden or width, 1)

    def load_linear(self, bucket_weights: np.ndarray, intercept: float, group_scales: Sequence[float] | None = None) -> None:
        """Become the linear model ``intercept + sum over groups g and their ids of scale_g * bucket_weights[id] /
        pool(count)``: each bucket vector carries its weight in the first coordinate and the output reads that
        coordinate of every group, times the group's scale (``group_scales``, default 1; the start's
        ``hashed_ngram_matrix`` with the same scales). The other coordinates start at zero (with zero output weights
        they receive no gradient, so they stay so)."""
        if self.hidden is not None:
            raise ValueError("a linear start needs the linear wide layer (wide_hidden 0)")
        table = self.embeddings.weight
        if bucket_weights.shape != (table.shape[0],):
            raise ValueError(f"expected {table.shape[0]} bucket weights, got shape {bucket_weights.shape}")
        dim = table.shape[1]
        groups = self.output.weight.numel() // dim
        scales = [1.0] * groups if group_scales is None else [float(scale) for scale in group_scales]
        if len(scales) != groups:
            raise ValueError(f"expected {groups} group scales, got {len(scales)}")
        with torch.no_grad():
            table.zero_()
            table[:, 0] = torch.as_tensor(bucket_weights, dtype=table.dtype)
            self.output.weight.zero_()
            self.output.weight.view(-1, dim)[:, 0] = torch.as_tensor(scales, dtype=self.output.weight.dtype)
            self.output.bias.fill_(float(intercept))

    def forward(self, ngram_ids: torch.Tensor, ngram_mask: torch.Tensor) -> torch.Tensor:
        """[batch, groups, k] ids and mask -> [batch] logits."""
        features = pool_ngram_groups(self.embeddings(ngram_ids.to(torch.int64)), ngram_mask, self.pooling)
        features = self.dropout(features)
        if self.hidden is not None:
            features = torch.relu(self.hidden(features))
        return self.output(features).squeeze(-1)


class SpamWideDeepConfig(PreTrainedConfig):
    """Wide & deep: an optional deep classifier's config (``deep``) plus the wide half's n-gram contract and sizes."""

    model_type = "spamloop_wide_deep"
    sub_configs_defaults = {
        "deep": SubConfigSpec(config_class=AutoConfig, model_type=SpamEncoderConfig.model_type, optional=True)
    }

    deep: dict | PreTrainedConfig | None = None
    ngram_spec: dict | None = None
    ngram_dim: int = 1
    wide_hidden: int = 0
    wide_pooling: str = "sqrtn"
    wide_dropout: float = 0.1
    wide_logit_dropout: float = 0.0
    deep_logit_weight: float = 1.0
    initializer_range: float = 0.02


class SpamWideDeepForSequenceClassification(PreTrainedModel):
    """spam logit = deep + wide (Cheng et al. 2016), trained jointly; served, the deep margin weighs
    ``deep_logit_weight``.

    ``deep`` is any 2-label sequence classifier (spamloop's from-scratch encoder or a fine-tuned ``base_model``);
    its ham/spam logits get the wide half's logit added to the spam one, so softmax([ham, spam + wide]) is
    sigmoid(deep margin + wide). Without ``deep`` (an ablation) the model is the wide half alone.
    """

    config_class = SpamWideDeepConfig
    main_input_name = "input_ids"
    _supports_sdpa = True

    def __init__(self, config: SpamWideDeepConfig, deep: PreTrainedModel | None = None):
        super().__init__(config)
        if config.ngram_spec is None:
            raise ValueError("a wide & deep model needs config.ngram_spec")
        spec = NgramSpec.from_json(config.ngram_spec)
        if deep is None and config.deep is not None:
            deep = AutoModelForSequenceClassification.from_config(config.deep)
        self.deep = deep
        self.wide = WideNgramHead(
            spec.buckets, len(spec.groups), config.ngram_dim, config.wide_hidden, config.wide_pooling, config.wide_dropout
        )
        self.post_init()

    @property
    def ngram_spec(self) -> NgramSpec:
        return NgramSpec.from_json(self.config.ngram_spec)

    def _init_weights(self, module: torch.nn.Module) -> None:
        # Only the wide half's own modules reach here: the deep sub-model initialises itself.
        if isinstance(module, torch.nn.Embedding | torch.nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
            if getattr(module, "bias", None) is not None:
                torch.nn.init.zeros_(module.bias)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        ngram_ids: torch.Tensor | None = None,
        ngram_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        if ngram_ids is None or ngram_mask is None:
            raise ValueError("a wide & deep model needs ngram_ids and ngram_mask (models.ngrams)")
        wide = self.wide(ngram_ids, ngram_mask)
        drop = self.config.wide_logit_dropout
        if self.training and drop > 0 and self.deep is not None:
            # Rows trained without the wide logit make the encoder a whole classifier of its own, not the residual of
            # a wide half that already fits the training rows (the sum is then an ensemble of the two).
            wide = wide * (torch.rand_like(wide) >= drop).to(wide.dtype)
        logits = torch.stack([torch.zeros_like(wide), wide], dim=-1)  # [ham, spam]: SPAM_LABEL_ID is 1
        if self.deep is not None:
            deep_inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                deep_inputs["token_type_ids"] = token_type_ids
            if position_ids is not None:
                deep_inputs["position_ids"] = position_ids
            deep_logits = self.deep(**deep_inputs).logits
            if not self.training and self.config.deep_logit_weight != 1.0:
                # Served: the encoder's margin shrunk beside the wide start (an ensemble weight; training sees the
                # full margin, so the encoder does not learn to undo it).
                deep_logits = deep_logits * self.config.deep_logit_weight
            logits = logits + deep_logits
        loss = None
        if labels is not None:
            loss = torch.nn.functional.cross_entropy(logits.view(-1, len(ID2LABEL)), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)


AutoConfig.register(SpamWideDeepConfig.model_type, SpamWideDeepConfig, exist_ok=True)
AutoModelForSequenceClassification.register(SpamWideDeepConfig, SpamWideDeepForSequenceClassification, exist_ok=True)


def ngram_spec_of(model: PreTrainedModel) -> NgramSpec | None:
    """The n-gram contract a model reads, or None for a deep-only classifier."""
    spec = getattr(model.config, "ngram_spec", None)
    return None if spec is None else NgramSpec.from_json(spec)


def with_wide_half(
    deep: PreTrainedModel | None,
    spec: NgramSpec,
    seed: int,
    ngram_dim: int = 1,
    wide_hidden: int = 0,
    wide_pooling: str = "sqrtn",
    wide_dropout: float = 0.1,
    wide_logit_dropout: float = 0.0,
    deep_logit_weight: float = 1.0,
) -> SpamWideDeepForSequenceClassification:
    """A wide & deep classifier around ``deep`` (None: the wide half alone), the wide half freshly initialised."""
    torch.manual_seed(seed)
    config = SpamWideDeepConfig(
        # Set on the composite config, the attention implementation reaches the deep config too (else it is reset).
        attn_implementation=None if deep is None else deep.config._attn_implementation,
        deep=None if deep is None else deep.config,
        ngram_spec=spec.to_json(),
        ngram_dim=ngram_dim,
        wide_hidden=wide_hidden,
        wide_pooling=wide_pooling,
        wide_dropout=wide_dropout,
        wide_logit_dropout=wide_logit_dropout,
        deep_logit_weight=deep_logit_weight,
        num_labels=len(ID2LABEL),
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
    )
    return SpamWideDeepForSequenceClassification(config, deep=deep)


def special_tokens() -> list[str]:
    """BERT's special tokens followed by the normalisation placeholders, in vocabulary order."""
    return [*BASE_SPECIAL_TOKENS, *PLACEHOLDERS]


def train_wordpiece_tokenizer(
    texts: Iterable[str],
    out_dir: Path,
    vocab_size: int = 8_000,
    min_frequency: int = 2,
    max_seq_len: int = 64,
    limit_alphabet: int = 4_000,
) -> PreTrainedTokenizerBase:
    """Train a lower-casing WordPiece vocabulary on normalised texts and save it as a BertTokenizerFast.

    ``strip_accents=False`` matters: BERT's accent stripping runs NFD, which would split every Hangul
    syllable into jamo. Placeholders such as ``[URL]`` are special tokens: never split, never lower-cased.
    ``limit_alphabet`` is large because Korean has thousands of distinct syllables.

    The same texts always give the same vocabulary (see ``wordpiece_vocab``), so a retrain on unchanged
    data reproduces the model.
    """
    vocab = wordpiece_vocab(texts, vocab_size, min_frequency, limit_alphabet)
    return tokenizer_from_vocab(vocab, out_dir, max_seq_len)


def tokenizer_from_vocab(vocab: dict[str, int], out_dir: Path, max_seq_len: int = 64) -> PreTrainedTokenizerBase:
    """spamloop's BertTokenizerFast (lower-casing, no accent stripping, placeholders special) over a given
    vocabulary (token -> id), saved to ``out_dir``."""
    tokenizer = BertTokenizerFast(
        vocab=vocab,
        do_lower_case=True,
        strip_accents=False,
        tokenize_chinese_chars=True,
        model_max_length=max_seq_len,
    )
    tokenizer.add_special_tokens({"additional_special_tokens": list(PLACEHOLDERS)})
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(out_dir))
    return tokenizer


# Continuation characters are renamed into Unicode plane 15 (private use) while the BPE trainer runs.
_CONTINUATION_BASE = 0xF0000


def wordpiece_vocab(texts: Iterable[str], vocab_size: int, min_frequency: int, limit_alphabet: int) -> dict[str, int]:
    """A WordPiece vocabulary (token -> id) learnt by the ``tokenizers`` BPE trainer, the same on every run.

    The library's WordPiece trainer numbers ``##`` pieces in hash-map order, and it breaks ties between
    equally frequent merges by those numbers, so two runs on the same texts learnt different vocabularies
    (about 0.4% of tokens, and different ids for half of them). Here BERT's own normaliser and
    pre-tokeniser split the words; every non-initial character becomes its own private-use character, so
    the trainer sees only plain characters, which it numbers in code-point order; the alphabet is cut to
    ``limit_alphabet`` in Python with ties broken by character. The learnt merges are the WordPiece ones:
    a token that starts with a renamed character is a ``##`` piece.
    """
    from collections import Counter

    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True)
    splitter = pre_tokenizers.BertPreTokenizer()
    word_counts: Counter[str] = Counter()
    for text in texts:
        for placeholder in PLACEHOLDERS:
            text = text.replace(placeholder, " ")
        word_counts.update(word for word, _ in splitter.pre_tokenize_str(normalizer.normalize_str(text)))

    char_counts: Counter[str] = Counter()
    for word, count in word_counts.items():
        for char in word:
            char_counts[char] += count
    alphabet = sorted(sorted(char_counts), key=lambda char: -char_counts[char])[:limit_alphabet]
    continuation = {char: chr(_CONTINUATION_BASE + rank) for rank, char in enumerate(sorted(alphabet))}
    original = {renamed: char for char, renamed in continuation.items()}

    renamed_counts: Counter[str] = Counter()
    for word, count in word_counts.items():
        kept = [char for char in word if char in continuation]
        if kept:
            renamed_counts[kept[0] + "".join(continuation[char] for char in kept[1:])] += count

    bpe = Tokenizer(models.BPE(unk_token="[UNK]"))
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=special_tokens(), show_progress=False)
    # One line per distinct word, repeated by its count: the trainer's counts equal the corpus's.
    bpe.train_from_iterator((" ".join([word] * count) for word, count in sorted(renamed_counts.items())), trainer=trainer)

    def as_wordpiece(token: str) -> str:
        if token and token[0] in original:
            return "##" + "".join(original[char] for char in token)
        return "".join(original.get(char, char) for char in token)

    learnt = [as_wordpiece(token) for token, _ in sorted(bpe.get_vocab().items(), key=lambda item: item[1])]
    return canonical_vocab({token: index for index, token in enumerate(learnt)})


def canonical_vocab(vocab: dict[str, int]) -> dict[str, int]:
    """The same tokens in a fixed order: special tokens first, then every other token sorted by its text.

    Ids decide which random embedding row a token starts from, so a stable order makes training on the
    same data reproducible. WordPiece matching uses the strings only, so re-numbering changes no encoding.
    """
    specials = [token for token in special_tokens() if token in vocab]
    special_set = set(specials)
    others = sorted(token for token in vocab if token not in special_set)
    return {token: index for index, token in enumerate([*specials, *others])}


def load_tokenizer(folder: str | Path) -> PreTrainedTokenizerBase:
    """Load a saved tokenizer from a local folder (never the hub)."""
    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def build_model(preset: str, vocab_size: int, pad_token_id: int, seed: int, pooling: str = "cls") -> PreTrainedModel:
    """A randomly initialised classifier of the given preset with ham/spam labels.

    Every preset is ALBERT layers with one parameter group per layer (nothing shared), i.e. BERT layers, with
    ``embedding_size``-wide token embeddings and ``pooling`` (``POOLINGS``) in front of the head.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    torch.manual_seed(seed)
    sizes = dict(PRESETS[preset])
    config = SpamEncoderConfig(
        pooling=pooling,
        vocab_size=vocab_size,
        pad_token_id=pad_token_id,
        num_labels=len(ID2LABEL),
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
        **sizes,
        num_hidden_groups=sizes["num_hidden_layers"],
        inner_group_num=1,
        hidden_act="gelu",
        # ALBERT defaults to no dropout; a small from-scratch model on a few thousand messages needs it.
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        classifier_dropout_prob=0.1,
    )
    return SpamEncoderForSequenceClassification(config)


def load_base_model(
    base_model: str | Path, local_files_only: bool = False
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A pretrained encoder (hub id or local folder) with a fresh 2-way ham/spam head, and its own tokenizer.

    A hub id resolves only from the local cache while HF_HUB_OFFLINE=1 (spamloop's default, see
    spamloop/runtime.py); an operator who allows downloads sets HF_HUB_OFFLINE=0.
    """
    tokenizer = AutoTokenizer.from_pretrained(str(base_model), local_files_only=local_files_only)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base_model),
        num_labels=len(ID2LABEL),
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
        local_files_only=local_files_only,
        ignore_mismatched_sizes=True,
    )
    return model, tokenizer


def load_classifier(folder: str | Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A trained ham/spam classifier and its tokenizer, both from one local folder."""
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    return model, load_tokenizer(folder)


def model_inputs(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts_model: Sequence[str], max_seq_len: int
) -> dict[str, torch.Tensor]:
    """A padded batch for ``model``: WordPiece ids and mask, plus n-gram ids and mask when it has a wide half."""
    encoded = dict(tokenizer(list(texts_model), truncation=True, max_length=max_seq_len, padding=True, return_tensors="pt"))
    spec = ngram_spec_of(model)
    if spec is not None:
        ids, mask = padded_batch(spec.encode_batch(texts_model))
        encoded["ngram_ids"] = torch.tensor(ids, dtype=torch.int64)
        encoded["ngram_mask"] = torch.tensor(mask, dtype=torch.int64)
    return encoded


@torch.inference_mode()
def predict_spam_proba(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts_model: Sequence[str],
    max_seq_len: int = 64,
    batch_size: int = 128,
) -> np.ndarray:
    """Spam probabilities (float64, softmax over the two logits) for texts already in model form (``model_text``)."""
    was_training = model.training
    model.eval()
    scores: list[np.ndarray] = []
    try:
        for start in range(0, len(texts_model), batch_size):
            batch = list(texts_model[start : start + batch_size])
            encoded = model_inputs(model, tokenizer, batch, max_seq_len)
            encoded = {name: tensor.to(model.device) for name, tensor in encoded.items()}
            logits = model(**encoded).logits.float()
            scores.append(torch.softmax(logits, dim=-1)[:, SPAM_LABEL_ID].cpu().numpy().astype(np.float64))
    finally:
        model.train(was_training)
    if not scores:
        return np.zeros(0, dtype=np.float64)
    return np.concatenate(scores)


def count_parameters(model: torch.nn.Module) -> int:
    """Trainable parameters in the model."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def model_summary(model: PreTrainedModel) -> dict[str, Any]:
    """Sizes worth logging as MLflow params (the deep half's, for a wide & deep model)."""
    config = model.config
    if isinstance(config, SpamWideDeepConfig):
        config = config.deep if config.deep is not None else SpamWideDeepConfig()
    return {
        "model_type": getattr(model.config, "model_type", None),
        "pooling": getattr(config, "pooling", "cls"),
        "hidden_size": getattr(config, "hidden_size", None),
        "embedding_size": getattr(config, "embedding_size", getattr(config, "hidden_size", None)),
        "num_hidden_layers": getattr(config, "num_hidden_layers", None),
        "num_attention_heads": getattr(config, "num_attention_heads", None),
        "intermediate_size": getattr(config, "intermediate_size", None),
        "model_vocab_size": getattr(config, "vocab_size", None),
        "parameters": count_parameters(model),
    }

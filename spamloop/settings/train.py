from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from models.evasion import OPERATOR_NAMES
from spamloop.settings import SettingsSection


# Peak learning rates measured per model (docs/training.md): a from-scratch mini at tiny's 1e-3 diverged to
# chance (train loss 0.21 -> 0.69 in epoch 2); pretrained checkpoints are fine-tuned gently, as BERT's are.
PRESET_LEARNING_RATES: dict[str, float] = {"tiny": 1e-3, "mini": 3e-4}
BASE_MODEL_LEARNING_RATE = 5e-5


class TrainConfig(SettingsSection):
    """How the spam encoder and its TF-IDF baseline are trained, evaluated and logged."""

    preset: Literal["tiny", "mini"] = Field(
        default="tiny",
        description="From-scratch encoder size: tiny (hidden 128, 2 layers, ALBERT-factorised 32-wide embeddings "
        "so int8 fits 1 MB; default and CI) or mini (hidden 256, 4 layers, 256-wide embeddings).",
    )
    pooling: Literal["cls", "mean_max"] = Field(
        default="cls",
        description="How a from-scratch encoder pools token states for its ham/spam head: cls (the [CLS] pooler, as "
        "BERT classifiers do) or mean_max (masked mean and max of the last layer, concatenated; measured within noise "
        "of cls, docs/experiments/2026-11-deep-encoder.md). Ignored with base_model.",
    )
    base_model: str | None = Field(
        default=None,
        description="HF model id or local folder to fine-tune instead of a from-scratch preset; uses its own tokenizer. "
        "It takes the wide half too unless architecture is deep.",
    )
    architecture: Literal["wide_deep", "deep", "wide"] = Field(
        default="wide_deep",
        description="wide_deep: spam logit = deep (the encoder over WordPiece ids) + wide (hashed character and Hangul-"
        "jamo n-grams, models/ngrams.py), trained jointly; deep: the encoder alone (bundle format 1); wide: the n-gram "
        "half alone (an ablation, not exportable). Measured in bench/cv.py (docs/training.md, docs/experiments).",
    )
    ngram_buckets: int = Field(
        default=1 << 18, ge=2, le=1 << 22,
        description="Rows of the wide half's hashed n-gram table (ids are FNV-1a 32 modulo this). With ngram_dim it "
        "sets most of the wide half's size: the int8 file stores ngram_dim bytes per row with one scale per table "
        "(export.int8_embedding_scales per_tensor), 262 kB at 2^18 x 1 as at 2^14 x 16.",
    )
    ngram_dim: int = Field(
        default=1, ge=1, le=256,
        description="Width of each n-gram bucket vector. 1 (default): one weight per bucket, as the logistic start "
        "fills it; a wider vector only pays with a trained, random start.",
    )
    char_orders: tuple[int, ...] = Field(
        default=(1, 2, 3, 4, 5),
        description="Character n-gram orders of the wide half (each word padded with spaces). 1-5 (default): with "
        "wide_start_c 3 the start ranks unseen spam subtypes better than 1-4 and holds its ranking when the training "
        "rows change a little (docs/experiments/2026-12-wide-deep.md section 17).",
    )
    jamo_orders: tuple[int, ...] = Field(
        default=(2, 3, 4),
        description="Hangul jamo n-gram orders (syllables decomposed into lead/vowel/tail, so 캬즤노 shares features "
        "with 카지노); empty for none.",
    )
    max_ngrams_per_order: int = Field(
        default=256, ge=1, le=1024,
        description="Distinct n-gram ids kept per order and message (the first ones in text order): the width of the "
        "ngram_ids input the phone fills. At 256 two in 10,000 seed messages lose their tail; at 64, 18 % did (37 % of the English).",
    )
    wide_hidden: int = Field(
        default=0, ge=0, le=1024,
        description="Units of a dense ReLU layer between the pooled n-gram vectors and the wide logit; 0 (default) is "
        "one linear layer straight to the logit (measured better than 64 units in bench/cv.py, docs/experiments).",
    )
    wide_pooling: Literal["mean", "sqrtn"] = Field(
        default="sqrtn",
        description="How each order's bucket vectors are pooled: sum / sqrt(count) (sqrt-n, default: with de-duplicated "
        "ids it is an L2-normalised bag, like the TF-IDF baseline's rows) or the masked mean (CLD3).",
    )
    wide_learning_rate: float | None = Field(
        default=0.0, ge=0,
        description="Peak learning rate of the wide half's parameters (the encoder keeps learning_rate); empty: "
        "learning_rate for both; 0 (default): the wide half keeps its logistic start and the encoder learns the rest "
        "(trained jointly, the wide half followed the encoder's fit of the training templates and generalised worse; "
        "docs/experiments/2026-12-wide-deep.md). A random start needs a rate: 1e-2 (hashed n-grams learn slowly at 1e-3).",
    )
    wide_start: Literal["random", "logistic"] = Field(
        default="logistic",
        description="How the wide half starts: the weights of a balanced logistic regression fitted (seconds) on the "
        "same hashed n-gram features of the train rows as the first epochs' augmentation draws them "
        "(tasks/train/wide_start.py; needs wide_hidden 0), or random vectors.",
    )
    wide_start_c: float = Field(
        default=3.0, gt=0,
        description="Inverse L2 strength of the wide_start logistic regression. 3 (default; the baseline's is 10): at "
        "10 a change of a few training rows moved whole unseen spam subtypes across the threshold (section 17).",
    )
    wide_start_jamo_scale: float = Field(
        default=0.3, ge=0, le=1,
        description="Scale of the jamo groups' features in the wide_start regression; the wide half weighs their "
        "pooled values by the same scale, so the phone's inputs do not change. Below 1 the regression leans on the "
        "jamo n-grams only where the character n-grams do not separate the rows; 0 fits without them. 0.3 (default): "
        "level with leaving them out on unseen subtypes, and the look-alike spellings keep their shared features.",
    )
    wide_dropout: float = Field(default=0.1, ge=0, lt=1, description="Dropout on the pooled n-gram vectors while training.")
    wide_logit_dropout: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of training rows whose wide logit is left out of the sum (training only), so the encoder "
        "learns to classify them alone; 1: the encoder trains as a classifier of its own and the shipped logit is the "
        "sum of two whole models. At 0, next to a frozen logistic start that already fits the training rows, the "
        "encoder learnt only a constant; 0.5 (default) measured best on the real rows and on hams with a phone number "
        "(docs/experiments/2026-12-wide-deep.md section 10).",
    )
    deep_logit_weight: float = Field(
        default=0.5, ge=0, le=1,
        description="Weight of the encoder's margin in the served logit (wide + weight x deep; training uses the full "
        "margin). 0.5 (default) measured better than 1 on held-out spam subtypes and templates (bench/deep_weight.py; "
        "docs/experiments/2026-12-wide-deep.md section 16); 0 serves the frozen wide start alone.",
    )
    vocab_size: int = Field(
        default=4_000, ge=200, le=64_000,
        description="WordPiece vocabulary size (from-scratch presets). 4,000 with the wide half, which carries the "
        "characters, so the int8 file stays under 1 MB (bench/ondevice.py; sizes in docs/training.md).",
    )
    tokenizer_min_frequency: int = Field(
        default=2, ge=1, description="A token must occur this often in the training texts to enter the vocabulary."
    )
    max_seq_len: int = Field(default=64, ge=8, le=512, description="Tokens per message after truncation (phone uses the same).")
    epochs: float = Field(default=6.0, gt=0, description="Training epochs (upper bound; early stopping may end sooner).")
    max_steps: int = Field(default=-1, description="If > 0, stop after this many optimiser steps (benchmarks, smoke runs).")
    batch_size: int = Field(default=32, ge=1, description="Training batch size per step.")
    eval_batch_size: int = Field(default=128, ge=1, description="Batch size for evaluation and scoring.")
    learning_rate: float | None = Field(
        default=None,
        gt=0,
        description="Peak learning rate; empty picks the measured one for the model (PRESET_LEARNING_RATES): tiny 1e-3 "
        "(best with distillation, English 5-fold CV; 2e-3 diverged on one fold), mini 3e-4 (1e-3 diverged to chance), "
        "base_model 5e-5 (fine-tuning a pretrained encoder). docs/training.md.",
    )
    weight_decay: float = Field(default=0.01, ge=0, description="AdamW weight decay.")
    warmup_ratio: float = Field(default=0.06, ge=0, lt=1, description="Fraction of steps with linear learning-rate warm-up.")
    early_stopping_patience: int = Field(
        default=2, ge=1, description="Epochs without dev F1 improvement before training stops."
    )
    class_weighting: bool = Field(
        default=True, description="Weight the cross-entropy by inverse class frequency on the train split (spam is rare)."
    )
    max_language_oversample: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Repeat training rows of smaller languages up to this many times so each language weighs about "
        "the same (1 disables). The bundled corpus is ~3/4 Korean.",
    )
    distill_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of the training target that comes from the TF-IDF baseline's out-of-fold spam probability "
        "(knowledge distillation; 0 trains on hard labels only). It carries the baseline's evidence where labelled data "
        "is thin (the English quarter), but also its doubt about transactional hams. 0.5 with the wide half: 0.9 and "
        "0.7 cost Korean ranking, 0 cost the real rows' (bench/cv.py, docs/experiments/2026-12-wide-deep.md); the deep "
        "encoder alone was best at 0.9.",
    )
    augment_spam_rate: float = Field(
        default=0.8, ge=0, le=1,
        description="Share of spam training rows that get a fresh stack of evasion operators (models/evasion.py) each "
        "epoch, drawn from (message id, seed, epoch) and re-normalised like any text; 0 with augment_ham_rate 0: off. "
        "Only the train split is augmented. 0.8 with ham 0.5: against off, held-out-subtype recall and every operator's "
        "recall drop improved in bench/korean.py (docs/training.md).",
    )
    augment_ham_rate: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of ham training rows augmented the same way, so that obfuscation alone never decides the "
        "label (in the corpus only spam is obfuscated).",
    )
    augment_ham_contact_rate: float = Field(
        default=0.07, ge=0, le=1,
        description="Share of ham training rows that get one benign contact clause with a phone number each epoch "
        "('call me at [PHONE]', '[PHONE]로 연락줘'; tasks/train/contact_clauses.py): in the corpus [PHONE] is in 1 of "
        "3,412 English hams and half the English spam, so a friend's number looked like spam. 0.07: test hams with an "
        "unseen contact clause flagged 1.3 % (en) / 1.1 % (ko) against 12.9 % / 17.6 % at 0, ranking level (bench/cv.py, "
        "3 seeds); 0.15 cost recall on an unseen ad kind whose only cue is a booking number "
        "(docs/experiments/2026-12-contact-clauses.md).",
    )
    augment_max_stack: int = Field(
        default=2, ge=1, le=len(OPERATOR_NAMES),
        description="Most evasion operators stacked on one augmented row (each row draws 1..this many).",
    )
    distill_folds: int = Field(
        default=5, ge=2, le=20, description="Cross-validation folds for the baseline's out-of-fold teacher probabilities."
    )
    dev_fraction: float = Field(
        default=0.15, gt=0, lt=0.5, description="Share of campaigns (hash buckets) that go to the dev split."
    )
    target_ham_fpr: float = Field(
        default=0.005, ge=0, lt=1, description="Highest ham false-positive rate on dev that the operating threshold may give."
    )
    # models.metrics.ThresholdRule, spelled out: importing models.metrics loads scikit-learn into every config user
    threshold_rule: Literal["pooled", "every_language", "every_language_and_ham_group"] = Field(
        default="every_language",
        description="How the operating threshold meets target_ham_fpr on dev: 'every_language' (pooled and in each "
        "language with at least 1/target dev hams; the highest of those thresholds), 'every_language_and_ham_group' "
        "(also in each ham group, transactional notices and personal messages, with that many dev hams, so that the "
        "notices a filter must never block are held to the target on their own) or 'pooled' (all dev hams together, "
        "so the language with most hams sets it). Applies to the encoder and the TF-IDF baseline alike.",
    )
    seed: int | None = Field(default=None, description="Training seed; None means SpamloopConfig.seed.")
    num_threads: int | None = Field(default=None, ge=1, description="torch CPU threads; None means os.cpu_count().")
    max_train_rows: int | None = Field(
        default=None, ge=10, description="If set, a deterministic (hash-ordered) subsample of the train split of this size."
    )
    baseline_ngram_range: tuple[int, int] = Field(
        default=(2, 5), description="Character n-gram range (char_wb) of the TF-IDF baseline."
    )
    baseline_c: float = Field(default=10.0, gt=0, description="Inverse L2 strength of the baseline's LogisticRegression.")
    misclassified_examples: int = Field(
        default=200, ge=0, description="Most misclassified dev messages (text_norm only) logged as an MLflow table."
    )
    log_model: bool = Field(default=True, description="Log the encoder and baseline as MLflow models.")
    resume: bool = Field(
        default=True, description="Resume from the newest checkpoint in <state>/runs/<run>/checkpoints if one exists."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto",
        description="Where the Trainer runs: auto (CUDA when available, e.g. on the train-gpu work pool), cpu, "
        "or cuda (fails without a GPU rather than silently training on CPU).",
    )

    @property
    def effective_learning_rate(self) -> float:
        """``learning_rate`` if set, else the measured one for ``base_model`` or the preset."""
        if self.learning_rate is not None:
            return self.learning_rate
        return BASE_MODEL_LEARNING_RATE if self.base_model else PRESET_LEARNING_RATES[self.preset]

    @property
    def wide(self) -> bool:
        """Whether the model has the n-gram half."""
        return self.architecture in ("wide_deep", "wide")

    @property
    def deep(self) -> bool:
        """Whether the model has the encoder over WordPiece ids."""
        return self.architecture in ("wide_deep", "deep")

    @model_validator(mode="after")
    def _check_ngram_range(self) -> TrainConfig:
        low, high = self.baseline_ngram_range
        if not 1 <= low <= high:
            raise ValueError(f"baseline_ngram_range must satisfy 1 <= low <= high, got {self.baseline_ngram_range}")
        for name in ("char_orders", "jamo_orders"):
            orders = getattr(self, name)
            if any(order < 1 or order > 8 for order in orders) or len(set(orders)) != len(orders):
                raise ValueError(f"{name} must be distinct orders from 1 to 8, got {orders}")
        if self.wide and not (self.char_orders or self.jamo_orders):
            raise ValueError("the wide half needs at least one n-gram order (char_orders or jamo_orders)")
        if self.wide_start == "logistic" and self.wide and self.wide_hidden:
            raise ValueError("wide_start 'logistic' needs the linear wide layer (wide_hidden 0)")
        if self.wide_learning_rate == 0 and (self.architecture == "wide" or self.wide_start != "logistic"):
            raise ValueError("wide_learning_rate 0 keeps the wide half as it starts: it needs wide_start 'logistic' and an encoder")
        if self.architecture == "wide" and self.base_model:
            raise ValueError("architecture 'wide' has no encoder: base_model would be ignored")
        return self

"""Evasion augmentation of the train split, on the fly (issue 23 item 4).

In the corpus only spam is obfuscated, so a model can learn "obfuscated means spam" and both miss spam written in a
trick it has not seen and flag ham that happens to look odd. Each epoch, every training row is given a fresh draw:
a share of spam (``spam_rate``) and a smaller share of ham (``ham_rate``) get a stack of 1..``max_stack`` evasion
operators (``models/evasion.py``). The draw is deterministic from (row key, seed, epoch), so a resumed run sees the
same texts. An augmented text goes through the text contract again (``model_text``: NFKC folds enclosed and
full-width forms) and then the same WordPiece and n-gram encoding as any text: the on-device contract is unchanged.
Only the train split is augmented; dev, evaluation and gold rows never pass through here. A distillation target
stays the teacher's score for the original row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedTokenizerBase, TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from models import evasion
from models.ngrams import NgramSpec
from models.normalization import model_text
from tasks.train.contact_clauses import add_contact_clause


@dataclass(frozen=True)
class TrainAugmentation:
    """Which rows get evasion operators: ``spam_rate`` of spam, ``ham_rate`` of ham, stacks of 1..``max_stack``; and
    which ham rows get a contact clause with a phone number first (``ham_contact_rate``, ``contact_clauses.py``)."""

    spam_rate: float
    ham_rate: float
    max_stack: int
    seed: int
    ham_contact_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("spam_rate", "ham_rate", "ham_contact_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.max_stack < 1:
            raise ValueError(f"max_stack must be >= 1, got {self.max_stack}")

    @property
    def enabled(self) -> bool:
        return self.spam_rate > 0 or self.ham_rate > 0 or self.ham_contact_rate > 0

    def text_for(self, key: str, text: str, is_spam: bool, epoch: int) -> tuple[str, tuple[str, ...]]:
        """The model text this row trains on in ``epoch`` and the operators that changed it (none: ``text`` itself)."""
        changed, applied = text, ()
        if not is_spam and self.ham_contact_rate > 0:
            # Its own stream, so turning the clause on leaves every row's evasion draw as it was.
            contact_rng = evasion.example_rng(f"{key}#contact", self.seed, epoch)
            if contact_rng.random() < self.ham_contact_rate:
                changed, applied = add_contact_clause(changed, contact_rng), ("contact_clause",)
        rate = self.spam_rate if is_spam else self.ham_rate
        if rate > 0:
            changed, operators = evasion.Augmenter(rate=rate, max_stack=self.max_stack)(changed, evasion.example_rng(key, self.seed, epoch))
            applied = (*applied, *operators)
        return (model_text(changed), applied) if applied else (text, ())


def row_keys(ids: Sequence[str]) -> list[str]:
    """One augmentation key per training row: the message id, with ``#n`` for the n-th repeat of an oversampled row
    (so repeats of a row get different draws, as independent examples would)."""
    seen: dict[str, int] = {}
    keys = []
    for row_id in ids:
        copy = seen.get(row_id, 0)
        seen[row_id] = copy + 1
        keys.append(row_id if copy == 0 else f"{row_id}#{copy}")
    return keys


class EpochAugmentedTexts(torch.utils.data.Dataset):
    """A training dataset of encoded rows (``base``: an ``EncodedTexts``) whose texts are re-drawn each epoch.

    ``set_epoch`` (called by ``AugmentationEpochCallback`` before the epoch's batches are drawn) picks the draw.
    A row whose draw leaves it unchanged yields the base item; an augmented one is encoded afresh, labels and soft
    targets unchanged.
    """

    def __init__(
        self,
        base: torch.utils.data.Dataset,
        keys: Sequence[str],
        texts_model: Sequence[str],
        labels: Sequence[int],
        augmentation: TrainAugmentation,
        tokenizer: PreTrainedTokenizerBase,
        max_seq_len: int,
        ngram_spec: NgramSpec | None,
        spam_label: int = 1,
    ):
        if not len(base) == len(keys) == len(texts_model) == len(labels):
            raise ValueError(f"rows differ: {len(base)} encoded, {len(keys)} keys, {len(texts_model)} texts, {len(labels)} labels")
        if len(set(keys)) != len(keys):
            raise ValueError("augmentation keys must be unique per row (row_keys() numbers the repeats)")
        self.base = base
        self.keys = list(keys)
        self.texts = list(texts_model)
        self.is_spam = [int(label) == spam_label for label in labels]
        self.augmentation = augmentation
        self.tokenizer = tokenizer
        self.max_seq_len = max_seq_len
        self.ngram_spec = ngram_spec
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.base)

    def text_at(self, index: int) -> tuple[str, tuple[str, ...]]:
        """The model text row ``index`` trains on this epoch, with the operators applied."""
        return self.augmentation.text_for(self.keys[index], self.texts[index], self.is_spam[index], self.epoch)

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = self.base[index]
        text, applied = self.text_at(index)
        if not applied:
            return item
        encoded = self.tokenizer(text, truncation=True, max_length=self.max_seq_len)
        item = {**item, **{name: values for name, values in encoded.items()}}
        if self.ngram_spec is not None:
            item["ngram_groups"] = self.ngram_spec.group_ids(text)
        return item


class AugmentationEpochCallback(TrainerCallback):
    """Tells the augmented train dataset which epoch begins (after a resume too: the Trainer restores its epoch)."""

    def __init__(self, dataset: EpochAugmentedTexts):
        self.dataset = dataset

    def on_epoch_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        # state.epoch is the float progress so far (2.0 at the start of the third epoch, 2.5 mid-epoch after a resume).
        self.dataset.set_epoch(math.floor((state.epoch or 0.0) + 1e-6))

"""The n-gram half of the on-device contract: hashed character and Hangul-jamo n-grams of the model text.

Plain Python (no torch, no numpy): training, the MLflow pyfunc, the export's parity gate and the reference
client all call this one implementation, and an Android/iOS port reproduces it from docs/ondevice_contract.md
and checks itself against the committed test vectors (data/contract/ondevice-v2/vectors.json).

Rules (``NGRAM_CONTRACT`` = spamloop-ngrams/1), applied to the model text (``models.normalization.model_text``,
the same string the WordPiece tokenizer reads):

1. Lower-case every code point on its own (Unicode full lower-case mapping of that one character, as the
   tokenizer does; no final-sigma rule), then split into words on Unicode White_Space.
2. Character family (tag ``c``): each word is padded with one space on both sides; an n-gram of order n is
   every run of n consecutive code points of the padded word, left to right. A gram made only of the padding
   space (the two order-1 grams of the padding) is skipped. A padded word shorter than n gives none.
3. Jamo family (tag ``j``): inside each word, every maximal run of Hangul syllables (U+AC00-U+D7A3) and
   conjoining jamo (U+1100-U+11FF) becomes a jamo sequence: a syllable S = 0xAC00 + 588 L + 28 V + T gives
   U+1100+L, U+1161+V and, when T > 0, U+11A7+T (its canonical decomposition); a conjoining jamo stays as it
   is. The sequence is padded with one space on both sides and cut into n-grams as in rule 2.
4. Each group (family, order) in ``groups`` order hashes its grams: id = FNV-1a 32 (offset basis 2166136261,
   prime 16777619) over the UTF-8 bytes of tag + gram, modulo ``buckets``. Ids are de-duplicated within the
   group (the first occurrence keeps its place) and the first ``max_per_group`` are kept.
5. Model input: ``ngram_ids`` int32 [1, groups, max_per_group], the ids of each group followed by padding id
   0; ``ngram_mask`` int32 of the same shape, 1 for a real id and 0 for padding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

NGRAM_CONTRACT = "spamloop-ngrams/1"
NGRAMS_FILE = "ngrams.json"
HASH_NAME = "fnv1a32"
FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193
BOUNDARY = " "
PAD_ID = 0
# One tag character per family, prefixed to each gram before hashing: the same gram in two families hashes apart.
FAMILY_TAGS: dict[str, str] = {"char": "c", "jamo": "j"}

# Unicode White_Space: the set the WordPiece tokenizer splits on (models/ondevice.py).
_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3
_JAMO_FIRST, _JAMO_LAST = 0x1100, 0x11FF
_LEADS, _VOWELS, _TAILS = 0x1100, 0x1161, 0x11A7
_PER_LEAD, _PER_VOWEL = 588, 28


def fnv1a32(data: bytes) -> int:
    """FNV-1a, 32 bits: for each byte, xor it in, then multiply by the FNV prime modulo 2^32."""
    value = FNV_OFFSET_BASIS
    for byte in data:
        value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return value


def decompose_hangul(char: str) -> str:
    """A Hangul syllable's conjoining jamo (lead, vowel[, tail]); any other character unchanged."""
    code = ord(char)
    if not _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
        return char
    index = code - _SYLLABLE_FIRST
    lead, vowel, tail = index // _PER_LEAD, (index % _PER_LEAD) // _PER_VOWEL, index % _PER_VOWEL
    return chr(_LEADS + lead) + chr(_VOWELS + vowel) + (chr(_TAILS + tail) if tail else "")


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST or _JAMO_FIRST <= code <= _JAMO_LAST


class _LowerEachCharacter(dict):
    """str.translate table that lower-cases each code point on its own, filled as characters are met (bounded)."""

    def __missing__(self, code: int) -> str:
        lowered = chr(code).lower()
        if len(self) < 1 << 16:
            self[code] = lowered
        return lowered


_LOWER_EACH_CHARACTER = _LowerEachCharacter()
_WHITESPACE_RUN = re.compile("[" + re.escape("".join(sorted(_WHITESPACE))) + "]+")


def words(text: str) -> list[str]:
    """Rule 1: per-character lower-casing, then the words between White_Space characters."""
    # str.lower on a whole string applies context rules (final sigma); ASCII has none.
    lowered = text.lower() if text.isascii() else text.translate(_LOWER_EACH_CHARACTER)
    return [word for word in _WHITESPACE_RUN.split(lowered) if word]


def jamo_runs(word: str) -> list[str]:
    """Rule 3: the jamo sequences of a word's maximal Hangul runs (syllables decomposed)."""
    runs: list[str] = []
    current: list[str] = []
    for char in word:
        if _is_hangul(char):
            current.append(decompose_hangul(char))
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def padded_grams(unit: str, order: int) -> list[str]:
    """Rules 2 and 3: the order-n grams of `` unit ``, left to right, without grams made only of the padding."""
    padded = BOUNDARY + unit + BOUNDARY
    grams = [padded[start : start + order] for start in range(len(padded) - order + 1)]
    return [gram for gram in grams if gram.strip(BOUNDARY)]


@dataclass(frozen=True)
class NgramSpec:
    """Which n-grams a model reads and how they become ids (the bundle's ngrams.json)."""

    buckets: int = 1 << 18
    char_orders: tuple[int, ...] = (1, 2, 3, 4, 5)
    jamo_orders: tuple[int, ...] = (2, 3, 4)
    max_per_group: int = 256
    contract: str = NGRAM_CONTRACT
    _cache: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    _word_cache: dict[str, tuple[tuple[int, ...], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.contract != NGRAM_CONTRACT:
            raise ValueError(f"unsupported n-gram contract {self.contract!r} (this code implements {NGRAM_CONTRACT})")
        if self.buckets < 2:
            raise ValueError(f"buckets must be >= 2, got {self.buckets}")
        if self.max_per_group < 1:
            raise ValueError(f"max_per_group must be >= 1, got {self.max_per_group}")
        for name, orders in (("char_orders", self.char_orders), ("jamo_orders", self.jamo_orders)):
            if any(order < 1 for order in orders) or len(set(orders)) != len(orders):
                raise ValueError(f"{name} must be distinct orders >= 1, got {orders}")
        if not self.groups:
            raise ValueError("an n-gram spec needs at least one order")

    @property
    def groups(self) -> list[tuple[str, int]]:
        """(family, order) of every group, in input order: the character orders, then the jamo orders."""
        return [("char", order) for order in self.char_orders] + [("jamo", order) for order in self.jamo_orders]

    def bucket(self, family: str, gram: str) -> int:
        """Rule 4: FNV-1a 32 of the UTF-8 bytes of tag + gram, modulo ``buckets``."""
        key = FAMILY_TAGS[family] + gram
        found = self._cache.get(key)
        if found is None:
            found = fnv1a32(key.encode("utf-8")) % self.buckets
            if len(self._cache) < 1 << 20:  # grams repeat across messages; the cache bounds itself
                self._cache[key] = found
        return found

    def word_group_ids(self, word: str) -> tuple[tuple[int, ...], ...]:
        """One word's ids of each group (rules 2-4 on that word and its jamo runs), de-duplicated in order."""
        found = self._word_cache.get(word)
        if found is not None:
            return found
        runs: list[str] | None = None
        groups: list[tuple[int, ...]] = []
        for family, order in self.groups:
            if family == "char":
                units = [word]
            else:
                runs = jamo_runs(word) if runs is None else runs
                units = runs
            ids = dict.fromkeys(self.bucket(family, gram) for unit in units for gram in padded_grams(unit, order))
            groups.append(tuple(ids))
        found = tuple(groups)
        if len(self._word_cache) < 1 << 17:  # words repeat across messages far more than whole texts do
            self._word_cache[word] = found
        return found

    def group_ids(self, text: str) -> list[list[int]]:
        """The de-duplicated, truncated ids of each group (rules 1-4), before padding."""
        # A group's grams are its words' grams in word order, so its ids are the first max_per_group distinct
        # ids of its words' ids chained; per-word ids are cached.
        per_word = [self.word_group_ids(word) for word in words(text)]
        return [
            list(dict.fromkeys(chain.from_iterable(word[group] for word in per_word)))[: self.max_per_group]
            for group in range(len(self.groups))
        ]

    def encode(self, text: str) -> tuple[list[list[int]], list[list[int]]]:
        """Rule 5: (ngram_ids, ngram_mask), each ``len(groups)`` rows of ``max_per_group``."""
        ids: list[list[int]] = []
        mask: list[list[int]] = []
        for group in self.group_ids(text):
            padding = self.max_per_group - len(group)
            ids.append(group + [PAD_ID] * padding)
            mask.append([1] * len(group) + [0] * padding)
        return ids, mask

    def encode_batch(self, texts: Iterable[str]) -> list[list[list[int]]]:
        """Unpadded group ids of each text (what training batches are padded from)."""
        return [self.group_ids(text) for text in texts]

    def to_json(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "hash": HASH_NAME,
            "buckets": self.buckets,
            "groups": [{"family": family, "tag": FAMILY_TAGS[family], "order": order} for family, order in self.groups],
            "max_per_group": self.max_per_group,
            "boundary": BOUNDARY,
            "lowercase": True,
            "dedupe": True,
            "pad_id": PAD_ID,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NgramSpec:
        """Read an ngrams.json; refuses a contract, hash or group layout this code does not implement."""
        if data.get("contract") != NGRAM_CONTRACT:
            raise ValueError(f"unsupported n-gram contract {data.get('contract')!r} (this code implements {NGRAM_CONTRACT})")
        if data.get("hash") != HASH_NAME:
            raise ValueError(f"unsupported n-gram hash {data.get('hash')!r}")
        orders: dict[str, list[int]] = {family: [] for family in FAMILY_TAGS}
        for group in data["groups"]:
            if group["family"] not in FAMILY_TAGS or group.get("tag", FAMILY_TAGS[group["family"]]) != FAMILY_TAGS[group["family"]]:
                raise ValueError(f"unsupported n-gram group {group}")
            orders[group["family"]].append(int(group["order"]))
        spec = cls(
            buckets=int(data["buckets"]),
            char_orders=tuple(orders["char"]),
            jamo_orders=tuple(orders["jamo"]),
            max_per_group=int(data["max_per_group"]),
        )
        if [list(group) for group in spec.groups] != [[g["family"], int(g["order"])] for g in data["groups"]]:
            raise ValueError("n-gram groups must list the character orders first, then the jamo orders")
        return spec

    @classmethod
    def from_file(cls, path: Path) -> NgramSpec:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def padded_batch(groups_per_text: Sequence[Sequence[Sequence[int]]], width: int | None = None) -> tuple[list, list]:
    """Pad unpadded group ids of several texts to [texts, groups, width] (width: the longest group, at least 1)."""
    longest = max((len(group) for groups in groups_per_text for group in groups), default=0)
    width = width or max(longest, 1)
    ids = [[list(group) + [PAD_ID] * (width - len(group)) for group in groups] for groups in groups_per_text]
    mask = [[[1] * len(group) + [0] * (width - len(group)) for group in groups] for groups in groups_per_text]
    return ids, mask

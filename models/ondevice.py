"""The on-device contract in plain Python: bundle layout, file checks, the BERT WordPiece tokenizer, model inputs.

No torch, no transformers, no tokenizers: this is the code an Android or iOS engineer ports, and the
reference client runs. The tokenizer reproduces HF ``tokenizers``' BertNormalizer (clean text, CJK
spacing, per-character lower-casing, NO accent stripping), BertPreTokenizer (split on whitespace,
isolate punctuation), WordPiece (greedy longest match, ``##`` continuation) and the
``[CLS] text [SEP]`` template, with special tokens (``[URL]``, ``[PHONE]``...) matched in the raw text
first and never split or lower-cased. The n-gram half of the inputs (bundle format 2) is ``models/ngrams.py``.
docs/ondevice_contract.md describes the same rules in prose.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.ngrams import NGRAM_CONTRACT, NGRAMS_FILE, NgramSpec

# Format 1: one input pair (WordPiece ids + mask), a deep-only model. Format 2: the wide & deep model, whose graphs
# also take n-gram ids + mask (models/ngrams.py, ngrams.json); an app that implements only format 1 must refuse it.
BUNDLE_FORMAT_V1 = "spamloop-bundle/1"
BUNDLE_FORMAT = "spamloop-bundle/2"
SUPPORTED_BUNDLE_FORMATS = (BUNDLE_FORMAT_V1, BUNDLE_FORMAT)
BUNDLE_INDEX = "bundle.json"
TOKENIZER_SETTINGS = "tokenizer.json"
VOCAB_FILE = "vocab.txt"
LABELS_FILE = "labels.json"
NORMALIZATION_SPEC_FILE = "normalization_spec.json"
TFLITE_FP32 = "spam_fp32.tflite"
TFLITE_INT8 = "spam_int8.tflite"
COREML_PACKAGE = "spam_fp16.mlpackage"
SIGNATURE_PREFIX = "seq_"
OUTPUT_NAME = "spam_probability"
TEXT_INPUTS = ("input_ids", "attention_mask")
NGRAM_INPUTS = ("ngram_ids", "ngram_mask")
HASH_CHUNK = 1 << 20


class BundleIntegrityError(RuntimeError):
    """A bundle file is missing, has the wrong size, or its sha256 differs from bundle.json."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def signature_name(seq_len: int) -> str:
    """TFLite signature name of a fixed sequence length."""
    return f"{SIGNATURE_PREFIX}{seq_len}"


def pick_seq_len(token_count: int, seq_lengths: Sequence[int]) -> int:
    """Smallest exported length that holds ``token_count`` tokens (inputs are truncated to the largest first)."""
    for length in sorted(seq_lengths):
        if token_count <= length:
            return length
    raise ValueError(f"{token_count} tokens do not fit any of {sorted(seq_lengths)}; truncate to max_seq_len first")


def read_bundle_index(bundle_dir: Path) -> dict[str, Any]:
    """bundle.json of a bundle folder."""
    index_path = bundle_dir / BUNDLE_INDEX
    if not index_path.is_file():
        raise BundleIntegrityError(f"{index_path} is missing: not a spamloop bundle")
    index = json.loads(index_path.read_text(encoding="utf-8"))
    if index.get("format") not in SUPPORTED_BUNDLE_FORMATS:
        raise BundleIntegrityError(
            f"unsupported bundle format {index.get('format')!r} (this code reads {', '.join(SUPPORTED_BUNDLE_FORMATS)})"
        )
    if index["format"] == BUNDLE_FORMAT and index.get("ngram_contract") != NGRAM_CONTRACT:
        raise BundleIntegrityError(
            f"bundle needs n-gram contract {index.get('ngram_contract')!r}, this code implements {NGRAM_CONTRACT}"
        )
    return index


def bundle_ngram_spec(bundle_dir: Path, index: dict[str, Any]) -> NgramSpec | None:
    """The n-gram rules of a format-2 bundle (its ngrams.json); None for a format-1 bundle."""
    if index["format"] == BUNDLE_FORMAT_V1:
        return None
    return NgramSpec.from_file(bundle_dir / index.get("ngrams_file", NGRAMS_FILE))


def verify_bundle(bundle_dir: Path) -> dict[str, Any]:
    """Check every file listed in bundle.json (size, then sha256); return the index. Raises BundleIntegrityError."""
    index = read_bundle_index(bundle_dir)
    problems: list[str] = []
    for entry in index["files"]:
        path = bundle_dir / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["size"]:
            problems.append(f"{entry['path']}: size {path.stat().st_size} != {entry['size']}")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: sha256 mismatch")
    if problems:
        raise BundleIntegrityError(f"bundle {bundle_dir} failed verification: " + "; ".join(problems))
    return index


# --- tokenizer -------------------------------------------------------------------------------------

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
# Unicode White_Space (what Rust's char::is_whitespace tests), the definition HF tokenizers uses.
_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_punctuation(char: str) -> bool:
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


@dataclass(frozen=True)
class TokenizerSettings:
    """What tokenizer.json in a bundle says (all the knobs the phone needs)."""

    lowercase: bool = True
    strip_accents: bool = False
    clean_text: bool = True
    handle_chinese_chars: bool = True
    continuing_subword_prefix: str = "##"
    max_input_chars_per_word: int = 100
    unk_token: str = "[UNK]"
    cls_token: str = "[CLS]"
    sep_token: str = "[SEP]"
    pad_token: str = "[PAD]"
    special_tokens: tuple[str, ...] = ()
    max_seq_len: int = 64
    seq_lengths: tuple[int, ...] = (64,)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "bert-wordpiece",
            "lowercase": self.lowercase,
            "strip_accents": self.strip_accents,
            "clean_text": self.clean_text,
            "handle_chinese_chars": self.handle_chinese_chars,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
            "unk_token": self.unk_token,
            "cls_token": self.cls_token,
            "sep_token": self.sep_token,
            "pad_token": self.pad_token,
            "special_tokens": list(self.special_tokens),
            "max_seq_len": self.max_seq_len,
            "seq_lengths": list(self.seq_lengths),
            "vocab_file": VOCAB_FILE,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenizerSettings:
        if data.get("type") != "bert-wordpiece":
            raise ValueError(f"unsupported tokenizer type {data.get('type')!r}")
        if data.get("strip_accents"):
            raise ValueError("strip_accents=true breaks Hangul (NFD splits syllables into jamo); not supported")
        return cls(
            lowercase=bool(data["lowercase"]),
            strip_accents=False,
            clean_text=bool(data["clean_text"]),
            handle_chinese_chars=bool(data["handle_chinese_chars"]),
            continuing_subword_prefix=str(data["continuing_subword_prefix"]),
            max_input_chars_per_word=int(data["max_input_chars_per_word"]),
            unk_token=str(data["unk_token"]),
            cls_token=str(data["cls_token"]),
            sep_token=str(data["sep_token"]),
            pad_token=str(data["pad_token"]),
            special_tokens=tuple(data["special_tokens"]),
            max_seq_len=int(data["max_seq_len"]),
            seq_lengths=tuple(int(length) for length in data["seq_lengths"]),
        )


@dataclass
class WordPieceTokenizer:
    """BERT WordPiece tokenization, exactly as HF tokenizers' BertTokenizerFast does it (see module docstring)."""

    vocab: dict[str, int]
    settings: TokenizerSettings
    _specials_by_length: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        missing = [
            token
            for token in (self.settings.unk_token, self.settings.cls_token, self.settings.sep_token, self.settings.pad_token)
            if token not in self.vocab
        ]
        if missing:
            raise ValueError(f"vocabulary lacks special tokens {missing}")
        specials = set(self.settings.special_tokens) | {
            self.settings.unk_token,
            self.settings.cls_token,
            self.settings.sep_token,
            self.settings.pad_token,
        }
        # Longest first: at one position the longest special token wins (leftmost-longest matching).
        self._specials_by_length = sorted((token for token in specials if token in self.vocab), key=len, reverse=True)

    @classmethod
    def from_files(cls, vocab_path: Path, settings_path: Path) -> WordPieceTokenizer:
        lines = vocab_path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        vocab = {token: index for index, token in enumerate(lines)}
        settings = TokenizerSettings.from_json(json.loads(settings_path.read_text(encoding="utf-8")))
        return cls(vocab=vocab, settings=settings)

    @property
    def pad_id(self) -> int:
        return self.vocab[self.settings.pad_token]

    def _split_specials(self, text: str) -> list[tuple[str, bool]]:
        """(segment, is_special) pieces: special tokens found left to right, longest at each position."""
        pieces: list[tuple[str, bool]] = []
        start = position = 0
        while position < len(text):
            matched = next((token for token in self._specials_by_length if text.startswith(token, position)), None)
            if matched is None:
                position += 1
                continue
            if position > start:
                pieces.append((text[start:position], False))
            pieces.append((matched, True))
            position += len(matched)
            start = position
        if start < len(text):
            pieces.append((text[start:], False))
        return pieces

    def _normalize(self, text: str) -> str:
        chars: list[str] = []
        for char in text:
            if self.settings.clean_text:
                if char in ("\x00", "\ufffd") or _is_control(char):
                    continue
                if char in _WHITESPACE:
                    char = " "
            if self.settings.handle_chinese_chars and _is_cjk(char):
                chars.extend((" ", char, " "))
                continue
            chars.append(char)
        normalized = "".join(chars)
        if self.settings.lowercase:
            # Per character, like Rust's char::to_lowercase (no context-dependent final sigma).
            normalized = "".join(char.lower() for char in normalized)
        return normalized

    @staticmethod
    def _pre_tokenize(text: str) -> list[str]:
        words: list[str] = []
        current: list[str] = []
        for char in text:
            if char in _WHITESPACE:
                if current:
                    words.append("".join(current))
                    current = []
            elif _is_punctuation(char):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(char)
            else:
                current.append(char)
        if current:
            words.append("".join(current))
        return words

    def _word_pieces(self, word: str) -> list[str]:
        if len(word) > self.settings.max_input_chars_per_word:
            return [self.settings.unk_token]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                candidate = word[start:end]
                if start > 0:
                    candidate = self.settings.continuing_subword_prefix + candidate
                if candidate in self.vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [self.settings.unk_token]
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Tokens of a normalised text, without [CLS]/[SEP] and without truncation."""
        tokens: list[str] = []
        for segment, is_special in self._split_specials(text):
            if is_special:
                tokens.append(segment)
                continue
            for word in self._pre_tokenize(self._normalize(segment)):
                tokens.extend(self._word_pieces(word))
        return tokens

    def encode(self, text: str, max_seq_len: int | None = None) -> list[int]:
        """``[CLS] tokens [SEP]`` ids, truncated to ``max_seq_len`` (default: the bundle's) including the two."""
        limit = max_seq_len or self.settings.max_seq_len
        tokens = self.tokenize(text)[: max(limit - 2, 0)]
        unk = self.vocab[self.settings.unk_token]
        return [
            self.vocab[self.settings.cls_token],
            *(self.vocab.get(token, unk) for token in tokens),
            self.vocab[self.settings.sep_token],
        ]

    def encode_padded(self, text: str, seq_len: int | None = None) -> tuple[list[int], list[int]]:
        """(input_ids, attention_mask) padded to ``seq_len`` (default: the smallest signature that fits)."""
        ids = self.encode(text)
        length = seq_len or pick_seq_len(len(ids), self.settings.seq_lengths)
        if len(ids) > length:
            raise ValueError(f"{len(ids)} tokens do not fit seq_len {length}")
        padding = length - len(ids)
        return ids + [self.pad_id] * padding, [1] * len(ids) + [0] * padding

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        return [self.encode(text) for text in texts]


@dataclass
class ModelInputs:
    """Text in model form -> the arrays a bundle's graph takes: WordPiece ids and mask padded to a signature length,
    and (format 2) the n-gram ids and mask of every group padded to ``max_per_group``. Plain lists, batch of one."""

    tokenizer: WordPieceTokenizer
    ngrams: NgramSpec | None = None

    @classmethod
    def from_bundle(cls, bundle_dir: Path, index: dict[str, Any]) -> ModelInputs:
        tokenizer = WordPieceTokenizer.from_files(bundle_dir / VOCAB_FILE, bundle_dir / TOKENIZER_SETTINGS)
        return cls(tokenizer=tokenizer, ngrams=bundle_ngram_spec(bundle_dir, index))

    @property
    def names(self) -> tuple[str, ...]:
        return TEXT_INPUTS + (NGRAM_INPUTS if self.ngrams is not None else ())

    def ngram_arrays(self, text_model: str) -> dict[str, list[list[list[int]]]]:
        """``ngram_ids`` / ``ngram_mask`` as [1, groups, max_per_group] (empty for a format-1 bundle)."""
        if self.ngrams is None:
            return {}
        ids, mask = self.ngrams.encode(text_model)
        return {"ngram_ids": [ids], "ngram_mask": [mask]}

    def text_arrays(self, ids: Sequence[int], seq_len: int) -> dict[str, list[list[int]]]:
        """``input_ids`` / ``attention_mask`` as [1, seq_len] from already-encoded ids."""
        if len(ids) > seq_len:
            raise ValueError(f"{len(ids)} tokens do not fit seq_len {seq_len}")
        padding = seq_len - len(ids)
        return {"input_ids": [list(ids) + [self.tokenizer.pad_id] * padding], "attention_mask": [[1] * len(ids) + [0] * padding]}

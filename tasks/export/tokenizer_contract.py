"""Read an HF fast tokenizer folder (tokenizer.json) into the on-device tokenizer settings + vocab.

Only plain JSON is read, so this needs neither transformers nor tokenizers. Tokenizers that the phone
contract cannot reproduce (accent stripping, other pre-tokenizers, lstrip/rstrip added tokens...) are
refused here, before anything is exported.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.ondevice import TokenizerSettings


class TokenizerContractError(ValueError):
    """The tokenizer does something the on-device contract does not describe."""


def read_tokenizer_contract(
    tokenizer_dir: Path, max_seq_len: int, seq_lengths: list[int]
) -> tuple[TokenizerSettings, list[str]]:
    """(settings, vocab in id order) of a saved BertTokenizerFast, checked against the on-device contract."""
    tokenizer_json = tokenizer_dir / "tokenizer.json"
    if not tokenizer_json.is_file():
        raise TokenizerContractError(f"{tokenizer_json} not found: export needs a fast (tokenizers) tokenizer")
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    normalizer = spec.get("normalizer") or {}
    if normalizer.get("type") != "BertNormalizer":
        raise TokenizerContractError(f"normalizer must be BertNormalizer, got {normalizer.get('type')!r}")
    lowercase = bool(normalizer.get("lowercase"))
    strip_accents = normalizer.get("strip_accents")
    # tokenizers: strip_accents=None follows lowercase, and stripping runs NFD (breaks Hangul syllables).
    if strip_accents or (strip_accents is None and lowercase):
        raise TokenizerContractError("accent stripping is on; the contract (and Korean) needs strip_accents=False")
    if (spec.get("pre_tokenizer") or {}).get("type") != "BertPreTokenizer":
        raise TokenizerContractError(f"pre_tokenizer must be BertPreTokenizer, got {spec.get('pre_tokenizer')!r}")
    model = spec.get("model") or {}
    if model.get("type") != "WordPiece":
        raise TokenizerContractError(f"model must be WordPiece, got {model.get('type')!r}")

    id_to_token: dict[int, str] = {int(index): token for token, index in model["vocab"].items()}
    special_tokens: list[str] = []
    for added in spec.get("added_tokens", []):
        if not added.get("special") or added.get("normalized") or added.get("lstrip") or added.get("rstrip") or (
            added.get("single_word")
        ):
            raise TokenizerContractError(f"added token {added['content']!r} is not a plain special token")
        existing = id_to_token.setdefault(int(added["id"]), added["content"])
        if existing != added["content"]:
            raise TokenizerContractError(f"id {added['id']} is both {existing!r} and {added['content']!r}")
        special_tokens.append(added["content"])
    if sorted(id_to_token) != list(range(len(id_to_token))):
        raise TokenizerContractError("token ids are not contiguous from 0; vocab.txt could not list them by line")
    vocab = [id_to_token[index] for index in range(len(id_to_token))]
    if any("\n" in token or "\r" in token for token in vocab):
        raise TokenizerContractError("a token contains a line break; vocab.txt is one token per line")

    template = ((spec.get("post_processor") or {}).get("single")) or []
    template_ids = [item.get("SpecialToken", {}).get("id") or "$A" for item in template]
    config = _tokenizer_config(tokenizer_dir)
    cls_token = config.get("cls_token", "[CLS]")
    sep_token = config.get("sep_token", "[SEP]")
    if template and template_ids != [cls_token, "$A", sep_token]:
        raise TokenizerContractError(f"post-processor must be [CLS] $A [SEP], got {template_ids}")
    settings = TokenizerSettings(
        lowercase=lowercase,
        strip_accents=False,
        clean_text=bool(normalizer.get("clean_text", True)),
        handle_chinese_chars=bool(normalizer.get("handle_chinese_chars", True)),
        continuing_subword_prefix=str(model.get("continuing_subword_prefix") or "##"),
        max_input_chars_per_word=int(model.get("max_input_chars_per_word") or 100),
        unk_token=str(model.get("unk_token") or "[UNK]"),
        cls_token=cls_token,
        sep_token=sep_token,
        pad_token=config.get("pad_token", "[PAD]"),
        special_tokens=tuple(special_tokens),
        max_seq_len=max_seq_len,
        seq_lengths=tuple(seq_lengths),
    )
    return settings, vocab


def _tokenizer_config(tokenizer_dir: Path) -> dict[str, str]:
    path = tokenizer_dir / "tokenizer_config.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if isinstance(value, str)}

"""WordPiece tokenizer: Hangul stays in syllables, placeholders stay whole, the saved folder reloads offline."""

from __future__ import annotations

import json
import unicodedata

import pytest

from models.encoder import BASE_SPECIAL_TOKENS, load_tokenizer, train_wordpiece_tokenizer
from models.normalization import PLACEHOLDERS, model_text

JAMO_BLOCKS = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF)]


def _has_jamo(token: str) -> bool:
    return any(low <= ord(char) <= high for char in token for low, high in JAMO_BLOCKS)


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory, seed_sample):
    folder = tmp_path_factory.mktemp("tokenizer")
    # The greeting is in the corpus so its syllables are in the vocabulary (unknown ones would make it [UNK]).
    texts = [*seed_sample["text_norm"].to_list(), "안녕하세요 반갑습니다", "안녕하세요 고객님"]
    train_wordpiece_tokenizer(texts, folder, vocab_size=2_000, min_frequency=1)
    return folder


def test_hangul_syllables_are_not_split_into_jamo(tokenizer_dir):
    tokenizer = load_tokenizer(tokenizer_dir)
    tokens = tokenizer.tokenize("안녕하세요")
    assert tokens, "no tokens for a Korean greeting"
    assert not any(_has_jamo(token) for token in tokens), tokens
    # Joined back (minus the ## continuation marks) the pieces are the exact precomposed syllables.
    assert "".join(token.removeprefix("##") for token in tokens) == "안녕하세요"
    assert unicodedata.is_normalized("NFC", "".join(tokens))


def test_saved_tokenizer_does_not_strip_accents(tokenizer_dir):
    saved = json.loads((tokenizer_dir / "tokenizer.json").read_text())
    assert saved["normalizer"]["strip_accents"] is False
    assert saved["normalizer"]["lowercase"] is True
    assert json.loads((tokenizer_dir / "tokenizer_config.json").read_text())["strip_accents"] is False


def test_placeholders_are_single_never_split_tokens(tokenizer_dir):
    tokenizer = load_tokenizer(tokenizer_dir)
    text = model_text("지금 확인 http://bit.ly/abc123 또는 010-1234-5678 로 전화, mail me at a.b@example.com")
    tokens = tokenizer.tokenize(text)
    for placeholder in ("[URL]", "[PHONE]", "[EMAIL]"):
        assert placeholder in text
        assert tokens.count(placeholder) == 1, tokens
    for placeholder in PLACEHOLDERS:
        assert tokenizer.tokenize(f"a {placeholder} b") == ["a", placeholder, "b"]
        assert tokenizer.convert_tokens_to_ids(placeholder) != tokenizer.unk_token_id


def test_special_tokens_have_the_bert_layout(tokenizer_dir):
    tokenizer = load_tokenizer(tokenizer_dir)
    vocab = tokenizer.get_vocab()
    assert [vocab[token] for token in BASE_SPECIAL_TOKENS] == [0, 1, 2, 3, 4]
    encoded = tokenizer("hello there")["input_ids"]
    assert encoded[0] == tokenizer.cls_token_id and encoded[-1] == tokenizer.sep_token_id


def test_lowercases_latin_and_reloads_identically(tokenizer_dir, seed_sample):
    first = load_tokenizer(tokenizer_dir)
    assert first.tokenize("FREE Entry") == first.tokenize("free entry")
    texts = seed_sample["text_norm"].to_list()[:50]
    second = load_tokenizer(tokenizer_dir)
    assert first(texts)["input_ids"] == second(texts)["input_ids"]
    assert len(first) <= 2_000


def test_same_texts_give_the_same_vocabulary_every_time(seed_sample):
    """The library's WordPiece trainer numbered ## pieces in hash order: three calls gave three vocabularies."""
    from models.encoder import wordpiece_vocab

    texts = seed_sample["text_norm"].to_list()
    runs = [wordpiece_vocab(texts, vocab_size=1_500, min_frequency=2, limit_alphabet=4_000) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert sorted(runs[0].values()) == list(range(1_500))
    assert [runs[0][token] for token in BASE_SPECIAL_TOKENS] == [0, 1, 2, 3, 4]


def test_vocabulary_has_wordpiece_shape():
    from models.encoder import wordpiece_vocab

    texts = ["scammer scam scams [URL]", "spam spammer [PHONE]", "광고 광고문자 광고입니다"] * 3
    vocab = wordpiece_vocab(texts, vocab_size=200, min_frequency=2, limit_alphabet=1_000)
    assert {"scam", "spam", "광고"} <= set(vocab)
    # Every character appears both word-initially and as a ## continuation (BERT's layout); none leaks renamed.
    assert {"s", "##s", "광", "##고"} <= set(vocab)
    assert all(ord(char) < 0xF0000 for token in vocab for char in token)
    assert not any(placeholder.lower().strip("[]") in vocab for placeholder in PLACEHOLDERS)


def test_rare_characters_beyond_the_alphabet_limit_are_dropped():
    from models.encoder import wordpiece_vocab

    vocab = wordpiece_vocab(["aaa bbb", "aaa bbb", "zq"], vocab_size=100, min_frequency=2, limit_alphabet=2)
    assert {"a", "b"} <= set(vocab) and "z" not in vocab and "##q" not in vocab

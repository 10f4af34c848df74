"""The n-gram contract (models/ngrams.py): hash, jamo, extraction rules, the committed test vectors."""

from __future__ import annotations

import json
import unicodedata

import pytest

from models.ngrams import (
    FAMILY_TAGS,
    NGRAM_CONTRACT,
    NgramSpec,
    decompose_hangul,
    fnv1a32,
    jamo_runs,
    padded_batch,
    padded_grams,
    words,
)
from tasks.export.contract_vectors import CONTRACT_DIR, VECTORS_FILE, compute_vectors, load_contract


def test_fnv1a32_known_answers():
    # Published FNV-1a 32 test values (offset basis for the empty string).
    assert fnv1a32(b"") == 0x811C9DC5
    assert fnv1a32(b"a") == 0xE40C292C
    assert fnv1a32(b"foobar") == 0xBF9CF968
    assert fnv1a32("카".encode()) != fnv1a32("캬".encode())


def test_hangul_syllables_decompose_like_nfd():
    for code in range(0xAC00, 0xD7A4):
        syllable = chr(code)
        assert decompose_hangul(syllable) == unicodedata.normalize("NFD", syllable)
    assert decompose_hangul("a") == "a" and decompose_hangul("\u110f") == "\u110f"


def test_words_grams_and_runs():
    assert words("Ab  ΣΑΣ\tİx\n") == ["ab", "σασ", "i\u0307x"]  # per-character lower-casing, no final sigma
    assert padded_grams("ab", 1) == ["a", "b"]  # the padding alone is not a gram
    assert padded_grams("ab", 2) == [" a", "ab", "b "]
    assert padded_grams("ab", 4) == [" ab "] and padded_grams("ab", 5) == []
    assert jamo_runs("a카b\u110f\u110fc") == ["\u110f\u1161", "\u110f\u110f"]  # conjoining jamo join the run
    assert jamo_runs("abc") == []


def test_look_alike_spellings_share_jamo_features():
    spec = NgramSpec()
    plain, disguised = spec.group_ids("카지노 무료"), spec.group_ids("캬즤노 무료")
    shared = {
        group: len(set(a) & set(b)) / len(set(a) | set(b))
        for group, a, b in zip(spec.groups, plain, disguised, strict=True)
    }
    # The syllables differ, so the character trigrams of the word do not match; its jamo keep some of them.
    assert shared[("jamo", 2)] > shared[("char", 2)]
    assert shared[("jamo", 3)] > shared[("char", 3)]


def test_ids_are_deduplicated_in_text_order_and_truncated():
    spec = NgramSpec(buckets=1 << 20, char_orders=(2,), jamo_orders=(), max_per_group=5)
    once = spec.group_ids("spam")[0]
    assert spec.group_ids("spam spam spam")[0] == once  # repeats count once
    long_text = " ".join(f"w{i}x" for i in range(50))
    unbounded = NgramSpec(buckets=1 << 20, char_orders=(2,), jamo_orders=(), max_per_group=1000).group_ids(long_text)[0]
    assert spec.group_ids(long_text)[0] == unbounded[:5]  # the first distinct ids are the ones kept
    assert once == [fnv1a32(("c" + gram).encode()) % (1 << 20) for gram in (" s", "sp", "pa", "am", "m ")]


def _ids_rule_by_rule(spec: NgramSpec, text: str) -> list[list[int]]:
    """Rules 1-4 applied to the whole text gram by gram, as docs/ondevice_contract.md states them."""
    text_words = words(text)
    units = {"char": text_words, "jamo": [run for word in text_words for run in jamo_runs(word)]}
    result = []
    for family, order in spec.groups:
        seen: dict[int, None] = {}
        for gram in (gram for unit in units[family] for gram in padded_grams(unit, order)):
            seen.setdefault(fnv1a32((FAMILY_TAGS[family] + gram).encode("utf-8")) % spec.buckets, None)
            if len(seen) >= spec.max_per_group:
                break
        result.append(list(seen))
    return result


@pytest.mark.parametrize("max_per_group", [1, 3, 7, 256])
def test_word_by_word_extraction_equals_the_rules_on_the_whole_text(max_per_group):
    # group_ids composes cached per-word ids; a cap reached inside a word whose ids repeat earlier ones, odd
    # lower-casing and separators that are not White_Space (U+001C) must give what the rules give.
    texts = [
        "ﬃ ß ẞ ǅ", "ΣΑΣ ΟΔΟΣ", "İstanbul  \x1cfoo\x1dbar", "", " ", "a", "카지노\u3000무료 ㅋㅋ ᄀᄁ 카지노",
        "캬즤노 쩜 컴 ㅅr과 4과", "\u00a0hi\u2028there hi", "spam spam [URL] spam", "x" * 300,
    ]
    for char_orders, jamo_orders in (((1, 2, 3, 4, 5), (2, 3, 4)), ((3,), ()), ((), (1, 2))):
        spec = NgramSpec(buckets=1 << 10, char_orders=char_orders, jamo_orders=jamo_orders, max_per_group=max_per_group)
        for text in texts:
            assert spec.group_ids(text) == _ids_rule_by_rule(spec, text), text
            assert spec.group_ids(text) == _ids_rule_by_rule(spec, text), text  # again, from the word cache


def test_encode_pads_every_group_and_masks_the_padding():
    spec = NgramSpec(buckets=97, max_per_group=8)
    ids, mask = spec.encode("hi 안녕")
    assert len(ids) == len(mask) == len(spec.groups)
    for group_ids, group_mask, unpadded in zip(ids, mask, spec.group_ids("hi 안녕"), strict=True):
        assert len(group_ids) == len(group_mask) == 8
        assert group_ids[: len(unpadded)] == unpadded and sum(group_mask) == len(unpadded)
        assert all(0 <= value < 97 for value in group_ids)
    batch_ids, batch_mask = padded_batch([[[1, 2], []], [[3], [4, 5, 6]]])
    assert batch_ids == [[[1, 2, 0], [0, 0, 0]], [[3, 0, 0], [4, 5, 6]]]
    assert batch_mask == [[[1, 1, 0], [0, 0, 0]], [[1, 0, 0], [1, 1, 1]]]


def test_spec_round_trips_and_refuses_what_it_does_not_implement():
    spec = NgramSpec(buckets=4096, char_orders=(2, 3), jamo_orders=(1,), max_per_group=16)
    data = spec.to_json()
    assert data["contract"] == NGRAM_CONTRACT and data["hash"] == "fnv1a32"
    assert NgramSpec.from_json(json.loads(json.dumps(data))) == spec
    for change, message in (
        ({"contract": "spamloop-ngrams/9"}, "contract"),
        ({"hash": "murmur3"}, "hash"),
        ({"groups": [{"family": "word", "order": 1}]}, "group"),
        ({"groups": [{"family": "jamo", "order": 1}, {"family": "char", "order": 2}]}, "character orders first"),
    ):
        with pytest.raises(ValueError, match=message):
            NgramSpec.from_json({**data, **change})
    with pytest.raises(ValueError):
        NgramSpec(char_orders=(), jamo_orders=())
    assert set(FAMILY_TAGS) == {family for family, _ in spec.groups}


def test_committed_test_vectors_match_the_reference_implementation():
    committed = json.loads((CONTRACT_DIR / VECTORS_FILE).read_text(encoding="utf-8"))
    assert committed == compute_vectors()
    _, spec = load_contract()
    assert committed["ngram_contract"] == NGRAM_CONTRACT
    assert any(len(ids) == spec.max_per_group for case in committed["cases"] for ids in case["ngram_ids"].values())
    assert any(case["ngram_ids"]["j2"] for case in committed["cases"])


def test_contract_rules_are_the_training_defaults():
    """The committed vectors test what a default retrain ships; a new default needs new vectors."""
    from spamloop.settings.train import TrainConfig

    defaults = TrainConfig()
    _, committed = load_contract()
    assert committed == NgramSpec()
    assert (committed.buckets, committed.char_orders, committed.jamo_orders, committed.max_per_group) == (
        defaults.ngram_buckets, defaults.char_orders, defaults.jamo_orders, defaults.max_ngrams_per_order
    )

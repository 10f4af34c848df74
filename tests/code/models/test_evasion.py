"""The evasion operators (models/evasion.py): each one's visible effect, determinism, what they must not touch."""

from __future__ import annotations

import random
import re
import time

import pytest

from models import evasion
from models.evasion import (
    FOLDED_BY_NFKC,
    OPERATORS,
    Augmenter,
    augment,
    compose,
    decompose,
    example_rng,
    stack,
)
from models.normalization import model_text, url_domains

SPAM = "[Web발신] 메이저 놀이터 카지노 첫충 20% 신규가입 이벤트 VIP 전용 사이트 https://abc123.xyz/e 문의 카톡 vip777 010-1234-5678"
MODEL_TEXT = "(광고) 카지노 가입 이벤트 [URL] abc123·xyz 사과 [PHONE] 텔레그램 문의"
HANGUL_SYLLABLE = re.compile(r"[가-힣]")
COMPAT_JAMO = re.compile(r"[\u3131-\u318e]")


def runs(operator, text, n=40):
    return [operator(text, random.Random(seed)) for seed in range(n)]


def test_hangul_arithmetic_round_trips():
    assert decompose("메") == ("ㅁ", "ㅔ", "") and decompose("출") == ("ㅊ", "ㅜ", "ㄹ")
    assert compose("ㅁ", "ㅒ") == "먜" and compose("ㅈ", "ㅕ") == "져"
    for code in range(0xAC00, 0xD7A4, 97):
        assert compose(*decompose(chr(code))) == chr(code)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_is_deterministic_changes_spam_and_keeps_protected_spans(name):
    operator = OPERATORS[name]
    assert operator(SPAM, random.Random(3)) == operator(SPAM, random.Random(3))
    outputs = runs(operator, SPAM)
    assert all(out != SPAM for out in outputs), name
    assert len(set(outputs)) > 1, name  # the rng matters
    for out in outputs:
        assert out.startswith("[Web발신]")  # the carrier header is never touched
        if name != "hangul_domain":
            assert "https://abc123.xyz/e" in out
    for out in runs(operator, MODEL_TEXT):
        assert "[PHONE]" in out
        if name != "hangul_domain":
            assert "[URL] abc123·xyz" in out


NOTHING_TO_CHANGE = {
    "symbol_insertion": "Ok lar 123 [PHONE]",
    "spacing": "Ok lar 123 [PHONE]",
    "enclosed": "좋은 저녁 [PHONE] [URL] abc·com",
    "fullwidth": "좋은 저녁 [PHONE] [URL] abc·com",
    "latin_lookalike": "좋은 저녁 [PHONE] 123",
    "hanja": "Ok lar 123 [PHONE]",
    "hangul_lookalike": "Ok lar 123 [PHONE]",
    "jamo_split": "Ok lar 123 [PHONE]",
    "jamo_latin": "Ok lar 123 [PHONE] 매대 세계",
    "digit_syllables": "Ok lar 123 [PHONE] 좋은 저녁",
    "hangul_domain": "좋은 저녁 [PHONE] 3.5% e.g. kim@naver.com",
}


@pytest.mark.parametrize("name", sorted(NOTHING_TO_CHANGE))
def test_an_operator_with_nothing_to_change_returns_its_input(name):
    for text in ("", NOTHING_TO_CHANGE[name]):
        assert OPERATORS[name](text, random.Random(0)) == text
    assert set(NOTHING_TO_CHANGE) == set(OPERATORS) - {"emoji"}  # emoji always decorates


def test_symbol_insertion_splits_a_keyword_with_symbols():
    for out in runs(evasion.symbol_insertion, "저금리 대출 가능"):
        assert "대출" not in out
        assert re.search(r"대[^\s가-힣]+출", out), out


def test_spacing_splits_a_keyword_with_spaces():
    for out in runs(evasion.spacing, "카지노 오픈"):
        assert "카지노" not in out and re.search(r"카 +지 *노|카지 +노", out), out


def test_enclosed_uses_circled_or_parenthesised_forms_that_nfkc_folds_back():
    enclosed_chars = re.compile(r"[\u2460-\u24ff\u3200-\u327f]")
    for out in runs(evasion.enclosed, "카지노 첫충 20% VIP"):
        assert enclosed_chars.search(out), out
        folded = model_text(out)
        assert not enclosed_chars.search(folded)
        assert folded.replace("(", "").replace(")", "") == "카지노 첫충 20% VIP", folded
    assert "㉸지노" in runs(evasion.enclosed, "카지노", 200)


def test_fullwidth_changes_ascii_and_is_folded_by_the_text_contract():
    for out in runs(evasion.fullwidth, "VIP 100% 혜택"):
        assert re.search(r"[\uff01-\uff5e]", out), out
        assert model_text(out) == model_text("VIP 100% 혜택")
    assert FOLDED_BY_NFKC == {"enclosed", "fullwidth"}


def test_latin_lookalike_spells_keywords_in_latin_or_swaps_latin_letters():
    outs = runs(evasion.latin_lookalike, "카카오 친구추가 토토")
    assert all("카카오" not in out or "토토" not in out for out in outs)
    assert any(w in out for out in outs for w in ("KAKA0", "KaKa0", "KAKA오", "T0T0", "TOTO", "토T0"))
    swapped = runs(evasion.latin_lookalike, "VIP Telegram")
    assert all(out != "VIP Telegram" for out in swapped)
    assert any(re.search(r"[0-9@]", out) for out in swapped) and any(re.search(r"[\u0400-\u04ff]", out) for out in swapped)


def test_hanja_replaces_syllables_by_hanja_of_the_same_reading():
    for out in runs(evasion.hanja, "대출 주식 상담"):
        assert re.search(r"[\u4e00-\u9fff]", out), out
    assert any("大" in out or "出" in out for out in runs(evasion.hanja, "대출"))


def test_hangul_lookalike_swaps_vowels_or_finals_of_the_same_initials():
    outs = runs(evasion.hangul_lookalike, "메이저")
    assert all(out != "메이저" and len(out) == 3 and HANGUL_SYLLABLE.fullmatch(out[0]) for out in outs)
    for out in outs:  # same initial consonants: it still reads as the word
        assert [decompose(c)[0] for c in out] == [decompose(c)[0] for c in "메이저"]
    assert "먜이져" in set(runs(evasion.hangul_lookalike, "메이저", 400))


def test_jamo_split_spells_a_syllable_as_letters():
    for out in runs(evasion.jamo_split, "대출"):
        assert COMPAT_JAMO.search(out) and "대출" not in out
    assert "ㄷㅐ출" in runs(evasion.jamo_split, "대출", 200)


def test_jamo_latin_mixes_jamo_and_latin_vowels():
    outs = runs(evasion.jamo_latin, "사과", 200)
    assert "ㅅr과" in outs
    assert any(re.search(r"[\u3131-\u314e][A-Za-z_1]", out) for out in runs(evasion.jamo_latin, "카지노"))


def test_digit_syllables_replaces_numeral_syllables():
    assert evasion.digit_syllables("사과", random.Random(0)) == "4과"
    outs = runs(evasion.digit_syllables, "이벤트 사이트")
    assert all(re.search(r"\d", out) for out in outs)
    assert "2벤트" in " ".join(outs) and "42트" in " ".join(outs)


def test_hangul_domain_hides_the_link_from_url_detection():
    for text in ("가입 https://abc123.xyz/e 문의", "가입 abc123.com", "가입 www.bet-king.vip/join"):
        for out in runs(evasion.hangul_domain, text):
            assert url_domains(out) == [], out
            assert "abc123" in out or "bet-king" in out
    assert "abc 쩜 컴" in runs(evasion.hangul_domain, "abc.com", 200)
    model = evasion.hangul_domain(MODEL_TEXT, random.Random(0))
    assert "[URL]" not in model and "abc123" in model
    assert evasion.hangul_domain("메일 kim@naver.com 으로", random.Random(0)) == "메일 kim@naver.com 으로"


def test_emoji_decorates():
    for out in runs(evasion.emoji, "카지노 오픈"):
        assert any(e in out for e in evasion.EMOJIS) and out.replace(" ", "") != "카지노오픈"


def test_stack_applies_in_order_and_reports_what_changed():
    text, applied = stack("대출 상담", random.Random(0), ["jamo_split", "hangul_domain", "emoji"])
    assert applied == ("jamo_split", "emoji") and COMPAT_JAMO.search(text)


def test_augmenter_rate_stack_and_validation():
    augmenter = Augmenter(rate=0.3, max_stack=2)
    rng = random.Random(0)
    results = [augmenter(SPAM, rng) for _ in range(2_000)]
    changed = [applied for _, applied in results if applied]
    assert 0.26 < len(changed) / len(results) < 0.34
    assert all(1 <= len(applied) <= 2 for applied in changed)
    assert {name for applied in changed for name in applied} == set(OPERATORS)
    assert all(out == SPAM for out, applied in results if not applied)
    assert Augmenter(rate=0.0)(SPAM, random.Random(1)) == (SPAM, ())
    only = Augmenter(rate=1.0, operators=("spacing",))
    assert only(SPAM, random.Random(1))[1] == ("spacing",)
    for bad in (dict(rate=1.5), dict(max_stack=0), dict(operators=("nope",)), dict(weights=(1.0,))):
        with pytest.raises(ValueError):
            Augmenter(**bad)


def test_augment_is_deterministic_per_example_and_cheap():
    first = augment(MODEL_TEXT, example_rng("m1", seed=13, epoch=2), rate=1.0)
    assert first == augment(MODEL_TEXT, example_rng("m1", seed=13, epoch=2), rate=1.0)
    others = {augment(MODEL_TEXT, example_rng("m1", seed=13, epoch=e), rate=1.0)[0] for e in range(10)}
    assert len(others) > 3
    started = time.perf_counter()
    for i in range(2_000):
        augment(SPAM, example_rng(str(i), seed=1), rate=1.0)
    assert (time.perf_counter() - started) / 2_000 < 0.002  # well under the cost of a training step's tokenising


def test_augmented_model_text_stays_model_text():
    """What the trainer does: operators on text_model, then the text contract again; placeholders survive."""
    for seed in range(50):
        out, applied = augment(MODEL_TEXT, random.Random(seed), rate=1.0)
        again = model_text(out)
        assert model_text(again) == again
        assert "[PHONE]" in again
        if "hangul_domain" not in applied:
            assert "[URL] abc123·xyz" in again

"""Filter-evasion operators: the tricks Korean spam uses to dodge keyword filters, as composable text functions.

Shared by the synthetic-data generator (``tasks/sample``), training-time augmentation and the robustness bench
(``bench/korean.py``), so it lives in ``models/`` and imports nothing but the standard library.

Every operator is a named pure function ``(text, rng) -> text``: all randomness comes from ``rng``, so the same
text and the same ``random.Random`` state give the same output. An operator that finds nothing to change returns
its input unchanged. Operators leave alone what they must not break: normalisation placeholders (``[PHONE]``,
``[URL] host·tld`` in model text), URLs, e-mail addresses (only ``hangul_domain`` rewrites links).

Operators (the tricks KISA lists, as quoted in issue 23):

=====================  ===========================================================================================
``symbol_insertion``   symbols between the syllables of a word: 대★출, 카.지.노
``spacing``            spaces inside a word: 대 출, 카 지 노
``enclosed``           circled/parenthesised letters, digits and syllables: ①⑤%, ⓚⓐⓚⓐⓞ, ㉸지노
``fullwidth``          full-width ASCII: ＶＩＰ, １００％
``latin_lookalike``    look-alike letters in Latin words (0 for O, Cyrillic а for a) and keywords in look-alike Latin
                       (KAKA0, T0T0)
``hanja``              Chinese characters of the same reading: 大出, 株式 리딩방
``hangul_lookalike``   look-alike syllables by vowel or final-consonant swaps: 메이저 -> 먜이져, 토토 -> 톹토
``jamo_split``         a syllable spelled as its letters: 대출 -> ㄷㅐ출
``jamo_latin``         jamo and Latin mixed: 사과 -> ㅅr과, 카지노 -> ㅋr지노
``digit_syllables``    digits for syllables of the same sound: 사과 -> 4과, 이벤트 -> 2벤트
``hangul_domain``      a link spelled out so no URL pattern finds it: abc.com -> abc 쩜 컴
``emoji``              emoji and decorations around and inside the text
=====================  ===========================================================================================

NFKC (step 2 of the text contract, ``models/normalization.py``) folds ``enclosed`` and ``fullwidth`` back to
plain characters, so a model reading ``model_text`` never sees those two; the others survive normalisation.

Use for training augmentation (per example, deterministic, cheap: about 0.2 ms a text with the text contract, on a
busy 2-core machine)::

    rng = example_rng(message_id, seed=13, epoch=epoch)
    text, applied = augment(text_model, rng, rate=0.5)   # a share of texts get a stack of 1-2 operators
    text = model_text(text)                               # re-apply the text contract (folds NFKC-able tricks)
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Operator = Callable[[str, random.Random], str]

# ----------------------------------------------------------------------------------------------- Hangul arithmetic

_S_BASE, _V_COUNT, _T_COUNT = 0xAC00, 21, 28
_S_LAST = _S_BASE + 19 * _V_COUNT * _T_COUNT - 1
# Compatibility jamo (U+3131..) for each initial, medial and final index of a precomposed syllable.
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINALS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ", "ㅁ", "ㅂ", "ㅄ",
           "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")


def is_syllable(char: str) -> bool:
    """True for a precomposed Hangul syllable (가..힣)."""
    return _S_BASE <= ord(char) <= _S_LAST


def decompose(syllable: str) -> tuple[str, str, str]:
    """(initial, medial, final) compatibility jamo of a syllable; final is '' for an open syllable."""
    index = ord(syllable) - _S_BASE
    return _INITIALS[index // (_V_COUNT * _T_COUNT)], _MEDIALS[(index // _T_COUNT) % _V_COUNT], _FINALS[index % _T_COUNT]


def compose(initial: str, medial: str, final: str = "") -> str:
    """The precomposed syllable of (initial, medial, final) compatibility jamo."""
    return chr(
        _S_BASE + (_INITIALS.index(initial) * _V_COUNT + _MEDIALS.index(medial)) * _T_COUNT + _FINALS.index(final)
    )


# ----------------------------------------------------------------------------------------------- what to protect

# Normalisation placeholders (with the host that follows [URL] in model text), the carrier's [Web발신] header,
# links, e-mail addresses.
_PROTECTED = re.compile(
    r"\[[A-Z]+(?::[^\]\s]*)?\](?: [^\s\[\]]*·[^\s\[\]]*)?|\[Web발신\]"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    r"|(?:https?://|www\.)[^\s]+"
    r"|\b[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/[^\s]*)?"
)
_HANGUL_WORD = re.compile(r"[가-힣]{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# Words spam texts hide first; an operator obfuscates these when present, other words at its intensity.
KEYWORDS: tuple[str, ...] = (
    "대출", "카지노", "토토", "바카라", "슬롯", "놀이터", "메이저", "사이트", "먹튀", "첫충", "매충", "환전", "충전", "입금",
    "출금", "가입", "수익", "무료", "리딩방", "리딩", "주식", "종목", "급등", "상한가", "코인", "투자", "성인", "만남",
    "조건", "당첨", "지원금", "환급", "과태료", "결제", "승인", "택배", "배송", "인증", "쿠폰", "한도", "저금리", "승인",
    "카톡", "카카오톡", "텔레그램", "오픈채팅", "상담", "보너스", "이벤트", "할인", "정부", "대환", "알바", "고수익",
)
_KEYWORD_PATTERN = re.compile("|".join(sorted(set(KEYWORDS), key=len, reverse=True)))


def _segments(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_free) in order; protected pieces must come back untouched."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _PROTECTED.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], True))
        pieces.append((match.group(), False))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], True))
    return pieces


def _words(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) of every match of ``pattern`` inside the free pieces of ``text``."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for piece, free in _segments(text):
        if free:
            spans += [(offset + m.start(), offset + m.end()) for m in pattern.finditer(piece)]
        offset += len(piece)
    return spans


def _keyword_spans(text: str) -> list[tuple[int, int]]:
    return _words(text, _KEYWORD_PATTERN)


def _choose_spans(text: str, rng: random.Random, intensity: float, pattern: re.Pattern[str] = _HANGUL_WORD) -> list[tuple[int, int]]:
    """Spans to obfuscate: every spam keyword (up to 3), other words of ``pattern`` with probability ``intensity``;
    at least one span when the text has any. Sorted, never overlapping."""
    keywords = _keyword_spans(text) if pattern is _HANGUL_WORD else []
    if len(keywords) > 3:
        keywords = sorted(rng.sample(keywords, 3))
    taken = [(a, b) for a, b in _words(text, pattern) if not any(a < kb and ka < b for ka, kb in keywords)]
    chosen = keywords + [span for span in taken if rng.random() < intensity]
    if not chosen and taken:
        chosen = [rng.choice(taken)]
    return sorted(chosen)


def _rewrite(text: str, spans: Sequence[tuple[int, int]], change: Callable[[str], str]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], change(text[start:end])]
        last = end
    return "".join(out) + text[last:]


def _map_free_chars(text: str, change: Callable[[str], str]) -> str:
    return "".join(change(piece) if free else piece for piece, free in _segments(text))


# ----------------------------------------------------------------------------------------------- operators

_SYMBOLS = ("★", "☆", "♥", "♡", "●", "○", "◆", "■", "▶", "※", "♣", "♠", "·", ".", ",", "_", "-", "*", "/", "~", "^", "'", "`", "ㆍ", "|", "♬", "♪")


def symbol_insertion(text: str, rng: random.Random, intensity: float = 0.15) -> str:
    """Symbols between the syllables of keywords and some other words: 대출 -> 대★출, 카지노 -> 카.지.노."""

    def change(word: str) -> str:
        symbol = rng.choice(_SYMBOLS)
        gaps = rng.sample(range(1, len(word)), k=rng.randint(1, len(word) - 1))
        return "".join(ch + (symbol if i + 1 in gaps else "") for i, ch in enumerate(word))

    return _rewrite(text, _choose_spans(text, rng, intensity), change)


def spacing(text: str, rng: random.Random, intensity: float = 0.15) -> str:
    """Spaces inside keywords and some other words: 대출 -> 대 출, 카지노 -> 카 지 노."""

    def change(word: str) -> str:
        gap = rng.choice([" ", " ", "  "])
        return gap.join(word) if rng.random() < 0.7 else word[0] + gap + word[1:]

    return _rewrite(text, _choose_spans(text, rng, intensity), change)


_CIRCLED_DIGITS = {str(i): chr(0x2460 + i - 1) for i in range(1, 10)} | {"0": "⓪"}
_PAREN_DIGITS = {str(i): chr(0x2474 + i - 1) for i in range(1, 10)}
_CIRCLED_UPPER = {chr(ord("A") + i): chr(0x24B6 + i) for i in range(26)}
_CIRCLED_LOWER = {chr(ord("a") + i): chr(0x24D0 + i) for i in range(26)}
_PAREN_LOWER = {chr(ord("a") + i): chr(0x249C + i) for i in range(26)}
# Circled syllables ㉮..㉻ (가 나 다 라 마 바 사 아 자 차 카 타 파 하), parenthesised ㈎..㈛ likewise.
_OPEN_A_SYLLABLES = "가나다라마바사아자차카타파하"
_CIRCLED_SYLLABLES = {s: chr(0x326E + i) for i, s in enumerate(_OPEN_A_SYLLABLES)}
_PAREN_SYLLABLES = {s: chr(0x320E + i) for i, s in enumerate(_OPEN_A_SYLLABLES)}


def enclosed(text: str, rng: random.Random, intensity: float = 0.6) -> str:
    """Circled or parenthesised digits, Latin letters and 가..하 syllables: 100% -> ①⓪⓪%, 카지노 -> ㉸지노."""
    digits = rng.choice([_CIRCLED_DIGITS, _PAREN_DIGITS])
    letters = rng.choice([_CIRCLED_UPPER | _CIRCLED_LOWER, _PAREN_LOWER | _CIRCLED_UPPER])
    syllables = rng.choice([_CIRCLED_SYLLABLES, _PAREN_SYLLABLES])
    table = digits | letters | syllables
    candidates = [i for i, ch in enumerate(text) if ch in table]
    free = {i for start, end in _free_ranges(text) for i in range(start, end)}
    candidates = [i for i in candidates if i in free]
    if not candidates:
        return text
    picked = {i for i in candidates if rng.random() < intensity} or {rng.choice(candidates)}
    return "".join(table[ch] if i in picked else ch for i, ch in enumerate(text))


def _free_ranges(text: str) -> list[tuple[int, int]]:
    ranges, offset = [], 0
    for piece, free in _segments(text):
        if free:
            ranges.append((offset, offset + len(piece)))
        offset += len(piece)
    return ranges


def fullwidth(text: str, rng: random.Random, intensity: float = 0.7) -> str:
    """Full-width forms of ASCII letters, digits and signs in some free tokens: VIP 100% -> ＶＩＰ １００％."""

    def change(token: str) -> str:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in token)

    spans = _words(text, re.compile(r"[!-~]+"))
    if not spans:
        return text
    picked = [span for span in spans if rng.random() < intensity] or [rng.choice(spans)]
    return _rewrite(text, picked, change)


_LEET = {"O": "0", "o": "0", "I": "1", "i": "1", "l": "1", "S": "5", "s": "5", "E": "3", "e": "3", "A": "4", "a": "@", "B": "8", "T": "7", "G": "6", "g": "9"}
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р", "C": "С", "T": "Т", "X": "Х"}
# Korean keywords written in look-alike Latin (what 'KAKA0 친구추가' spam does).
_LATIN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "카카오톡": ("KAKAOTALK", "KAKA0T4LK", "KaKa0톡"),
    "카카오": ("KAKA0", "KaKa0", "KAKA오"),
    "카톡": ("KAT0K", "KaTok", "카T0K"),
    "텔레그램": ("TELEGRAM", "TELEGR4M", "텔레GRAM"),
    "카지노": ("CASIN0", "KASINO", "Ka지노"),
    "토토": ("T0T0", "TOTO", "토T0"),
    "바카라": ("BACCARA", "8ACARA", "바KARA"),
    "코인": ("C0IN", "COIN"),
    "대출": ("DAE출", "대CHUL"),
    "무료": ("FREE", "MU료"),
    "슬롯": ("SL0T", "SLOT"),
    "메이저": ("MAJ0R", "MAJOR"),
    "네이버": ("NAV3R", "N4VER"),
    "쿠팡": ("C0UPANG", "CouPang"),
    "주식": ("JU식", "STOCK"),
    "성인": ("19+", "ADULT"),
}
_LATIN_SPELLING_PATTERN = re.compile("|".join(sorted(_LATIN_SPELLINGS, key=len, reverse=True)))


def latin_lookalike(text: str, rng: random.Random, intensity: float = 0.5) -> str:
    """Look-alike letters: Korean keywords in Latin (카카오 -> KAKA0, 토토 -> T0T0), digits or Cyrillic for Latin
    letters in Latin words (VIP -> V1P, Telegram -> Теlеgram)."""
    keywords = _words(text, _LATIN_SPELLING_PATTERN)
    if keywords:
        picked = [span for span in keywords if rng.random() < intensity] or [rng.choice(keywords)]
        text = _rewrite(text, picked, lambda word: rng.choice(_LATIN_SPELLINGS[word]))
        if rng.random() < 0.5:
            return text
    table = rng.choice([_LEET, _CYRILLIC])
    candidates = [span for span in _words(text, _LATIN_WORD) if any(c in table for c in text[span[0] : span[1]])]
    if not candidates:
        return text

    def swap(word: str) -> str:
        positions = [i for i, c in enumerate(word) if c in table]
        picked = {i for i in positions if rng.random() < 0.5} or {rng.choice(positions)}
        return "".join(table[c] if i in picked else c for i, c in enumerate(word))

    picked_words = [span for span in candidates if rng.random() < intensity] or [rng.choice(candidates)]
    return _rewrite(text, picked_words, swap)


# Hanja with the same reading as the syllable (the common ones spam uses, plus numerals).
_HANJA: dict[str, str] = {
    "대": "大", "출": "出", "금": "金", "만": "萬", "원": "元", "일": "一", "이": "二", "삼": "三", "사": "四", "오": "五",
    "육": "六", "칠": "七", "팔": "八", "구": "九", "십": "十", "백": "百", "천": "千", "인": "人", "수": "收", "익": "益",
    "주": "株", "식": "式", "투": "投", "자": "資", "신": "新", "용": "用", "전": "錢", "무": "無", "료": "料", "정": "正",
    "부": "府", "국": "國", "민": "民", "지": "支", "고": "高", "확": "確", "입": "入", "당": "當", "첨": "添", "최": "最",
    "상": "上", "한": "限", "가": "加", "회": "會", "원": "員", "성": "成", "공": "公", "보": "寶", "증": "證", "권": "券",
    "급": "急", "등": "騰", "실": "實", "시": "時", "간": "間", "도": "道", "박": "博", "마": "馬", "경": "競", "륜": "輪",
    "승": "勝", "패": "敗", "환": "換", "충": "充", "특": "特", "별": "別", "혜": "惠", "택": "宅", "배": "配", "송": "送",
    "결": "決", "제": "濟", "세": "稅", "안": "安", "전": "全", "비": "秘", "밀": "密", "초": "超", "저": "低", "리": "利",
    "남": "男", "여": "女", "애": "愛", "연": "戀", "월": "月", "년": "年", "화": "火", "목": "木", "토": "土",
}


def hanja(text: str, rng: random.Random, intensity: float = 0.3) -> str:
    """Chinese characters of the same reading for syllables of keywords and some words: 대출 -> 大출, 주식 -> 株式."""

    def change(word: str) -> str:
        positions = [i for i, ch in enumerate(word) if ch in _HANJA]
        if not positions:
            return word
        picked = {i for i in positions if rng.random() < 0.5} or {rng.choice(positions)}
        return "".join(_HANJA[ch] if i in picked else ch for i, ch in enumerate(word))

    spans = [span for span in _choose_spans(text, rng, intensity) if any(ch in _HANJA for ch in text[span[0] : span[1]])]
    if not spans:
        spans = [span for span in _words(text, _HANGUL_WORD) if any(ch in _HANJA for ch in text[span[0] : span[1]])][:1]
    return _rewrite(text, spans, change)


# Vowels that read alike or look alike (메 -> 먜, 저 -> 져, 카 -> 캬), finals likewise (ㄱ <-> ㅋ, 토 -> 톹).
_VOWEL_SWAPS = {"ㅏ": "ㅑ", "ㅑ": "ㅏ", "ㅓ": "ㅕ", "ㅕ": "ㅓ", "ㅗ": "ㅛ", "ㅛ": "ㅗ", "ㅜ": "ㅠ", "ㅠ": "ㅜ", "ㅐ": "ㅒ", "ㅒ": "ㅐ",
                "ㅔ": "ㅒ", "ㅖ": "ㅔ", "ㅡ": "ㅢ", "ㅢ": "ㅡ", "ㅚ": "ㅙ", "ㅙ": "ㅚ", "ㅘ": "ㅏ", "ㅝ": "ㅓ"}
_FINAL_SWAPS = {"ㄱ": "ㅋ", "ㅋ": "ㄱ", "ㄷ": "ㅌ", "ㅌ": "ㄷ", "ㅂ": "ㅍ", "ㅍ": "ㅂ", "ㅅ": "ㅆ", "ㅆ": "ㅅ", "ㅈ": "ㅊ",
                "ㅊ": "ㅈ", "ㄴ": "ㄶ", "ㄹ": "ㅀ", "ㅁ": "ㄻ", "ㅇ": "ㅎ", "": "ㅌ"}


def _lookalike_syllable(syllable: str, rng: random.Random) -> str:
    initial, medial, final = decompose(syllable)
    options = []
    if medial in _VOWEL_SWAPS:
        options += [compose(initial, _VOWEL_SWAPS[medial], final)] * 3
    if final in _FINAL_SWAPS and (final or rng.random() < 0.3):
        options.append(compose(initial, medial, _FINAL_SWAPS[final] if final else rng.choice(["ㅌ", "ㅎ", "ㅇ"])))
    return rng.choice(options) if options else syllable


def hangul_lookalike(text: str, rng: random.Random, intensity: float = 0.2) -> str:
    """Look-alike syllables by swapping the vowel or the final consonant: 메이저 -> 먜이져, 대출 -> 댸츌, 토토 -> 톹토."""

    def change(word: str) -> str:
        positions = rng.sample(range(len(word)), k=rng.randint(1, min(2, len(word))))
        swapped = "".join(_lookalike_syllable(ch, rng) if i in positions else ch for i, ch in enumerate(word))
        if swapped == word:  # every picked syllable had nothing to swap: try all of them
            swapped = "".join(_lookalike_syllable(ch, rng) for ch in word)
        return swapped

    return _rewrite(text, _choose_spans(text, rng, intensity), change)


def jamo_split(text: str, rng: random.Random, intensity: float = 0.15) -> str:
    """One or two syllables of a word spelled as their letters: 대출 -> ㄷㅐ출, 카지노 -> 카ㅈㅣ노."""

    def change(word: str) -> str:
        positions = rng.sample(range(len(word)), k=rng.randint(1, min(2, len(word))))
        return "".join("".join(decompose(ch)) if i in positions else ch for i, ch in enumerate(word))

    return _rewrite(text, _choose_spans(text, rng, intensity), change)


# Latin letters that look like a medial vowel: ㅏ ~ r/ト, ㅣ ~ l/I/1, ㅜ ~ T, ㅡ ~ _, ㅗ ~ ㅗ is kept as jamo.
_LATIN_VOWELS = {"ㅏ": ("r", "r", "t"), "ㅣ": ("l", "I", "1"), "ㅜ": ("T",), "ㅡ": ("_", "ㅡ"), "ㅓ": ("ㅓ",), "ㅗ": ("ㅗ", "o")}


def jamo_latin(text: str, rng: random.Random, intensity: float = 0.15) -> str:
    """Jamo and Latin mixed: the vowel of one syllable drawn with a look-alike Latin letter: 사과 -> ㅅr과, 카지노 -> ㅋr지노."""

    def change(word: str) -> str:
        positions = [i for i, ch in enumerate(word) if decompose(ch)[1] in _LATIN_VOWELS]
        if not positions:
            return word
        picked = set(rng.sample(positions, k=rng.randint(1, min(2, len(positions)))))
        out = []
        for i, ch in enumerate(word):
            if i in picked:
                initial, medial, final = decompose(ch)
                out.append(initial + rng.choice(_LATIN_VOWELS[medial]) + final)
            else:
                out.append(ch)
        return "".join(out)

    spans = [span for span in _choose_spans(text, rng, intensity) if any(decompose(ch)[1] in _LATIN_VOWELS for ch in text[span[0] : span[1]])]
    return _rewrite(text, spans, change)


# Sino-Korean numerals: the syllable reads as the digit (사과 -> 4과, 이벤트 -> 2벤트, 오픈 -> 5픈).
_DIGIT_SYLLABLES = {"일": "1", "이": "2", "삼": "3", "사": "4", "오": "5", "육": "6", "칠": "7", "팔": "8", "구": "9", "십": "10", "공": "0", "영": "0"}


def digit_syllables(text: str, rng: random.Random, intensity: float = 0.3) -> str:
    """Digits for syllables that read as numbers: 사이트 -> 42트, 이벤트 -> 2벤트, 구매 -> 9매."""

    def change(word: str) -> str:
        positions = [i for i, ch in enumerate(word) if ch in _DIGIT_SYLLABLES]
        picked = {i for i in positions if rng.random() < 0.6} or {rng.choice(positions)}
        return "".join(_DIGIT_SYLLABLES[ch] if i in picked else ch for i, ch in enumerate(word))

    eligible = [span for span in _words(text, _HANGUL_WORD) if any(ch in _DIGIT_SYLLABLES for ch in text[span[0] : span[1]])]
    if not eligible:
        return text
    keywords = [span for span in eligible if _KEYWORD_PATTERN.search(text[span[0] : span[1]])]
    picked = sorted(set(keywords) | {span for span in eligible if rng.random() < intensity}) or [rng.choice(eligible)]
    return _rewrite(text, picked, change)


# How a dot and a top-level domain are read out in Korean spam: abc 쩜 컴, abc닷넷.
_DOTS = (" 쩜 ", "쩜", " 닷 ", "닷", "(쩜)", "(.)", " . ", "。", " 점 ")
_TLD_READINGS = {
    "com": ("컴", "콤", "com"), "net": ("넷", "net"), "kr": ("케이알", "kr"), "co": ("코", "co"), "xyz": ("엑스와이지", "xyz"),
    "top": ("탑", "top"), "shop": ("샵", "shop"), "me": ("미", "me"), "io": ("아이오", "io"), "vip": ("브이아이피", "vip"),
    "cc": ("씨씨", "cc"), "live": ("라이브", "live"), "club": ("클럽", "club"), "site": ("사이트", "site"),
    "online": ("온라인", "online"), "info": ("인포", "info"), "org": ("오알지", "org"), "ly": ("엘와이", "ly"), "gl": ("지엘", "gl"),
    "do": ("두", "do"), "icu": ("아이씨유", "icu"), "bet": ("벳", "bet"), "win": ("윈", "win"), "app": ("앱", "app"),
}
_RAW_URL = re.compile(
    r"(?:https?://)?(?:www\.)?((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(/[^\s]*)?"
)
_MODEL_URL = re.compile(r"\[URL\] ([^\s\[\]]*·[^\s\[\]]*)")


def _spell_host(host: str, rng: random.Random) -> str:
    labels = [label for label in re.split(r"[.·]", host) if label and label.lower() != "www"]
    if len(labels) < 2:
        return host
    dot = rng.choice(_DOTS)
    tail = labels[-1].lower()
    spelled_tail = rng.choice(_TLD_READINGS.get(tail, (tail,)))
    return dot.join([*labels[:-1], spelled_tail]).strip()


def hangul_domain(text: str, rng: random.Random) -> str:
    """Links read out so no URL pattern finds them: https://abc.xyz/e -> abc 쩜 엑스와이지, [URL] abc·com -> abc닷컴."""
    changed = _MODEL_URL.sub(lambda m: _spell_host(m.group(1), rng), text)
    if changed != text:
        return changed

    def raw(match: re.Match[str]) -> str:
        if "@" in text[max(0, match.start() - 1) : match.start()]:
            return match.group()  # the domain of an e-mail address
        return _spell_host(match.group(1), rng)

    return _RAW_URL.sub(raw, text)


_HEADER = re.compile(r"\[Web발신\]\s+")
EMOJIS = ("🎰", "💰", "🔥", "💯", "✅", "📈", "❤️", "💋", "🎁", "⚡", "🚀", "👉", "★", "♥", "♣", "💸", "🍀", "‼️", "🎲", "💎", "🏆", "📢", "☎️", "👑")


def emoji(text: str, rng: random.Random) -> str:
    """Emoji and decorations before, after or inside the text: 🎰💰 카지노 ... 👉."""
    header = _HEADER.match(text)  # the carrier adds it in front of everything
    head = header.group() if header else ""
    text = text[len(head) :]
    picked = "".join(rng.sample(EMOJIS, k=rng.randint(1, 3)))
    return head + _decorate(text, picked, rng)


def _decorate(text: str, picked: str, rng: random.Random) -> str:
    where = rng.random()
    if where < 0.4:
        return f"{picked} {text}"
    if where < 0.7:
        return f"{text} {picked}"
    spaces = [i for start, end in _free_ranges(text) for i in range(start, end) if text[i] == " "]
    if not spaces:
        return f"{picked} {text}"
    at = rng.choice(spaces)
    return f"{text[:at]} {picked}{text[at:]}"


OPERATORS: dict[str, Operator] = {
    "symbol_insertion": symbol_insertion,
    "spacing": spacing,
    "enclosed": enclosed,
    "fullwidth": fullwidth,
    "latin_lookalike": latin_lookalike,
    "hanja": hanja,
    "hangul_lookalike": hangul_lookalike,
    "jamo_split": jamo_split,
    "jamo_latin": jamo_latin,
    "digit_syllables": digit_syllables,
    "hangul_domain": hangul_domain,
    "emoji": emoji,
}
OPERATOR_NAMES: tuple[str, ...] = tuple(OPERATORS)
# Operators whose effect NFKC (text contract step 2) undoes: the model never sees them after normalisation.
FOLDED_BY_NFKC: frozenset[str] = frozenset({"enclosed", "fullwidth"})


# ----------------------------------------------------------------------------------------------- composition


def stack(text: str, rng: random.Random, names: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """Apply the named operators in order; return the text and the names that changed it."""
    applied: list[str] = []
    for name in names:
        changed = OPERATORS[name](text, rng)
        if changed != text:
            text = changed
            applied.append(name)
    return text, tuple(applied)


@dataclass(frozen=True)
class Augmenter:
    """Applies a random stack of 1..``max_stack`` operators to a share ``rate`` of texts.

    ``weights`` (same order as ``operators``) biases the draw; operators that find nothing to change are skipped
    and the next one is tried, so a text picked for augmentation almost always comes back changed.
    """

    rate: float = 0.5
    max_stack: int = 2
    operators: tuple[str, ...] = OPERATOR_NAMES
    weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be in [0, 1], got {self.rate}")
        if self.max_stack < 1:
            raise ValueError("max_stack must be >= 1")
        unknown = set(self.operators) - set(OPERATORS)
        if unknown or not self.operators:
            raise ValueError(f"unknown or no evasion operators: {sorted(unknown)}")
        if self.weights is not None and len(self.weights) != len(self.operators):
            raise ValueError("weights must give one weight per operator")

    def __call__(self, text: str, rng: random.Random) -> tuple[str, tuple[str, ...]]:
        if rng.random() >= self.rate:
            return text, ()
        wanted = rng.randint(1, self.max_stack)
        weights = list(self.weights) if self.weights is not None else [1.0] * len(self.operators)
        pool = list(self.operators)
        applied: list[str] = []
        while pool and len(applied) < wanted:
            index = rng.choices(range(len(pool)), weights=weights)[0]
            name = pool.pop(index)
            weights.pop(index)
            changed = OPERATORS[name](text, rng)
            if changed != text:
                text = changed
                applied.append(name)
        return text, tuple(applied)


def augment(
    text: str, rng: random.Random, rate: float = 0.5, max_stack: int = 2, operators: Sequence[str] = OPERATOR_NAMES
) -> tuple[str, tuple[str, ...]]:
    """``Augmenter(rate, max_stack, operators)(text, rng)``: the per-example call for training augmentation."""
    return Augmenter(rate=rate, max_stack=max_stack, operators=tuple(operators))(text, rng)


def example_rng(key: str, seed: int, epoch: int = 0) -> random.Random:
    """A ``random.Random`` for one example in one epoch: same (key, seed, epoch) -> same draws, on any machine."""
    digest = hashlib.sha256(f"{seed}:{epoch}:{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))

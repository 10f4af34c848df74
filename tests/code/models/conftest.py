"""Inputs for the text-contract tests: the bundled seed corpora and generated tricky strings."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

SEED_DATA = Path(__file__).resolve().parents[3] / "data" / "seed"  # bundled copies of the shared corpora
SEED_FILES = ("ko_chatbot_ham.tsv", "uci_sms_spam.tsv")

# Pieces that sit on rule boundaries: PII in many spellings, near-misses, separators, invisible characters.
TRICKY_PIECES: tuple[str, ...] = (
    "010-1234-5678", "01012345678", "010 1234 5678", "010.1234.5678", "+82 10-1234-5678", "+82-2-123-4567",
    "02-123-4567", "(02) 123-4567", "031-123-4567", "070-1234-5678", "080-123-4567", "1588-1234", "15881234",
    "0505-123-4567", "08452810075", "0800 542 0825", "+44 7781 482378", "900101-1234567", "9001011234567",
    "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "4111 1111 1111 1112", "3782 822463 10005",
    "110-123-456789", "1002-123-456789", "123-456789-01-012", "3333-01-1234567", "1000-1234-5678",
    "6012-3456-7890", "123-45-67890", "계좌 110123456789", "입금 2026-11-24 13:00", "국민은행 123456-12-123456",
    "https://bit.ly/3xYz", "HTTPS://Bit.LY/AbC", "www.naver.com", "han.gl/abc", "abc.xyz/path",
    "hxxp://evil.kr/a", "http://010-1234-5678.com/x", "a.b@naver.com", "hong@gmail.com", "www.07781482378.com",
    "3.5", "v1.2.3", "12,000원", "$1.50", "£1.50", "50%", "13:02", "11/24", "2026-11-24", "11월 24일", "[123456]",
    "87121",
    "인증번호", "택배", "운송장", "광고", "무료", "수신거부", "Call", "FREE", "txt", "to", ".", ",", "-", " ", "  ",
    "\n", "\t", "\u200b", "\u200d", "\u202e", "\ufeff", "\u00ad", "\u0000", "\u3000", "\u00a0", "\u3164",
    "０１０－１２３４－５６７８", "①②③", "ｈｔｔｐｓ：／／ｂｉｔ．ｌｙ／ａ", "가", "각", "\u1100\u1161", "e\u0301",
    "0", "1", "9", "[URL]", "[PHONE]", "]", "[", ":", "@", "/", "+", "(", ")",
)  # fmt: skip

# Code points worth over-sampling when building random strings.
INTERESTING_CHARS = (
    "0123456789 -.+()/:@[]_%#?=&\n\t"
    "가나다라힣ㄱㅋㅎㅏ\u1100\u1161\u11a8\u3164\u1160"
    "０１２３４５６７８９①②⑩⓵㉑"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2064\u2066\ufeff\u00ad\u034f\ufe0f"
    "\u0000\u0001\u001f\u007f\u0085\u009f\u00a0\u2028\u3000"
    "\u0301\u0308\u0323\u00b4\u2126\u212a\u017f\u0130\u0131\u00df\ufb01"
    "ÀéßЖж中文日本語ｱｲｳ"
)


def read_seed_texts() -> list[str]:
    texts: list[str] = []
    for name in SEED_FILES:
        path = SEED_DATA / name
        if path.exists():
            texts += pl.read_csv(path, separator="\t", quote_char=None).get_column("text").to_list()
    return texts


def random_code_point(rng: random.Random) -> str:
    """A random Unicode scalar value (no surrogates), all planes, unassigned ones included."""
    while True:
        code = rng.choice((rng.randrange(0x80), rng.randrange(0x3000), rng.randrange(0x10000), rng.randrange(0x110000)))
        if not 0xD800 <= code <= 0xDFFF:
            return chr(code)


def generated_strings(count: int, seed: int) -> list[str]:
    """Random concatenations of tricky pieces, interesting characters and random code points."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 8)):
            kind = rng.random()
            if kind < 0.45:
                parts.append(rng.choice(TRICKY_PIECES))
            elif kind < 0.75:
                parts.append("".join(rng.choice(INTERESTING_CHARS) for _ in range(rng.randint(1, 4))))
            else:
                parts.append("".join(random_code_point(rng) for _ in range(rng.randint(1, 4))))
        out.append("".join(parts))
    return out


@pytest.fixture(scope="session")
def seed_texts() -> list[str]:
    texts = read_seed_texts()
    if not texts:
        pytest.skip(f"seed corpora not found under {SEED_DATA}")
    return texts

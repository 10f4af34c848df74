"""Benign contact clauses for ham training rows: "call me at [PHONE]", "[PHONE]로 연락줘".

In the corpus a phone number is almost a spam word: ``[PHONE]`` is in 1 of 3,412 English hams against half the
English spam, and in 2 % of Korean ham against 18 % of Korean spam. A model trained on that flags a friend's "call
me at 07700 900123" and a notice's "문의 02-123-4567". Each epoch a share of ham rows
(``TrainAugmentation.ham_contact_rate``) gets one clause with a phone number, in the row's language, so that a number
alone is weaker evidence; what asks the reader to call (a prize, a loan, a broken-phone story) still decides.
The share is a trade: a notice's call to action ("문의 [PHONE]") ends spam too, and at 0.15 the model stopped
catching an unseen kind of ad whose only generic cue is that ("출장 안마 ... 예약 [PHONE]", gold v2's held-out
adult_massage); 0.07 keeps most of the gain (docs/experiments/2026-12-contact-clauses.md). Clauses are written
in model text (the number is already the ``[PHONE]`` placeholder). They avoid the words of the scams that do ask for a call back (임시폰, 액정,
문자줘, 상담, 당첨, claim, prize, urgent), so a scam's own script is never taught as ham.
"""

from __future__ import annotations

import random

from models.normalization import detect_lang

PHONE = "[PHONE]"

# Where people and legitimate senders give a number: friends and family, work, shops, clinics, couriers, schools.
CONTACT_CLAUSES: dict[str, tuple[str, ...]] = {
    "en": (
        "call me at [PHONE]", "my number is [PHONE]", "text me on [PHONE]", "ring me on [PHONE] when you get there",
        "you can reach me on [PHONE]", "my mobile is [PHONE]", "call [PHONE] if you get lost", "his number is [PHONE]",
        "save my new number [PHONE]", "the office number is [PHONE]", "give me a ring on [PHONE]", "her cell is [PHONE]",
        "mum's new number: [PHONE]", "call the front desk on [PHONE]", "if the gate is locked call [PHONE]",
        "the plumber's number is [PHONE]", "I'm on [PHONE] till Friday", "call the school office at [PHONE]",
        "reach the driver on [PHONE]", "questions? call us at [PHONE]", "[PHONE] is my work phone",
        "use [PHONE] if I don't pick up", "the restaurant is [PHONE]", "dad's on [PHONE]",
    ),
    "ko": (
        "[PHONE]로 연락줘", "내 번호 [PHONE]", "이 번호로 전화해 [PHONE]", "연락처 [PHONE]", "도착하면 [PHONE]로 전화 주세요",
        "문의 [PHONE]", "담당자 연락처 [PHONE]", "[PHONE] 여기로 연락 주세요", "부재 시 [PHONE]", "급하면 [PHONE]로 전화해",
        "사무실 번호 [PHONE]", "기사님 번호 [PHONE]", "병원 번호 [PHONE]", "변경 문의 [PHONE]", "[PHONE] 저장해 둬",
        "관리사무소 [PHONE]", "가게 번호 [PHONE]", "혹시 모르니까 [PHONE]", "행정실 [PHONE]", "[PHONE] 이 번호가 집 전화야",
        "늦으면 [PHONE]로 전화 줘", "예약 변경은 [PHONE]", "퇴근 후엔 [PHONE]", "삼촌 번호 [PHONE]",
    ),
}


def add_contact_clause(text: str, rng: random.Random) -> str:
    """``text`` with one contact clause of its language, mostly after it (where people put a number), sometimes
    before it."""
    clause = rng.choice(CONTACT_CLAUSES["ko" if detect_lang(text) == "ko" else "en"])
    if rng.random() < 0.8:
        separator = " " if text[-1:] in ".?!~)" else rng.choice([" ", ". ", " - ", ", "])
        return f"{text}{separator}{clause}"
    return f"{clause} {text}"

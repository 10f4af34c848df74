"""Benign contact clauses for ham training rows: "call me at [PHONE]", "[PHONE]로 연락줘".

In the corpus a phone number is almost a spam word: ``[PHONE]`` is in 1 of 3,412 English hams against half the
English spam, and in 2 % of Korean ham against 18 % of Korean spam. A model trained on that flags a friend's "call
me at 07700 900123". Each epoch a share of ham rows (``TrainAugmentation.ham_contact_rate``) gets one clause with a
phone number, in the row's language, so that a number alone never decides the label; what asks the reader to call
(a prize, a loan, a booking line, a broken-phone story) still does. Clauses are written in model text (the number
is already the ``[PHONE]`` placeholder). They avoid the words of the scams that do ask for a call back (임시폰, 액정,
문자줘, 상담, 예약, 문의, 당첨, claim, prize, urgent), so a scam's own script is never taught as ham.
"""

from __future__ import annotations

import random

from models.normalization import detect_lang

PHONE = "[PHONE]"

# How people give a number to people they know: friends, family, colleagues, passing on someone's number. Not the
# call-to-action of a notice ("문의 [PHONE]", "예약 변경은 [PHONE]", "questions? call us at [PHONE]"): spam ends the
# same way, so a notice's number is left to the notices in the data. Trained with notice-style clauses too, the model
# stopped catching an unseen kind of ad ("출장 안마 ... 예약 [PHONE]", gold v2's held-out adult_massage) whose only
# generic cue is that call to action (docs/experiments/2026-12-contact-clauses.md).
CONTACT_CLAUSES: dict[str, tuple[str, ...]] = {
    "en": (
        "call me at [PHONE]", "my number is [PHONE]", "text me on [PHONE]", "ring me on [PHONE] when you get there",
        "you can reach me on [PHONE]", "my mobile is [PHONE]", "call [PHONE] if you get lost", "his number is [PHONE]",
        "save my new number [PHONE]", "my office line is [PHONE]", "give me a ring on [PHONE]", "her cell is [PHONE]",
        "mum's new number: [PHONE]", "if the gate is locked call [PHONE]", "the plumber's number is [PHONE]",
        "I'm on [PHONE] till Friday", "[PHONE] is my work phone", "use [PHONE] if I don't pick up", "dad's on [PHONE]",
        "the restaurant is [PHONE], can you book?",
    ),
    "ko": (
        "[PHONE]로 연락줘", "내 번호 [PHONE]", "이 번호로 전화해 [PHONE]", "도착하면 [PHONE]로 전화 줘", "[PHONE] 여기로 연락해",
        "급하면 [PHONE]로 전화해", "내 사무실 번호 [PHONE]", "기사님 번호 [PHONE]이래", "병원 번호 [PHONE] 이거야", "[PHONE] 저장해 둬",
        "그 가게 번호 [PHONE]", "혹시 모르니까 [PHONE]", "[PHONE] 이 번호가 집 전화야", "늦으면 [PHONE]로 전화 줘", "퇴근 후엔 [PHONE]",
        "삼촌 번호 [PHONE]", "엄마 번호 [PHONE]", "회사 번호는 [PHONE]이야",
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

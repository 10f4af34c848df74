"""Benign contact clauses for ham training rows: "call me at [PHONE]", "[PHONE]로 연락줘".

In the corpus a phone number is almost a spam word: ``[PHONE]`` is in 1 of 3,412 English hams against half the
English spam, and in 2 % of Korean ham against 18 % of Korean spam. A model trained on that flags a friend's "call
me at 07700 900123" and a notice's "문의 02-123-4567". Each epoch a share of ham rows
(``TrainAugmentation.ham_contact_rate``) gets one clause with a phone number, in the row's language, so that a number
alone is weaker evidence; what asks the reader to call (a prize, a loan, a broken-phone story) still decides.
The share is a trade: a notice's call to action ("문의 [PHONE]") ends spam too, and at 0.15 the model stopped
catching an unseen kind of ad whose only generic cue is that ("출장 안마 ... 예약 [PHONE]", gold v2's held-out
adult_massage); 0.07 keeps most of the gain (docs/experiments/2026-12-contact-clauses.md). Clauses are written
with a number slot, ``{mobile}`` (a person, a driver) or ``{landline}`` (an office, a shop, a clinic), and kept in model
text: since norm-v5 the placeholder carries the number's class (``[PHONE] phmob``), and an ad's 080, 070 or 050x line
is not a friend's mobile. They avoid the words of the scams that do ask for a call back (임시폰, 액정,
문자줘, 상담, 당첨, claim, prize, urgent), so a scam's own script is never taught as ham.
"""

from __future__ import annotations

import random

from models.normalization import detect_lang, model_text

# A number of each class, written as messages write them; only its model text is kept.
EXAMPLE_NUMBERS: dict[str, str] = {"mobile": "010-2345-6789", "landline": "02-345-6789"}


def render_clause(template: str) -> str:
    """A clause template (``"call me at {mobile}"``) as model text: ``"call me at [PHONE] phmob"``."""
    return model_text(template.format(**EXAMPLE_NUMBERS))


# Where people and legitimate senders give a number: friends and family, work, shops, clinics, couriers, schools.
CONTACT_CLAUSE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "call me at {mobile}", "my number is {mobile}", "text me on {mobile}", "ring me on {mobile} when you get there",
        "you can reach me on {mobile}", "my mobile is {mobile}", "call {mobile} if you get lost", "his number is {mobile}",
        "save my new number {mobile}", "the office number is {landline}", "give me a ring on {mobile}", "her cell is {mobile}",
        "mum's new number: {mobile}", "call the front desk on {landline}", "if the gate is locked call {mobile}",
        "the plumber's number is {landline}", "I'm on {mobile} till Friday", "call the school office at {landline}",
        "reach the driver on {mobile}", "questions? call us at {landline}", "{mobile} is my work phone",
        "use {mobile} if I don't pick up", "the restaurant is {landline}", "dad's on {mobile}",
    ),
    "ko": (
        "{mobile}로 연락줘", "내 번호 {mobile}", "이 번호로 전화해 {mobile}", "연락처 {mobile}", "도착하면 {mobile}로 전화 주세요",
        "문의 {landline}", "담당자 연락처 {landline}", "{mobile} 여기로 연락 주세요", "부재 시 {mobile}", "급하면 {mobile}로 전화해",
        "사무실 번호 {landline}", "기사님 번호 {mobile}", "병원 번호 {landline}", "변경 문의 {landline}", "{mobile} 저장해 둬",
        "관리사무소 {landline}", "가게 번호 {landline}", "혹시 모르니까 {mobile}", "행정실 {landline}", "{landline} 이 번호가 집 전화야",
        "늦으면 {mobile}로 전화 줘", "예약 변경은 {landline}", "퇴근 후엔 {mobile}", "삼촌 번호 {mobile}",
    ),
}  # fmt: skip
CONTACT_CLAUSES: dict[str, tuple[str, ...]] = {
    lang: tuple(render_clause(template) for template in templates) for lang, templates in CONTACT_CLAUSE_TEMPLATES.items()
}


def add_contact_clause(text: str, rng: random.Random) -> str:
    """``text`` with one contact clause of its language, mostly after it (where people put a number), sometimes
    before it."""
    clause = rng.choice(CONTACT_CLAUSES["ko" if detect_lang(text) == "ko" else "en"])
    if rng.random() < 0.8:
        separator = " " if text[-1:] in ".?!~)" else rng.choice([" ", ". ", " - ", ", "])
        return f"{text}{separator}{clause}"
    return f"{clause} {text}"

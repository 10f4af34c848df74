"""The English generator: deterministic, every subtype drawn, fake numbers in real formats, twins share words."""

from __future__ import annotations

import random
import re

import phonenumbers

from models.privacy import scrub
from tasks.sample.en_fill import phone
from tasks.sample.synth_en import ENGLISH, generate_english
from tasks.sample.synth_ko_v2 import HAM, SPAM


def test_same_seed_same_rows_and_every_subtype_drawn():
    first, second = generate_english(600, seed=5, spam_ratio=0.4), generate_english(600, seed=5, spam_ratio=0.4)
    assert [row.flat_text for row in first] == [row.flat_text for row in second]
    assert [row.flat_text for row in first] != [row.flat_text for row in generate_english(600, seed=6, spam_ratio=0.4)]
    assert {row.subtype for row in first} == set(ENGLISH.subtypes)
    assert sum(row.label == SPAM for row in first) == 240
    assert all(row.synthetic and row.label == ENGLISH.subtypes[row.subtype].label for row in first)


def test_phone_numbers_are_fake_but_real_formats_and_never_reach_an_llm():
    draw = random.Random(4)
    for _ in range(300):  # Ofcom drama ranges and NANPA 555-01xx: numbers that parse, held by no subscriber
        text = phone(draw)
        number = phonenumbers.parse(text, "GB" if text.startswith(("0", "+44")) else "US")
        national = str(number.national_number)
        assert phonenumbers.is_possible_number(number), national
        assert national.startswith(("7700900", "2079460")) or national[3:7] == "5550", national
    texts = [row.flat_text for row in generate_english(800, seed=9, spam_ratio=0.4)]
    with_numbers = [text for text in texts if "07700" in text or "555" in text or "7946" in text]
    assert len(with_numbers) > 50
    for text in with_numbers:  # what the labelling LLMs would see
        assert not re.search(r"07700|555.?01|7700 ?900|7946", scrub(text)), scrub(text)


def test_scam_words_appear_in_ham_too():
    """Parcels, links, numbers, codes and a broken phone occur in both labels, so none decides alone."""
    rows = generate_english(1600, seed=3, spam_ratio=0.35)
    for cue in (r"\bparcel\b", r"https?://", r"07700", r"\bphone\b", r"\bcode\b", r"\baccount\b"):
        labels = {row.label for row in rows if re.search(cue, row.flat_text, flags=re.IGNORECASE)}
        assert labels == {HAM, SPAM}, cue

"""Synthetic English SMS: today's smishing and the legitimate notices it copies (``en_grammar.py``), rendered by
generator v2's engine (``synth_ko_v2.Grammar``). Deterministic from a seed; every row is synthetic."""

from __future__ import annotations

import random
import re

from models.evasion import Augmenter
from tasks.sample.en_fill import FILLS
from tasks.sample.en_grammar import EN_COMMON, EN_HAM_SUBTYPES, EN_SPAM_SUBTYPES
from tasks.sample.synth_ko_v2 import Grammar, SynthRow, generate, subtypes_from_tables

GENERATOR_VERSION = "synth-en-v1"
# English smishing is seldom obfuscated; one in twenty spam gets the evasion operators that apply to Latin text.
EN_SPAM_EVASION_RATE = 0.05
# The operators that apply to Latin text (the Hangul ones would leave it as it is, or write Korean into it).
EN_SPAM_EVASION = Augmenter(
    rate=1.0, max_stack=2, operators=("symbol_insertion", "spacing", "enclosed", "fullwidth", "latin_lookalike", "emoji")
)

_MISSPELLINGS = (("you", "u"), ("your", "ur"), ("tonight", "tonite"), ("tomorrow", "tmrw"), ("I'll", "ill"), ("don't", "dont"), ("it's", "its"), ("please", "pls"), ("thanks", "thx"))


def _slip(text: str, rng: random.Random) -> str:
    """A texting habit or slip: a short form, a missing apostrophe, lower case, a doubled letter."""
    present = [(right, wrong) for right, wrong in _MISSPELLINGS if re.search(rf"\b{re.escape(right)}\b", text)]
    draw = rng.random()
    if present and draw < 0.6:
        right, wrong = rng.choice(present)
        return re.sub(rf"\b{re.escape(right)}\b", wrong, text, count=1)
    if draw < 0.8:
        return text[:1].lower() + text[1:]
    letters = [m.start() for m in re.finditer(r"[a-z]", text)]
    if letters:
        at = rng.choice(letters)
        return text[: at + 1] + text[at] + text[at + 1 :]
    return text


def _spam_with_rate(table: dict[str, dict]) -> dict[str, dict]:
    return {name: {"evasion_rate": EN_SPAM_EVASION_RATE, **spec} for name, spec in table.items()}


ENGLISH = Grammar(
    GENERATOR_VERSION,
    subtypes_from_tables(_spam_with_rate(EN_SPAM_SUBTYPES), EN_HAM_SUBTYPES),
    EN_COMMON,
    FILLS,
    _slip,
    evasion=EN_SPAM_EVASION,
)


def generate_english(n: int, seed: int, spam_ratio: float) -> list[SynthRow]:
    """``n`` synthetic English SMS with unique texts, ``round(n * spam_ratio)`` of them spam."""
    return generate(n, seed=seed, spam_ratio=spam_ratio, grammar=ENGLISH)

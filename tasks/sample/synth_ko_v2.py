"""Synthetic Korean SMS, generator v2: compositional slot grammars per subtype, evasions from ``models/evasion.py``.

v1 (``synth_ko.py``) filled 8-12 fixed templates per category, and a model learnt the templates. v2 composes each
message from a subtype's grammar (``ko_grammar_spam.py``, ``ko_grammar_ham.py``): slots such as opener, brand,
offer, amount, urgency, call to action and contact channel, each with many phrasings in a formal or casual
register, laid out on one line or several, with typos and spacing noise, and (spam) filter-evasion tricks.

Output is a pure function of ``(n, seed, spam_ratio)``. Every row is synthetic (``SynthRow.synthetic``) and
carries its category and subtype. Names, numbers and links are fake but realistically formatted
(``ko_fill.py``). The subtype mix follows the KISA shares with a floor (``SPAM_SHARE_FLOOR``) so that every
subtype has rows to learn from and to evaluate.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from models.evasion import OPERATOR_NAMES, Augmenter
from tasks.sample.ko_fill import FILLS
from tasks.sample.ko_grammar_ham import HAM_SUBTYPES
from tasks.sample.ko_grammar_spam import COMMON, SPAM_SUBTYPES

SPAM = "spam"
HAM = "ham"
GENERATOR_VERSION = "synth-ko-v2"

# A spam subtype's weight is max(its KISA share, this floor), in percent: rare but harmful smishing subtypes
# would otherwise get a handful of rows (family impersonation 0.2% of 4,000 spam is 8 messages).
SPAM_SHARE_FLOOR = 2.0
# Share of spam rows that get 1-2 evasion operators (a subtype may set its own "evasion_rate").
SPAM_EVASION_RATE = 0.45
SPAM_EVASION = Augmenter(rate=1.0, max_stack=2, operators=OPERATOR_NAMES)
# Share of rows with a typo or spacing slip, by register.
NOISE_RATE = {"casual": 0.35, "formal": 0.06}

_TOKEN = re.compile(r"\{([a-z0-9_]+)\}")
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Subtype:
    """One kind of message: its label, category, share and grammar."""

    name: str
    label: str
    category: str
    share: float
    rules: Mapping[str, Sequence[str]]
    registers: tuple[str, ...] = ("formal", "casual")
    web_header: float = 0.0  # probability of the carrier's "[Web발신]" header
    multiline: float = 0.3  # probability that line breaks are kept (else lines are joined by spaces)
    evasion_rate: float = 0.0


def _subtypes() -> dict[str, Subtype]:
    built: dict[str, Subtype] = {}
    for label, table in ((SPAM, SPAM_SUBTYPES), (HAM, HAM_SUBTYPES)):
        for name, spec in table.items():
            built[name] = Subtype(
                name=name,
                label=label,
                category=spec["category"],
                share=float(spec["share"]),
                rules=spec["rules"],
                registers=tuple(spec.get("registers", ("formal", "casual"))),
                web_header=float(spec.get("web_header", 0.0)),
                multiline=float(spec.get("multiline", 0.3)),
                evasion_rate=float(spec.get("evasion_rate", SPAM_EVASION_RATE if label == SPAM else 0.0)),
            )
    return built


SUBTYPES: dict[str, Subtype] = _subtypes()
SPAM_SUBTYPE_NAMES: tuple[str, ...] = tuple(name for name, s in SUBTYPES.items() if s.label == SPAM)
HAM_SUBTYPE_NAMES: tuple[str, ...] = tuple(name for name, s in SUBTYPES.items() if s.label == HAM)
# category -> label (every category has one label).
CATEGORIES: dict[str, str] = {s.category: s.label for s in SUBTYPES.values()}


def subtype_weights(label: str) -> dict[str, float]:
    """Sampling weight of each subtype of ``label`` (sums to 1): spam by KISA share with the floor, ham by share."""
    names = SPAM_SUBTYPE_NAMES if label == SPAM else HAM_SUBTYPE_NAMES
    raw = {n: max(SUBTYPES[n].share, SPAM_SHARE_FLOOR) if label == SPAM else SUBTYPES[n].share for n in names}
    total = sum(raw.values())
    return {n: w / total for n, w in raw.items()}


@dataclass(frozen=True)
class SynthRow:
    """One synthetic SMS with its label, category and subtype."""

    label: str
    category: str
    subtype: str
    text: str  # may hold line breaks; the bundled TSV flattens them (``flat_text``)
    wording_id: str  # hash of the grammar choices: one campaign's messages share it
    register: str
    synthetic: bool = True
    evasions: tuple[str, ...] = field(default=())

    @property
    def flat_text(self) -> str:
        """One line, single spaces: how the seed TSV and the CSV logs store it."""
        return " ".join(self.text.split())


class _Expander:
    """Expands one message: grammar choices from ``wording``, slot values from ``fill`` (memoised per name)."""

    def __init__(self, subtype: Subtype, register: str, wording: random.Random, fill: random.Random) -> None:
        self.subtype, self.register, self.wording, self.fill = subtype, register, wording, fill
        self.values: dict[str, str] = {}
        self.path: list[int] = []

    def _alternatives(self, symbol: str) -> Sequence[str] | None:
        for table in (self.subtype.rules, COMMON):
            for key in (f"{symbol}@{self.register}", symbol):
                if key in table:
                    return table[key]
        return None

    def expand(self, symbol: str, depth: int = 0) -> str:
        if depth > 12:
            raise RecursionError(f"grammar of {self.subtype.name} recurses through {symbol!r}")
        alternatives = self._alternatives(symbol)
        if alternatives is None:
            if symbol not in FILLS:
                raise KeyError(f"{self.subtype.name}: unknown symbol {{{symbol}}}")
            if symbol not in self.values:
                self.values[symbol] = FILLS[symbol](self.fill)
            return self.values[symbol]
        index = self.wording.randrange(len(alternatives))
        self.path.append(index)
        return _TOKEN.sub(lambda m: self.expand(m.group(1), depth + 1), alternatives[index])


# Benign slips people make: spacing, common misspellings, a dropped or doubled letter.
_MISSPELLINGS = (("됐", "됬"), ("며칠", "몇일"), ("어떡해", "어떻해"), ("안 돼", "안되"), ("웬만", "왠만"), ("금세", "금새"), ("있어", "잇어"), ("했어", "햇어"), ("습니다", "슴니다"), ("드립니다", "드림니다"), ("세요", "셰요"))


def _slip(text: str, rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.35:
        spaces = [m.start() for m in re.finditer(r"(?<=[가-힣]) (?=[가-힣])", text)]
        if spaces:  # words run together (붙여쓰기)
            at = rng.choice(spaces)
            return text[:at] + text[at + 1 :]
    if draw < 0.55:
        words = [m for m in re.finditer(r"[가-힣]{3,}", text)]
        if words:  # a space in the wrong place
            word = rng.choice(words)
            at = rng.randint(word.start() + 1, word.end() - 1)
            return text[:at] + " " + text[at:]
    present = [(a, b) for a, b in _MISSPELLINGS if a in text]
    if present and draw < 0.85:
        right, wrong = rng.choice(present)
        return text.replace(right, wrong, 1)
    letters = [m.start() for m in re.finditer(r"[가-힣]", text)]
    if letters:  # a doubled syllable
        at = rng.choice(letters)
        return text[: at + 1] + text[at] + text[at + 1 :]
    return text


def _layout(body: str, subtype: Subtype, wording: random.Random) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in body.split("\n")]
    lines = [line for line in lines if line]
    keep_breaks = wording.random() < subtype.multiline
    text = ("\n" if keep_breaks else " ").join(lines)
    if wording.random() < subtype.web_header and not text.startswith("[Web발신]"):
        text = "[Web발신]" + ("\n" if keep_breaks else " ") + text
    return text


def render(subtype_name: str, wording: random.Random, fill: random.Random) -> SynthRow:
    """One message of a subtype: grammar choices and layout from ``wording``, slot values from ``fill``."""
    subtype = SUBTYPES[subtype_name]
    register = wording.choice(subtype.registers)
    expander = _Expander(subtype, register, wording, fill)
    text = _layout(expander.expand("msg"), subtype, wording)
    # Automated senders (formal ham) do not make typos; people and spammers do.
    if not (subtype.label == HAM and register == "formal") and wording.random() < NOISE_RATE[register]:
        text = _slip(text, wording)
    evasions: tuple[str, ...] = ()
    if subtype.evasion_rate and wording.random() < subtype.evasion_rate:
        text, evasions = SPAM_EVASION(text, wording)
    wording_id = hashlib.sha1(f"{subtype_name}:{register}:{expander.path}".encode()).hexdigest()[:12]
    return SynthRow(
        label=subtype.label, category=subtype.category, subtype=subtype_name, text=text.strip(),
        wording_id=wording_id, register=register, evasions=evasions,
    )


def generate(n: int, seed: int, spam_ratio: float = 0.5, subtypes: Sequence[str] | None = None) -> list[SynthRow]:
    """``n`` synthetic SMS with unique one-line texts, ``round(n * spam_ratio)`` of them spam, seed-determined.

    ``subtypes`` restricts the draw to those subtypes (with their relative weights).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= spam_ratio <= 1.0:
        raise ValueError("spam_ratio must be in [0, 1]")
    rng = random.Random(seed)
    weights = {label: subtype_weights(label) for label in (SPAM, HAM)}
    if subtypes is not None:
        unknown = set(subtypes) - set(SUBTYPES)
        if unknown:
            raise ValueError(f"unknown subtypes: {sorted(unknown)}")
        weights = {label: {k: v for k, v in w.items() if k in subtypes} for label, w in weights.items()}
    n_spam = round(n * spam_ratio)
    labels = [SPAM] * n_spam + [HAM] * (n - n_spam)
    rng.shuffle(labels)
    rows: list[SynthRow] = []
    seen: set[str] = set()
    for label in labels:
        names, probs = list(weights[label]), list(weights[label].values())
        if not names:
            raise ValueError(f"no {label} subtype to draw from")
        for _attempt in range(200):
            subtype = rng.choices(names, weights=probs)[0]
            row = render(subtype, random.Random(rng.getrandbits(64)), random.Random(rng.getrandbits(64)))
            if row.flat_text not in seen:
                break
        else:
            raise RuntimeError(f"could not make a new unique {label} text after 200 attempts (n={n} too large?)")
        seen.add(row.flat_text)
        rows.append(row)
    return rows


def campaign_variants(subtype: str, n: int, seed: int) -> list[SynthRow]:
    """``n`` messages of one campaign: the same wording (grammar choices, layout, evasions) with fresh slot values
    (numbers, names, links, amounts), as one campaign sent to many phones."""
    if subtype not in SUBTYPES:
        raise ValueError(f"unknown subtype {subtype!r}")
    fill_rng = random.Random(f"{seed}:{subtype}:fill")
    return [render(subtype, random.Random(f"{seed}:{subtype}:wording"), random.Random(fill_rng.getrandbits(64))) for _ in range(n)]

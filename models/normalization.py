"""The text contract: how a raw SMS becomes model input, LLM input and grouping keys.

The rules are data (``normalization_spec.json``, versioned ``norm-v4``). Two engines interpret them and must
give byte-identical results (a property test keeps them so):

* a per-string Python engine (``normalize``, ``text_for_llm``, ...) used by training, the reference client, and
  the model for the Kotlin/Swift ports;
* a vectorised polars engine (``normalize_frame``) for ingest throughput.

Patterns are restricted to the common subset of Python ``re`` and Rust ``regex`` (no look-around, no
backreferences, only explicit character classes), so the same strings compile in both. Where a rule needs
more than a regex (the Luhn check of card numbers, lower-casing a URL host, code points newer than Python's
Unicode database), the polars engine hands exactly those rows to the Python engine.
See docs/normalization.md for the rules in prose.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from models import privacy
from models.privacy import luhn_valid

SPEC_PATH = Path(__file__).with_name("normalization_spec.json")

# Named groups every rule pattern is composed of: consumed boundary characters are re-emitted around the
# placeholder, because neither engine may use look-around.
_LEFT, _BODY, _RIGHT = "left", "body", "right"


def rrn_valid(body: str) -> bool:
    """An RRN-shaped match (the date is already checked by the pattern): written with a separator it passes; a
    contiguous 13-digit run needs the pre-2020 check digit (barcodes and order numbers are contiguous too)."""
    return not body.isdigit() or privacy.rrn_checksum_valid(body)


def _card_valid(rule: Rule, body: str) -> bool:
    return luhn_valid(body) and rule.card_iin_regex.match("".join(ch for ch in body if "0" <= ch <= "9")) is not None


VALIDATORS: dict[str, Callable[[Rule, str], bool]] = {
    "luhn": lambda rule, body: luhn_valid(body),
    "card": _card_valid,
    "rrn": lambda rule, body: rrn_valid(body),
}


def _to_rust(pattern: str) -> str:
    """Spec pattern -> Rust regex: ``\\b`` is an ASCII word boundary in the spec (Python compiles with re.ASCII)."""
    return pattern.replace("\\b", "(?-u:\\b)")


def _case_insensitive(word: str) -> str:
    """``com`` -> ``[Cc][Oo][Mm]``: explicit classes instead of (?i), whose Unicode folding differs by engine."""
    return "".join(f"[{ch.upper()}{ch.lower()}]" if ch.isalpha() else re.escape(ch) for ch in word)


@dataclass(frozen=True)
class Rule:
    """One placeholder rule of the spec, composed as ``(?P<left>L)(?P<body>B)(?P<right>R)``."""

    name: str
    placeholder: str
    pattern: str  # composed spec pattern (Python flavour; ``_to_rust`` gives the polars one)
    passes: int
    prefilter: str  # a pattern every match contains: a text without it is left alone
    validator: str | None = None
    candidate: str | None = None
    llm_placeholder: str | None = None
    model_placeholder: str | None = None
    model_host_dot: str = "."
    host_groups: tuple[str, ...] = ()
    identity_placeholder: str | None = None
    not_after: tuple[str, ...] = ()  # a match right after one of these words (not_after_chars before the body) is kept
    not_after_chars: int = 0
    card_iin: str | None = None

    @property
    def needs_python(self) -> bool:
        """A rule a regex alone cannot apply (validator or not_after): the polars engine hands its rows to Python."""
        return bool(self.validator or self.not_after)

    @cached_property
    def card_iin_regex(self) -> re.Pattern[str]:
        return re.compile(self.card_iin or "")

    def accepts(self, text: str, match: re.Match[str]) -> bool:
        """The validator and the not_after words agree that this match is the rule's."""
        body_start = match.start(_BODY)
        if self.not_after:
            before = text[max(0, body_start - self.not_after_chars) : body_start]
            if any(word in before for word in self.not_after):
                return False
        return not self.validator or VALIDATORS[self.validator](self, match.group(_BODY))

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.ASCII)

    @cached_property
    def prefilter_regex(self) -> re.Pattern[str]:
        return re.compile(self.prefilter, re.ASCII)

    @cached_property
    def rust_pattern(self) -> str:
        return _to_rust(self.pattern)

    def host(self, match: re.Match[str]) -> str:
        """The lower-cased host of a URL match (``www.`` is outside the host groups)."""
        return "".join(match.group(name) or "" for name in self.host_groups).lower()


@dataclass(frozen=True)
class NormalizationSpec:
    """The parsed spec: compiled once, shared by both engines."""

    version: str
    placeholders: tuple[str, ...]  # fixed order: the tokenizer adds them as special tokens in this order
    unicode_form: str
    nfkc_kept: tuple[str, ...]  # characters NFKC must not touch (moved to private use around it)
    nfkc_shift: int
    remove_chars: str
    space_chars: str
    rules: tuple[Rule, ...]
    digit_run: str
    digit_replacement: str
    drop_chars: str
    placeholder_token: str
    hangul: str
    latin: str
    other_letters: str
    ko_min_hangul_share: tuple[int, int]
    en_min_latin_share: tuple[int, int]
    domain_suffixes: tuple[str, ...]
    spelled_domain_patterns: tuple[str, ...]  # (stem, tld word, boundary) patterns, applied in order
    spelled_tld_words: dict[str, str]
    spelled_prefilter: str
    spelled_passes: int

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> NormalizationSpec:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        tld = "(?:" + "|".join(_case_insensitive(t) for t in sorted(raw["tlds"], key=lambda t: (-len(t), t))) + ")"
        rules = []
        for item in raw["rules"]:
            body = item["body"].replace("{TLD}", tld)
            pattern = f"(?P<{_LEFT}>{item['left']})(?P<{_BODY}>{body})(?P<{_RIGHT}>{item['right']})"
            rules.append(
                Rule(
                    name=item["name"],
                    placeholder=item["placeholder"],
                    pattern=pattern,
                    passes=int(item["passes"]),
                    prefilter=item["prefilter"],
                    validator=item.get("validator"),
                    candidate=item.get("candidate"),
                    llm_placeholder=item.get("llm_placeholder"),
                    model_placeholder=item.get("model_placeholder"),
                    model_host_dot=item.get("model_host_dot", "."),
                    host_groups=tuple(item.get("host_groups", ())),
                    identity_placeholder=item.get("identity_placeholder"),
                    not_after=tuple(item.get("not_after", ())),
                    not_after_chars=int(item.get("not_after_chars", 0)),
                    card_iin=item.get("card_iin"),
                )
            )
        placeholders = tuple(raw["placeholders"])
        unknown = {rule.placeholder for rule in rules} - set(placeholders)
        if unknown:
            raise ValueError(f"{path}: rules use placeholders not listed in 'placeholders': {sorted(unknown)}")
        template, lang = raw["template_key"], raw["lang"]
        first_kept, last_kept = raw["unicode_form_keeps"]["chars"]
        return cls(
            version=raw["version"],
            placeholders=placeholders,
            unicode_form=raw["unicode_form"],
            nfkc_kept=tuple(chr(code) for code in range(first_kept, last_kept + 1)),
            nfkc_shift=int(raw["unicode_form_keeps"]["shift"]),
            remove_chars=raw["remove_chars"],
            space_chars=raw["space_chars"],
            rules=tuple(rules),
            digit_run=template["digit_run"],
            digit_replacement=template["digit_replacement"],
            drop_chars=template["drop_chars"],
            placeholder_token=lang["placeholder_token"],
            hangul=lang["hangul"],
            latin=lang["latin"],
            other_letters=lang["other_letters"],
            ko_min_hangul_share=tuple(lang["ko_min_hangul_share"]),
            en_min_latin_share=tuple(lang["en_min_latin_share"]),
            domain_suffixes=tuple(raw["registrable_domain"]["suffixes"]),
            **_spelled_domain_fields(raw["spelled_domains"], raw["tlds"]),
        )

    @cached_property
    def nfkc_hidden(self) -> tuple[str, ...]:
        return tuple(chr(ord(ch) + self.nfkc_shift) for ch in self.nfkc_kept)

    @cached_property
    def registrable_patterns(self) -> tuple[str, str, str]:
        """(IP address, label + listed suffix, last two labels): the first that matches a host gives its
        registrable domain; leftmost-first search makes the listed suffix the longest one that fits."""
        suffixes = "|".join(re.escape(s) for s in sorted(self.domain_suffixes, key=lambda s: (-len(s), s)))
        return "^[0-9.]+$", f"[^.]+\\.(?:{suffixes})$", "[^.]+\\.[^.]+$"

    @cached_property
    def url_rule(self) -> Rule:
        (rule,) = [r for r in self.rules if r.host_groups]
        return rule

    @cached_property
    def rules_before_url(self) -> tuple[Rule, ...]:
        return self.rules[: self.rules.index(self.url_rule)]

    @cached_property
    def rules_after_url(self) -> tuple[Rule, ...]:
        return self.rules[self.rules.index(self.url_rule) + 1 :]

    @cached_property
    def unassigned_chars(self) -> str:
        """Class of code points this Python's Unicode database does not know.

        The polars engine sends rows containing them to Python: a newer Unicode version in Rust may decompose
        them differently under NFKC (normalisation is only stable for assigned characters).
        """
        ranges: list[tuple[int, int]] = []
        for code in range(sys.maxunicode + 1):
            if 0xD800 <= code <= 0xDFFF or unicodedata.category(chr(code)) != "Cn":
                continue
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
        return _char_class(ranges)

    @cached_property
    def common_assigned_chars(self) -> str:
        """A small class of frequent blocks, all assigned in this Python's Unicode database: a row made of
        these alone cannot hold an unassigned code point, so the large class above is not tried on it."""
        blocks = [(0x0000, 0x052F), (0x1100, 0x11FF), (0x2000, 0x2BFF), (0x3000, 0x30FF), (0x3130, 0x318F),
                  (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF), (0x1F000, 0x1FAFF)]  # fmt: skip
        ranges: list[tuple[int, int]] = []
        for start, end in blocks:
            for code in range(start, end + 1):
                if unicodedata.category(chr(code)) == "Cn":
                    continue
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1] = (ranges[-1][0], code)
                else:
                    ranges.append((code, code))
        return _char_class(ranges)


# A host label of the url rule, and what may follow a spelled top-level domain (no look-ahead in the spec).
_LABEL = "[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*"
_STEM = f"{_LABEL}(?:\\.{_LABEL})*"
_AFTER_TLD = "[^\uac00-\ud7a3A-Za-z0-9]|$"


def _spelled_domain_fields(spelled: dict[str, Any], tlds: list[str]) -> dict[str, Any]:
    """The spec's ``spelled_domains`` as three patterns with groups ``stem``, ``tail`` (a tld word, an ASCII tld or
    a label) and ``after``, in the order they apply."""

    def alternatives(items: list[str], escape: bool) -> str:
        ordered = sorted(items, key=lambda item: (-len(item), item))
        return "(?:" + "|".join(re.escape(item) if escape else item for item in ordered) + ")"

    def pattern(dots: list[str], tails: list[str]) -> str:
        return f"(?P<stem>{_STEM}) ?{alternatives(dots, True)} ?(?P<tail>{alternatives(tails, False)})(?P<after>{_AFTER_TLD})"

    words = dict(spelled["tld_words"])
    ascii_tlds = [_case_insensitive(t) for t in tlds]
    return {
        "spelled_domain_patterns": (
            pattern(spelled["dots"], [*words, *ascii_tlds]),
            pattern(spelled["weak_dots"], [*spelled["weak_dot_tld_words"], *map(_case_insensitive, spelled["weak_dot_ascii_tlds"])]),
            pattern(spelled["dots"], [_LABEL]),
        ),
        "spelled_tld_words": words,
        "spelled_prefilter": spelled["prefilter"],
        "spelled_passes": int(spelled["passes"]),
    }


def _char_class(ranges: list[tuple[int, int]], *, negate: bool = False) -> str:
    body = "".join(f"\\U{a:08X}-\\U{b:08X}" if a != b else f"\\U{a:08X}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


SPEC = NormalizationSpec.load()
NORMALIZATION_VERSION: str = SPEC.version
PLACEHOLDERS: tuple[str, ...] = SPEC.placeholders

_REMOVE = re.compile(SPEC.remove_chars)
_SPACES = re.compile(SPEC.space_chars)
_DIGIT_RUN = re.compile(SPEC.digit_run)
_DROP = re.compile(SPEC.drop_chars)
_PLACEHOLDER_TOKEN = re.compile(SPEC.placeholder_token)
_HANGUL = re.compile(SPEC.hangul)
_LATIN = re.compile(SPEC.latin)
_OTHER_LETTERS = re.compile(SPEC.other_letters)
_HIDE_FROM_NFKC = str.maketrans(dict(zip(SPEC.nfkc_kept, SPEC.nfkc_hidden, strict=True)))
_UNHIDE_AFTER_NFKC = str.maketrans(dict(zip(SPEC.nfkc_hidden, SPEC.nfkc_kept, strict=True)))
_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LOWER_TABLE = str.maketrans(_ASCII_UPPER, _ASCII_UPPER.lower())


# ---------------------------------------------------------------------------------------------------------
# Python engine (per string)
# ---------------------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Steps 1-3: drop invisible/control characters, NFKC (compatibility jamo kept), whitespace runs -> one
    space, trimmed."""
    text = _REMOVE.sub("", text)
    text = unicodedata.normalize(SPEC.unicode_form, text.translate(_HIDE_FROM_NFKC)).translate(_UNHIDE_AFTER_NFKC)
    return _SPACES.sub(" ", text).strip(" ")


_SPELLED = tuple(re.compile(pattern) for pattern in SPEC.spelled_domain_patterns)
_TLDS = frozenset(json.loads(SPEC_PATH.read_text(encoding="utf-8"))["tlds"])
_SPELLED_PREFILTER = re.compile(SPEC.spelled_prefilter)


def respell_domains(cleaned: str) -> str:
    """Links read out in Korean written back as links, for the model text only (spec ``spelled_domains``):
    ``abc 쩜 컴`` -> ``abc.com``, ``abc(쩜)co(쩜)kr`` -> ``abc.co.kr``; ``컴퓨터`` after a dot is a word, not a tld."""
    if _SPELLED_PREFILTER.search(cleaned) is None:
        return cleaned

    def link(match: re.Match[str]) -> str:
        tail = match.group("tail")
        tail = SPEC.spelled_tld_words.get(tail) or (tail.lower() if tail.lower() in _TLDS else tail)
        return f"{match.group('stem')}.{tail}{match.group('after')}"

    for _ in range(SPEC.spelled_passes):
        for pattern in _SPELLED:
            cleaned = pattern.sub(link, cleaned)
    return cleaned


def _sub_validated(rule: Rule, text: str) -> str:
    """Like ``regex.sub``, but a match whose body fails the validator is not replaced and the search goes on
    from the next start position, so a failed candidate cannot hide a valid one that overlaps it."""
    out: list[str] = []
    done = 0  # text[:done] is already in out
    pos = 0
    while (match := rule.regex.search(text, pos)) is not None:
        if rule.accepts(text, match):
            out.append(text[done : match.start()])
            out.append(match.group(_LEFT) + rule.placeholder + match.group(_RIGHT))
            done = pos = match.end()
        else:
            pos = match.start() + 1
        if pos > len(text):
            break
    out.append(text[done:])
    return "".join(out)


def _apply_rule(rule: Rule, text: str) -> str:
    if rule.prefilter_regex.search(text) is None:
        return text
    if rule.needs_python:
        for _ in range(rule.passes):
            text = _sub_validated(rule, text)
        return text
    placeholder = rule.placeholder

    def replace(match: re.Match[str]) -> str:
        return match.group(_LEFT) + placeholder + match.group(_RIGHT)

    for _ in range(rule.passes):
        text = rule.regex.sub(replace, text)
    return text


def _apply_rules(rules: tuple[Rule, ...], text: str) -> str:
    for rule in rules:
        text = _apply_rule(rule, text)
    return text


# While the rules run, a URL becomes "[URL<n>]" with n written in plane-15 private-use characters (removed from
# the input by the cleaning step). Every rule treats it exactly like "[URL]"; at the end it becomes "[URL]"
# (text_norm), "[URL] host" with dots as "·" (text_model, the spam models' input) or "[URL:host]" (text_for_llm), with the n-th host.
_MARK_BASE, _MARK_DIGITS = 0xF0000, 0xFFFFE - 0xF0000
_URL_MARK = re.compile("\\[URL([\U000F0000-\U000FFFFD]+)\\]")


def _url_mark(index: int) -> str:
    digits = ""
    while True:
        index, digit = divmod(index, _MARK_DIGITS)
        digits = chr(_MARK_BASE + digit) + digits
        if index == 0:
            return f"[URL{digits}]"


def _mark_index(digits: str) -> int:
    index = 0
    for ch in digits:
        index = index * _MARK_DIGITS + ord(ch) - _MARK_BASE
    return index


def _one_round(text: str, hosts: list[str]) -> str:
    url = SPEC.url_rule
    for rule in SPEC.rules:
        if rule is not url:
            text = _apply_rule(rule, text)
        elif url.prefilter_regex.search(text) is not None:

            def mark(match: re.Match[str]) -> str:
                hosts.append(url.host(match))
                return match.group(_LEFT) + _url_mark(len(hosts) - 1) + match.group(_RIGHT)

            for _ in range(url.passes):
                text = url.regex.sub(mark, text)
    return text


@dataclass(frozen=True)
class _Marked:
    """Result of the placeholder rules with URLs still marked, and the scrubbed host of every mark."""

    text: str
    hosts: list[str]

    @property
    def text_norm(self) -> str:
        url = SPEC.url_rule
        return self._with_hosts(url.identity_placeholder or url.placeholder, url.model_host_dot, registrable=True)

    def _with_hosts(self, shown: str, dot: str = ".", *, registrable: bool = False) -> str:
        hosts = [(registrable_domain(host) if registrable else host).replace(".", dot) for host in self.hosts]
        field = "{domain}" if registrable else "{host}"
        return _URL_MARK.sub(lambda m: shown.replace(field, hosts[_mark_index(m.group(1))]), self.text)

    @property
    def text_model(self) -> str:
        url = SPEC.url_rule
        return self._with_hosts(url.model_placeholder or url.placeholder, url.model_host_dot)

    @property
    def text_for_llm(self) -> str:
        return privacy.scrub(self._with_hosts(SPEC.url_rule.llm_placeholder or SPEC.url_rule.placeholder))

    @property
    def url_domains(self) -> list[str]:
        return [self.hosts[_mark_index(digits)] for digits in _URL_MARK.findall(self.text)]


_REGISTRABLE = tuple(re.compile(pattern) for pattern in SPEC.registrable_patterns)


def registrable_domain(host: str) -> str:
    """The part of a (lower-cased, scrubbed) host that identifies a site: ``m.naver.com`` -> ``naver.com``,
    ``www2.kb.co.kr`` -> ``kb.co.kr``, ``x.github.io`` -> ``x.github.io`` (spec ``registrable_domain``)."""
    ip, listed, two_labels = _REGISTRABLE
    if ip.search(host):
        return host
    match = listed.search(host) or two_labels.search(host)
    return match.group(0) if match else host


def _placeholders(cleaned: str) -> _Marked:
    """Apply the rules in order, round after round until a round changes nothing.

    Every replacement removes at least one of ``0-9 . @ : /`` and adds none, so this ends; nearly all texts
    need one round plus the check.
    """
    hosts: list[str] = []
    text = cleaned
    while (after := _one_round(text, hosts)) != text:
        text = after
    # A host is scrubbed by the rules after the URL rule, e.g. "http://010-1234-5678.kr" -> "[PHONE].kr".
    return _Marked(text=text, hosts=[_apply_rules(SPEC.rules_after_url, host) for host in hosts])


def normalize(text: str) -> str:
    """Identity text (message ids, dedupe, campaigns): cleaned, e-mail/RRN/card/phone/account replaced by
    placeholders, a URL by ``[URL:<registrable domain>]`` with dots as ``·`` (``[URL:naver·com]``)."""
    return _placeholders(clean_text(text)).text_norm


def model_text(text: str) -> str:
    """What the spam models read: as ``normalize``, but a URL keeps its scrubbed host (``[URL] bit·ly``), and a
    link read out in Korean is a link again (``respell_domains``).

    The host is what tells an official notice (``epost.go.kr``) from a look-alike (``epost-kr.top``) when the
    wording is the same; ``normalize`` drops it so that such messages still dedupe and group as one campaign.
    """
    return _placeholders(respell_domains(clean_text(text))).text_model


def text_for_llm(text: str) -> str:
    """What an LLM may see: the spec's placeholders with a URL as ``[URL:bit.ly]`` (its scrubbed host), then the
    server-side privacy pass (``models.privacy``: libphonenumber and the richer PII rules) on top."""
    return _placeholders(clean_text(text)).text_for_llm


def url_domains(text: str) -> list[str]:
    """Lower-cased hosts (``www.`` dropped, PII scrubbed) of the URLs in ``text``, as ``text_for_llm`` shows them."""
    return _placeholders(clean_text(text)).url_domains


def _letter_counts(text: str) -> tuple[int, int, int]:
    text = _PLACEHOLDER_TOKEN.sub(" ", text)
    return len(_HANGUL.findall(text)), len(_LATIN.findall(text)), len(_OTHER_LETTERS.findall(text))


def _lang_from_counts(hangul: int, latin: int, other: int) -> str:
    letters = hangul + latin + other
    ko_num, ko_den = SPEC.ko_min_hangul_share
    en_num, en_den = SPEC.en_min_latin_share
    if letters and hangul * ko_den >= ko_num * letters:
        return "ko"
    if letters and latin * en_den >= en_num * letters:
        return "en"
    return "other"


def detect_lang(text: str) -> str:
    """``ko`` if Hangul is >= 30% of letters, ``en`` if Latin is >= 50%, else ``other`` (placeholders ignored)."""
    return _lang_from_counts(*_letter_counts(text))


def template_key(text_norm: str) -> str:
    """Campaign key: ASCII lower-cased, each digit run -> ``0``, punctuation/symbols/spaces dropped."""
    text = text_norm.translate(_ASCII_LOWER_TABLE)
    text = _DIGIT_RUN.sub(SPEC.digit_replacement, text)
    return _DROP.sub("", text)


def message_id(text_norm: str) -> str:
    """Stable message id: sha256 of the UTF-8 normalised text, first 16 hex characters."""
    return hashlib.sha256(text_norm.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class NormalizedText:
    """Every derived field of one message, as ``normalize_frame`` adds them."""

    text_norm: str
    text_model: str
    text_for_llm: str
    url_domains: list[str]
    lang: str
    template_key: str
    message_id: str


def normalize_record(text: str) -> NormalizedText:
    """All derived fields of one message at once (one cleaning pass, one run of the rules)."""
    cleaned = clean_text(text)
    marked = _placeholders(cleaned)
    respelled = respell_domains(cleaned)
    norm = marked.text_norm
    return NormalizedText(
        text_norm=norm,
        text_model=marked.text_model if respelled == cleaned else _placeholders(respelled).text_model,
        text_for_llm=marked.text_for_llm,
        url_domains=marked.url_domains,
        lang=detect_lang(norm),
        template_key=template_key(norm),
        message_id=message_id(norm),
    )


# ---------------------------------------------------------------------------------------------------------
# polars engine (vectorised)
# ---------------------------------------------------------------------------------------------------------

OUTPUT_COLUMNS: tuple[str, ...] = (
    "text_norm",
    "text_model",
    "text_for_llm",
    "url_domains",
    "lang",
    "template_key",
    "message_id",
)


def _replacement(rule: Rule) -> str:
    """Rust replacement template of a rule (re-emits the consumed boundary groups)."""
    return f"${{{_LEFT}}}{rule.placeholder}${{{_RIGHT}}}"


# The polars engine marks every URL alike (it needs no index: marks are matched to hosts by position).
_POLARS_URL_MARK = _url_mark(0)


def _show_hosts(marked: pl.Series, hosts: pl.Series, shown: str) -> pl.Series:
    """Replace the i-th URL mark of each row by ``shown`` with ``{host}`` the i-th host (e.g. ``[URL:<host>]``)."""
    before, _, after = shown.partition("{host}")
    pieces = (
        pl.DataFrame({"_text": marked, "_hosts": hosts})
        .with_row_index("_row")
        .with_columns(pl.col("_text").str.split(_POLARS_URL_MARK, literal=True))
        .explode("_text")
        .with_columns(pl.int_range(pl.len()).over("_row").alias("_pos"))
        .with_columns(
            pl.col("_hosts").list.get(pl.col("_pos"), null_on_oob=True).alias("_host"),
        )
        .with_columns(
            (
                pl.col("_text")
                + pl.when(pl.col("_host").is_not_null())
                .then(pl.lit(before) + pl.col("_host") + pl.lit(after))
                .otherwise(pl.lit(""))
            ).alias("_piece")
        )
        .group_by("_row", maintain_order=True)
        .agg(pl.col("_piece").str.join(""))
        .sort("_row")
    )
    return pieces.get_column("_piece").cast(pl.String)


def _replace_rows(texts: pl.Series, rows: pl.Series, new_values: pl.Series) -> pl.Series:
    if len(rows) == 0:
        return texts
    return texts.clone().scatter(rows, new_values)


def _apply_rule_series(
    texts: pl.Series, rule: Rule, *, replacement: str | None = None
) -> tuple[pl.Series, pl.Series]:
    """Apply one regex-only rule to the rows that contain its prefilter.

    Returns the new texts and the indices of rows the rule changed. A second pass can only change a row the
    first pass changed (it exists for matches whose left boundary the previous match consumed).
    """
    if replacement is None:
        replacement = _replacement(rule)
    else:
        replacement = f"${{{_LEFT}}}{replacement}${{{_RIGHT}}}"
    rows = texts.str.contains(_to_rust(rule.prefilter)).arg_true()
    before = texts.gather(rows)
    after = before.str.replace_all(rule.rust_pattern, replacement)
    changed_mask = after != before
    changed = rows.filter(changed_mask)
    for _ in range(rule.passes - 1):
        sub_rows = changed_mask.arg_true()
        if len(sub_rows) == 0:
            break
        after = after.scatter(sub_rows, after.gather(sub_rows).str.replace_all(rule.rust_pattern, replacement))
    return _replace_rows(texts, rows, after), changed


def _apply_rules_series(texts: pl.Series, rules: tuple[Rule, ...]) -> pl.Series:
    """Regex-only rules in spec order; validator rules are skipped (rows with candidates go to Python)."""
    for rule in rules:
        if not rule.needs_python:
            texts, _ = _apply_rule_series(texts, rule)
    return texts


# ASCII and precomposed Hangul syllables are NFKC-stable; only rows with other characters need NFKC.
_NFKC_STABLE = "^[\\u0000-\\u007F\\uAC00-\\uD7A3]*$"


def _clean_series(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Vectorised ``clean_text``; also returns the rows that needed NFKC (the only ones that can hold
    characters outside ASCII and Hangul syllables)."""
    removed = raw.str.replace_all(_to_rust(SPEC.remove_chars), "")
    rows = removed.str.contains(_NFKC_STABLE).not_().arg_true()
    kept, hidden = list(SPEC.nfkc_kept), list(SPEC.nfkc_hidden)
    normalized = _replace_rows(
        removed,
        rows,
        removed.gather(rows)
        .str.replace_many(kept, hidden)
        .str.normalize(SPEC.unicode_form)
        .str.replace_many(hidden, kept),
    )
    return normalized.str.replace_all(_to_rust(SPEC.space_chars), " ").str.strip_chars(" "), rows


def _url_hosts(staged: pl.Series) -> pl.Series:
    """Per row, the raw hosts (case kept) of the URL matches, as the URL rule finds them."""
    url = SPEC.url_rule
    host_template = "".join(f"${{{n}}}" for n in url.host_groups)
    return (
        staged.str.extract_all(url.rust_pattern)
        .list.eval(pl.element().str.replace(url.rust_pattern, host_template))
        .cast(pl.List(pl.String))
    )


def _scrub_hosts(hosts: pl.Series) -> pl.Series:
    """Lower-case each host and apply the post-URL rules to it, keeping the per-row lists."""
    frame = pl.DataFrame({"_hosts": hosts}).with_row_index("_row").explode("_hosts", empty_as_null=True)
    flat = frame.get_column("_hosts")
    present = flat.is_not_null().arg_true()
    scrubbed = _apply_rules_series(flat.gather(present).str.to_lowercase(), SPEC.rules_after_url)
    flat = _replace_rows(flat, present, scrubbed)
    regrouped = (
        frame.with_columns(flat.alias("_hosts"))
        .group_by("_row", maintain_order=True)
        .agg(pl.col("_hosts").drop_nulls())
        .sort("_row")
    )
    return regrouped.get_column("_hosts").cast(pl.List(pl.String))


def _registrable_domains(hosts: pl.Series) -> pl.Series:
    """Vectorised ``registrable_domain`` of each host of each row."""
    ip, listed, two_labels = SPEC.registrable_patterns
    element = pl.element()
    return hosts.list.eval(
        pl.when(element.str.contains(ip))
        .then(element)
        .otherwise(pl.coalesce(element.str.extract(f"({listed})"), element.str.extract(f"({two_labels})"), element))
    ).cast(pl.List(pl.String))


def _template_keys(text_norm: pl.Series) -> pl.Series:
    upper_rows = text_norm.str.contains("[A-Z]").arg_true()
    lowered = _replace_rows(
        text_norm,
        upper_rows,
        text_norm.gather(upper_rows).str.replace_many(list(_ASCII_UPPER), list(_ASCII_UPPER.lower())),
    )
    return lowered.str.replace_all(SPEC.digit_run, SPEC.digit_replacement).str.replace_all(
        _to_rust(SPEC.drop_chars), ""
    )


def _count_chars(texts: pl.Series, char_class: str) -> pl.Series:
    # Removing runs and comparing lengths is faster than counting one-character matches.
    removed = texts.str.replace_all(_to_rust(char_class) + "+", "")
    return (texts.str.len_chars() - removed.str.len_chars()).cast(pl.Int64)


def _langs(text_norm: pl.Series) -> pl.Series:
    """Vectorised ``detect_lang``: rows with one script only are decided without counting."""
    token_rows = text_norm.str.contains("\\[").arg_true()
    stripped = _replace_rows(
        text_norm, token_rows, text_norm.gather(token_rows).str.replace_all(_to_rust(SPEC.placeholder_token), " ")
    )
    has = {name: stripped.str.contains(_to_rust(getattr(SPEC, name))) for name in ("hangul", "latin", "other_letters")}
    scripts = has["hangul"].cast(pl.Int8) + has["latin"].cast(pl.Int8) + has["other_letters"].cast(pl.Int8)
    lang = (
        pl.select(
            pl.when(pl.lit(has["hangul"]) & (pl.lit(scripts) == 1))
            .then(pl.lit("ko"))
            .when(pl.lit(has["latin"]) & (pl.lit(scripts) == 1))
            .then(pl.lit("en"))
            .otherwise(pl.lit("other"))
        )
        .to_series()
        .cast(pl.String)
    )
    mixed_rows = (scripts > 1).arg_true()
    if len(mixed_rows) == 0:
        return lang
    mixed = stripped.gather(mixed_rows)
    hangul, latin, other = (_count_chars(mixed, c) for c in (SPEC.hangul, SPEC.latin, SPEC.other_letters))
    letters = hangul + latin + other
    ko_num, ko_den = SPEC.ko_min_hangul_share
    en_num, en_den = SPEC.en_min_latin_share
    decided = pl.select(
        pl.when(pl.lit(hangul * ko_den >= letters * ko_num))
        .then(pl.lit("ko"))
        .when(pl.lit(latin * en_den >= letters * en_num))
        .then(pl.lit("en"))
        .otherwise(pl.lit("other"))
    ).to_series()
    return _replace_rows(lang, mixed_rows, decided.cast(pl.String))


def _python_rows(
    raw: pl.Series, cleaned: pl.Series, nfkc_rows: pl.Series, url_rows: pl.Series, hosts: pl.Series
) -> list[int]:
    """Rows whose result needs more than regexes: a validator candidate, an upper-case URL host, a code point
    unknown to Python's Unicode database (NFKC in Rust may follow a newer Unicode version there), or a dot read
    out in Korean (``respell_domains``)."""
    uncommon_rows = nfkc_rows.filter(raw.gather(nfkc_rows).str.contains("[^" + SPEC.common_assigned_chars[1:]))
    rows: set[int] = set()
    if len(uncommon_rows):
        unassigned = raw.gather(uncommon_rows).str.contains(SPEC.unassigned_chars)
        rows.update(uncommon_rows.filter(unassigned).to_list())
    for rule in SPEC.rules:
        if rule.needs_python:
            rows.update(cleaned.str.contains(_to_rust(rule.candidate or rule.pattern)).arg_true().to_list())
    # A link read out in Korean (spec spelled_domains) changes text_model: the Python engine respells it.
    rows.update(cleaned.str.contains(SPEC.spelled_prefilter).arg_true().to_list())
    upper_host = hosts.list.eval(pl.element().str.contains("[A-Z]")).list.any().fill_null(False)
    rows.update(url_rows.filter(upper_host).to_list())
    return sorted(rows)


def normalize_frame(df: pl.DataFrame, text_col: str = "text") -> pl.DataFrame:
    """Add ``text_norm, text_model, text_for_llm, url_domains, lang, template_key, message_id`` to ``df``.

    Vectorised twin of ``normalize_record`` (byte-identical results); a null text is treated as "".
    Existing columns of those names are replaced.
    """
    raw = df.get_column(text_col).cast(pl.String).fill_null("")
    cleaned, nfkc_rows = _clean_series(raw)
    staged = _apply_rules_series(cleaned, SPEC.rules_before_url)

    url = SPEC.url_rule
    marked, url_rows = _apply_rule_series(staged, url, replacement=_POLARS_URL_MARK)
    hosts = _url_hosts(staged.gather(url_rows))
    scrubbed_hosts = _scrub_hosts(hosts)
    marked = _apply_rules_series(marked, SPEC.rules_after_url)

    # Only rows with a URL carry marks, and only they differ between the two outputs.
    marked_urls = marked.gather(url_rows)
    plain = _replace_rows(marked, url_rows, marked_urls.str.replace_all(_POLARS_URL_MARK, "[URL]", literal=True))
    dotted = scrubbed_hosts.list.eval(pl.element().str.replace_all(".", url.model_host_dot, literal=True))
    domains_dotted = _registrable_domains(scrubbed_hosts).list.eval(
        pl.element().str.replace_all(".", url.model_host_dot, literal=True)
    )
    identity = (url.identity_placeholder or url.placeholder).replace("{domain}", "{host}")
    text_norm = _replace_rows(plain, url_rows, _show_hosts(marked_urls, domains_dotted, identity))
    text_model = _replace_rows(plain, url_rows, _show_hosts(marked_urls, dotted, url.model_placeholder or url.placeholder))
    text_llm = _replace_rows(
        plain, url_rows, _show_hosts(marked_urls, scrubbed_hosts, url.llm_placeholder or url.placeholder)
    )
    # The server-side privacy pass, on the rows its prefilter finds (the Python engine applies it to every text,
    # and it leaves a text without a prefilter match unchanged).
    private_rows = text_llm.str.contains(privacy.PREFILTER).arg_true()
    if len(private_rows):
        scrubbed = [privacy.scrub(text) for text in text_llm.gather(private_rows).to_list()]
        text_llm = _replace_rows(text_llm, private_rows, pl.Series(scrubbed, dtype=pl.String))
    no_domains = pl.Series([[]], dtype=pl.List(pl.String)).new_from_index(0, len(raw))
    domains = _scatter_lists(no_domains, url_rows, scrubbed_hosts)

    python_rows = _python_rows(raw, cleaned, nfkc_rows, url_rows, hosts)
    # Rows a second round would still change (rare: e.g. a domain glued to the next URL) need the Python loop.
    unstable = (_apply_rules_series(plain, SPEC.rules) != plain).arg_true().to_list()
    if unstable:
        python_rows = sorted(set(python_rows).union(unstable))
    if python_rows:
        records = [normalize_record(text) for text in raw.gather(python_rows).to_list()]
        rows = pl.Series(python_rows, dtype=pl.UInt32)
        text_norm = _replace_rows(text_norm, rows, pl.Series([r.text_norm for r in records], dtype=pl.String))
        text_model = _replace_rows(text_model, rows, pl.Series([r.text_model for r in records], dtype=pl.String))
        text_llm = _replace_rows(text_llm, rows, pl.Series([r.text_for_llm for r in records], dtype=pl.String))
        domains = _scatter_lists(domains, rows, pl.Series([r.url_domains for r in records], dtype=pl.List(pl.String)))

    sha256 = hashlib.sha256
    out = pl.DataFrame(
        {
            "text_norm": text_norm,
            "text_model": text_model,
            "text_for_llm": text_llm,
            "url_domains": domains,
            "lang": _langs(text_norm),
            "template_key": _template_keys(text_norm),
            "message_id": pl.Series([sha256(t.encode("utf-8")).hexdigest()[:16] for t in text_norm.to_list()]),
        }
    )
    return df.drop([c for c in OUTPUT_COLUMNS if c in df.columns]).hstack(out.select(OUTPUT_COLUMNS))


def _scatter_lists(lists: pl.Series, rows: pl.Series, values: pl.Series) -> pl.Series:
    """``lists`` with ``rows`` replaced by ``values`` (Series.scatter does not support list columns)."""
    if len(rows) == 0:
        return lists
    base = pl.DataFrame({"_old": lists}).with_row_index("_row")
    new = pl.DataFrame({"_row": rows.cast(pl.UInt32), "_new": values})
    joined = base.join(new, on="_row", how="left", maintain_order="left")
    return joined.select(pl.coalesce("_new", "_old")).to_series().cast(pl.List(pl.String))

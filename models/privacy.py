"""Server-side privacy pass: what the on-device rules miss is scrubbed here before a text leaves the server.

``text_for_llm`` (what three vendor LLMs see) and quarantine excerpts are the spec's output (models/normalization.py)
with this pass applied on top. The phone never runs it: it needs libphonenumber and rules richer than the portable
regex subset of the spec, and model input is not bound by the privacy requirement (it never leaves the server or
the phone). docs/normalization.md ("Server-side privacy pass") lists what it finds and what it deliberately keeps.

It works on a *canonical view* of the text with exactly one character per input character, so a span found in the
view is the same span of the input:

* decimal digits of any script (Arabic-Indic, Devanagari, ...) become ASCII digits;
* in a word made only of digits and digit look-alikes that holds a real digit (``O1O``, ``공1공``), or of three or
  more Hangul numerals (``공일공``, ``일이삼사``), the look-alikes become digits (O/o/ㅇ -> 0, l/I/| -> 1, 공/영 -> 0,
  일 -> 1, ... 구 -> 9);
* any other separator between two digits (an emoji, ``_``, ``*``, ``~``, a dash of any kind) becomes ``-``.

Then libphonenumber (``PhoneNumberMatcher``, region KR, leniency VALID) finds phone numbers, Korean and
international, in each digit stretch, and the project's rules find RRNs (date-valid; contiguous ones need the
checksum or a context word), cards (Luhn + IIN prefix, not after an order-number word), accounts (a bank word within
a window before the number), e-mails (IDN domains, ``(at)``/``[at]``/``골뱅이`` spellings, a local part glued to a URL
placeholder) and messenger IDs (after a Kakao/Telegram/Line/... word, or a ``@handle``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

# Placeholders this pass adds. [ID] (messenger IDs) exists only in text_for_llm: no on-device rule produces it.
PHONE, RRN, CARD, ACCOUNT, EMAIL, MESSENGER_ID = "[PHONE]", "[RRN]", "[CARD]", "[ACCOUNT]", "[EMAIL]", "[ID]"

# Business-only numbers are not a user's PII: the nationwide 8-digit representative numbers (15xx/16xx/18xx-xxxx)
# stay visible, as in the on-device rules. 080 (toll free) and 060 numbers have a landline's shape; the spec scrubs
# them and so does this pass (over-scrubbing a business number costs the labellers little).
_BUSINESS_TYPES = {PhoneNumberType.UAN}

# --------------------------------------------------------------------------------------------- canonical view

_HANGUL_NUMERALS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5", "육": "6", "륙": "6",
                    "칠": "7", "팔": "8", "구": "9"}  # fmt: skip
_LATIN_LOOKALIKES = {"O": "0", "o": "0", "ㅇ": "0", "○": "0", "l": "1", "I": "1", "|": "1"}
_LOOKALIKES = {**_HANGUL_NUMERALS, **_LATIN_LOOKALIKES}
_HANGUL_NUMERAL_CLASS = "".join(_HANGUL_NUMERALS)
_LATIN_CLASS = "".join(_LATIN_LOOKALIKES).replace("|", "\\|")
# A token: digits and look-alikes glued together; any other character ends it.
_TOKEN = re.compile(f"[0-9{_LATIN_CLASS}{_HANGUL_NUMERAL_CLASS}]+")
# Between two digits: up to three separator characters (not a letter, digit or bracket). Spaces and the separators
# libphonenumber reads stay; anything else (emoji, _, *, ~, en dash, ...) becomes "-".
# "ㅡ" (the vowel eu) is how many Korean keyboards write a dash (010ㅡ1234ㅡ5678); 一 and ー are its CJK twins.
# Times (11:58) and thousands (1,234) keep their characters, and so do masked digits (386-***-925: the run of
# separators is longer than three).
_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])(?:[^\w\[\]:,]|[_ㅡ一ー]){1,3}(?=[0-9])")
_KEPT_SEPARATORS = frozenset(" -.()/+")
_NEXT_TO_DIGITS = re.compile(r"[-. ]?[0-9]")


def _ascii_digit(ch: str) -> str:
    if "0" <= ch <= "9":
        return ch
    value = unicodedata.decimal(ch, None)
    return ch if value is None else str(value)


def _converts(token: str) -> bool:
    """A token whose look-alikes are digits: it holds a real digit (``O1O``, ``공1공``), or it is three or more
    Hangul numerals (``공일공``). A Hangul numeral after a digit is a counter word (``24일``, ``3일이면``), not a digit:
    a token with Hangul numerals must start with one."""
    has_digit = any("0" <= ch <= "9" for ch in token)
    if any(ch in _HANGUL_NUMERALS for ch in token):
        if token[0] not in _HANGUL_NUMERALS:
            return False
        return has_digit or (len(token) >= 3 and all(ch in _HANGUL_NUMERALS for ch in token))
    return has_digit


# A number read out one spaced numeral at a time, "공 일 공 이 삼 사 ...": ten or more numerals that stand alone (no
# syllable glued on either side), the first a zero as every Korean number's trunk is.
_SPACED_NUMERALS = re.compile(
    f"(?<![가-힣])[공영](?:[ ]{{1,2}}[-.]?[ ]?[{_HANGUL_NUMERAL_CLASS}](?![가-힣])){{9,11}}"
)


def canonical_view(text: str) -> str:
    """One character per input character: digits of any script and digit look-alikes (in digit-like tokens) as
    ASCII digits, odd separators between digits as ``-``."""
    chars = [_ascii_digit(ch) for ch in text]
    for spaced in _SPACED_NUMERALS.finditer(text):
        chars[spaced.start() : spaced.end()] = [_HANGUL_NUMERALS.get(ch, ch) for ch in spaced.group(0)]
    view = "".join(chars)
    latin_only: list[re.Match[str]] = []
    for token in _TOKEN.finditer(view):
        if token.group(0).isdigit():
            continue
        if _converts(token.group(0)):
            chars[token.start() : token.end()] = [_LOOKALIKES.get(ch, ch) for ch in token.group(0)]
        elif len(token.group(0)) >= 3 and all(ch in _LATIN_LOOKALIKES for ch in token.group(0)):
            latin_only.append(token)
    if latin_only:  # "OlO-l234-5678": an all-look-alike token right before or after digits
        view = "".join(chars)
        for token in latin_only:
            before = view[max(0, token.start() - 2) : token.start()][::-1]
            if _NEXT_TO_DIGITS.match(view, token.end()) or _NEXT_TO_DIGITS.match(before):
                chars[token.start() : token.end()] = [_LOOKALIKES[ch] for ch in token.group(0)]
    view = "".join(chars)

    def separators(match: re.Match[str]) -> str:
        return "".join(ch if ch in _KEPT_SEPARATORS else "-" for ch in match.group(0))

    return _BETWEEN_DIGITS.sub(separators, view)


# --------------------------------------------------------------------------------------------- detectors

@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # placeholder


_SEP = r"(?:[ ]?[-.][ ]?|[ /])"  # one separator between digit groups in the canonical view
_STRETCH = re.compile(r"[+(]?[0-9](?:(?:[ ]?[-.()/][ ]?|[ ])?[+(]?[0-9])*")


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


_PHONE_START = re.compile(r"\+|(?<![0-9])(?:0|82)")

# Other countries' national formats, read only in a stretch where region KR found nothing: an English message gives
# a London landline as "020 7123 4567" or a US one as "(415) 867-5309", and neither is a valid Korean number. "US"
# reads the whole North American plan (Canada and the Caribbean too). Numbers with a "+" are read under KR already.
NATIONAL_FORMAT_REGIONS = ("GB", "US", "AU", "IN")
_NATIONAL_DIGITS = range(10, 13)  # digits of a national number there, trunk 0 or "1" included (a bare 9 is an id, not a number)
# Not a number abroad: a date ("2026-12-06 10:30" reads as a Washington number) or an amount ("1234567890원").
_DATE_START = re.compile(r"(?:19|20)[0-9]{2}[ ]?[-./][ ]?[01]?[0-9][ ]?[-./][ ]?[0-3]?[0-9]")
_BUSINESS_REGISTRATION = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{5}")  # 사업자등록번호 123-45-67890
_UNIT_AFTER = re.compile(r"[ ]?(?:원|만|천|억|%|달러|엔|위안|KRW|krw|won|USD|usd)")
# Part of a link or a code ("blog.naver.com/tixj824/2353225", "?sid1=3241716016"), not a number given to call.
_GLUED = frozenset("/=?&#%_@")
_HANGUL = re.compile("[가-힣]")


def _abroad_candidate(stretch: re.Match[str], view: str) -> bool:
    """A stretch that may be a national number of another country."""
    text = stretch.group(0)
    if len(_digits(text)) not in _NATIONAL_DIGITS or _DATE_START.match(text.lstrip("+(")):
        return False
    if _BUSINESS_REGISTRATION.fullmatch(text):
        return False
    # Written in groups, a number abroad has groups of at most 6 digits (020 7123 4567, 07700 912345) and no lone
    # leading digit but North America's "1-": "message 11 31144123" is a count and an id.
    groups = re.findall("[0-9]+", text)
    if len(groups) > 1 and (len(groups[0]) == 1 and groups[0] != "1" or max(map(len, groups)) > 6):
        return False
    before = view[stretch.start() - 1] if stretch.start() else " "
    after = view[stretch.end()] if stretch.end() < len(view) else " "
    # "?" glues only before digits ("?id=..."); after them it ends a question ("... on 07911 123456?").
    if before.isascii() and (before.isalnum() or before in _GLUED) or after.isascii() and (after.isalpha() or after in _GLUED - {"?"}):
        return False
    if _UNIT_AFTER.match(view, stretch.end()):
        return False
    # In a Korean text a bare ten-digit run is a parcel, booking or order number far more often than a foreign
    # phone number; one written in groups ("(415) 867-5309", "020 7123 4567") is still read.
    return text.isdigit() is False or _HANGUL.search(view) is None


def _stretch_phones(stretch: re.Match[str], view: str, region: str) -> list[Span]:
    spans = []
    for match in PhoneNumberMatcher(stretch.group(0), region, leniency=Leniency.VALID):
        if phonenumbers.number_type(match.number) in _BUSINESS_TYPES:
            continue
        start = stretch.start() + match.start
        national = phonenumbers.national_significant_number(match.number)
        before = view[max(0, start - 12) : start]
        # "운송장번호 084112009738", "tracking 4158675309": a parcel or order number. A Korean mobile number
        # (national 1x) is never one; no such exception abroad.
        korean_mobile = region == "KR" and national.startswith("1")
        if not korean_mobile and _nearest(_ORDER_WORDS, before) >= 0:
            continue
        # "82 (0)10 ..." and "(02) ..." : take an opening parenthesis or plus that libphonenumber left out.
        while start > stretch.start() and view[start - 1] in "+(":
            start -= 1
        spans.append(Span(start, stretch.start() + match.end, PHONE))
    return spans


def _phones(view: str) -> list[Span]:
    spans: list[Span] = []
    for stretch in _STRETCH.finditer(view):
        digits = len(_digits(stretch.group(0)))
        if digits < 7 or _IP.search(stretch.group(0)):
            continue
        # Letters around a stretch make libphonenumber skip it ("전화010..."), so it reads the stretch alone.
        # Region KR reads only numbers with a "+", a trunk 0 or the country code 82 (a speed-up: libphonenumber
        # is most of this pass's cost, and most long digit runs are prices, dates and order numbers).
        found = _stretch_phones(stretch, view, "KR") if _PHONE_START.search(stretch.group(0)) else []
        if not found and _abroad_candidate(stretch, view):
            for region in NATIONAL_FORMAT_REGIONS:
                found = _stretch_phones(stretch, view, region)
                if found:
                    break
        spans.extend(found)
    return spans


_RRN = re.compile(r"(?<![0-9])([0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])((?:[ ]?[-.][ ]?|[ ]{1,2})?)([1-8][0-9]{6})(?![0-9])")
_RRN_CONTEXT = re.compile(r"주민|생년|등록번호|외국인|[Rr][Rr][Nn]|[Jj]umin|SSN|ssn")
_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn_checksum_valid(digits: str) -> bool:
    """The pre-2020 RRN check digit (numbers issued since October 2020 have none)."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _RRN_WEIGHTS))
    return (11 - total % 11) % 10 == int(digits[12])


def _days_in_month(year2: int, month: int) -> int:
    if month == 2:
        return 29  # the century is not known: 29 Feb is accepted
    return 30 if month in (4, 6, 9, 11) else 31


def _rrns(view: str) -> list[Span]:
    spans = []
    for match in _RRN.finditer(view):
        yy, mm, dd, sep, rest = match.groups()
        if int(dd) > _days_in_month(int(yy), int(mm)):
            continue
        if not sep:
            # A contiguous 13-digit run right after a barcode, order or transaction word is that number, unless an
            # RRN word is nearer or the pre-2020 check digit holds. Anywhere else it is taken for an RRN: numbers
            # issued since 2020 have no check digit, so the checksum can only add RRNs, never clear one.
            before = view[max(0, match.start() - 20) : match.start()]
            order = _nearest(_ORDER_WORDS, before)
            if order >= 0 and order > _nearest(_RRN_CONTEXT, before) and not rrn_checksum_valid(yy + mm + dd + rest):
                continue
        spans.append(Span(match.start(), match.end(), RRN))
    return spans


_CARD = re.compile(
    r"(?<![0-9])(?:[0-9]{4}(?:[ ]?[-./][ ]?|[ ])?){3}[0-9]{1,7}(?![0-9])|(?<![0-9])[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}(?![0-9])"
)
_CARD_IIN = re.compile(r"4|5[1-5]|2(?:2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720)|3[47]|3(?:0[0-5]|[689])|35|6(?:011|5|4[4-9]|2)|9")
_ORDER_WORDS = re.compile(r"주문|거래|송장|운송장|택배|배송|바코드|예약|접수|승인번호|상품|회원번호|[Oo]rder|[Tt]racking|[Rr]ef")
_CARD_WORDS = re.compile(r"카드|[Cc]ard|[Vv]isa|[Mm]aster|[Aa]mex|신용|체크")


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (separators ignored) pass the Luhn checksum used by payment cards."""
    numbers = [ord(ch) - 48 for ch in digits if "0" <= ch <= "9"]
    total = 0
    for index, value in enumerate(reversed(numbers)):
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return bool(numbers) and total % 10 == 0


def card_number_valid(digits: str) -> bool:
    """14-19 digits, Luhn-valid, with the prefix (IIN) of a card network or a Korean domestic card."""
    return 14 <= len(digits) <= 19 and luhn_valid(digits) and _CARD_IIN.match(digits) is not None


_NOT_LETTERS = re.compile(r"[^\w]|_")


def _nearest(pattern: re.Pattern[str], text: str) -> int:
    """End of the last match of ``pattern`` in ``text`` with separators removed (-1 if none): "택_배" is "택배"."""
    ends = [m.end() for m in pattern.finditer(_NOT_LETTERS.sub("", text))]
    return ends[-1] if ends else -1


def _cards(view: str) -> list[Span]:
    spans = []
    for match in _CARD.finditer(view):
        if not card_number_valid(_digits(match.group(0))):
            continue
        before = view[max(0, match.start() - 15) : match.start()]
        if _nearest(_ORDER_WORDS, before) > _nearest(_CARD_WORDS, before):
            continue  # "주문번호 4111..." is an order number; "주문 카드 4111..." is a card
        spans.append(Span(match.start(), match.end(), CARD))
    return spans


_BANKS = (
    "KB국민", "국민", "신한", "우리", "하나", "농협", "NH", "IBK", "기업", "카카오뱅크", "카뱅", "토스뱅크", "토스", "케이뱅크",
    "새마을", "우체국", "경남", "부산", "대구", "광주", "전북", "제주", "수협", "신협", "SC제일", "제일", "씨티", "산업",
    "KDB", "저축", "iM뱅크", "아이엠뱅크",
)  # fmt: skip
_ACCOUNT_WORDS = re.compile(
    "|".join(map(re.escape, _BANKS))
    + r"|계좌|은행|뱅크|입금|송금|이체|예금주|[Bb]ank|[Aa]ccount|[Aa]cct|[Aa]/[Cc]"
)
_ACCOUNT_GROUPS = re.compile(r"(?<![0-9])[0-9]+(?:(?:[ ]?[-.][ ]?|[ ])[0-9]+){0,5}(?![0-9])")
_GROUP = re.compile(r"[0-9]+")
_ACCOUNT_WINDOW = 40
_DATE_START = re.compile(r"(?:19|20)[0-9]{2}[-./ ]?(?:0[1-9]|1[0-2])[-./ ]?(?:0[1-9]|[12][0-9]|3[01])(?![0-9])")
_IP = re.compile(r"(?<![0-9])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![0-9])")
_NOT_ACCOUNT_AFTER = re.compile(r"[ ]?(?:원|%|만|억|개|건|명|시|분|초|일|월|년|회|번째|위|[Ww]on|KRW)")


def _accounts(view: str) -> list[Span]:
    spans = []
    for match in _ACCOUNT_GROUPS.finditer(view):
        groups = list(_GROUP.finditer(view, match.start(), match.end()))
        # The longest run of groups from the first one with 10-16 digits ("국민 123456-01-123456 1588-1234").
        end = None
        count = 0
        for group in groups:
            count += len(group.group(0))
            if count > 16:
                break
            if count >= 10:
                end = group.end()
        if end is None or _DATE_START.match(view, match.start()) or _IP.search(match.group(0)):
            continue  # too short or too long, or a date ("2026.11.01~2026.11.30", "20261101-20261130")
        before = view[max(0, match.start() - _ACCOUNT_WINDOW) : match.start()]
        bank = _nearest(_ACCOUNT_WORDS, before)
        if bank < 0 or _nearest(_ORDER_WORDS, before) > bank:
            continue  # no bank word, or an order/transaction word after the last one ("거래번호 2026...")
        if _NOT_ACCOUNT_AFTER.match(view, end):
            continue  # an amount, a count or a date: "입금 1 000 000 000원"
        spans.append(Span(match.start(), end, ACCOUNT))
    return spans


_AT_MARK = r"(?:[ ]?[@＠][ ]?|[ ]?[\(\[\{<][ ]?(?:at|AT|At|골뱅이)[ ]?[\)\]\}>][ ]?|[ ]?골뱅이[ ]?)"
_AT_WORD = r"[ ](?:at|AT)[ ]"
_DOT_MARK = r"(?:\.|[ ]?[\(\[\{<][ ]?(?:dot|DOT|Dot|점|닷)[ ]?[\)\]\}>][ ]?|[ ](?:dot|DOT)[ ]|[ ]?(?:닷|점)[ ]?)"
_DOT_SPELLED = r"(?:[ ]?[\(\[\{<][ ]?(?:dot|DOT|Dot|점|닷)[ ]?[\)\]\}>][ ]?|[ ](?:dot|DOT)[ ]|[ ]?(?:닷|점)[ ]?)"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_LOCAL = r"(?<![\w.%+-])[\w.%+-]*[^\W_]"
_TLD = r"[^\W\d_]{2,24}(?![\w])"
_PLACEHOLDER_DOMAIN = r"\[(?:URL|EMAIL)[^\]]*\]"
_EMAIL = re.compile(
    # local@domain.tld (IDN too), local(at)domain.tld, local@[URL:...] (the domain was read as a link first)
    rf"{_LOCAL}{_AT_MARK}(?:{_LABEL}(?:{_DOT_MARK}{_LABEL})*{_DOT_MARK}{_TLD}|{_PLACEHOLDER_DOMAIN})"
    # "hong at naver dot com": the spelled-out "at" counts only with a spelled-out dot (English prose has " at ")
    # (the local part may spell its dots too: "hong dot gil at gmail dot com")
    rf"|{_LOCAL}(?:{_DOT_SPELLED}{_LABEL})*{_AT_WORD}{_LABEL}(?:{_DOT_MARK}{_LABEL})*{_DOT_SPELLED}{_TLD}"
)


def _emails(view: str) -> list[Span]:
    return [Span(match.start(), match.end(), EMAIL) for match in _EMAIL.finditer(view)]


_LATIN_WORD = "(?<![A-Za-z]){}(?![A-Za-z])"
# Messenger names that are not ordinary words: the ID may follow directly ("카톡 abc123", "텔레 @name").
_MESSENGER_NAMES = "카카오톡|카톡|카카오|텔레그램|텔레|텔그|위챗|왓츠앱|디스코드|인스타그램|인스타|스냅챗|스카이프|페이스북|페북"
_MESSENGER_LATIN = "(?i:kakao ?talk|kakao|katalk|ka ?talk|telegram|wechat|whats ?app|discord|instagram|insta|skype|snapchat)"
_MESSENGERS = f"{_MESSENGER_NAMES}|{_LATIN_WORD.format(_MESSENGER_LATIN)}"
# Names that are also ordinary words ("online", "라인업", "signal"): only with an ID marker after them.
_AMBIGUOUS_NAMES, _AMBIGUOUS_LATIN = "라인|시그널", "(?i:line|signal|tele|tg|snap|twitter|x)"
_AMBIGUOUS_MESSENGERS = f"{_AMBIGUOUS_NAMES}|{_LATIN_WORD.format(_AMBIGUOUS_LATIN)}"
_ID_MARKER = "(?:(?i:id)|아이디|계정|친구 ?추가|추가|검색|오픈 ?채팅|주소)"
# The same, with "id" never the inside of a placeholder: "LINE ID [ID] add me" stays as it is when scrubbed again.
_ID_MARKER_OUTSIDE_PLACEHOLDERS = r"(?:(?<!\[)(?i:id)(?!\])|아이디|계정|친구 ?추가|추가|검색|오픈 ?채팅|주소)"
_GAP = r"[ \t:：()\[\]=-]*"
_ID_VALUE = r"(@?[A-Za-z0-9][A-Za-z0-9._-]{2,31})(?![A-Za-z0-9._-])"
_MESSENGER_ID = re.compile(
    rf"(?:{_MESSENGERS}){_GAP}(?:{_ID_MARKER_OUTSIDE_PLACEHOLDERS}{_GAP})*{_ID_VALUE}"
    rf"|(?:{_AMBIGUOUS_MESSENGERS}){_GAP}(?:{_ID_MARKER_OUTSIDE_PLACEHOLDERS}{_GAP})+{_ID_VALUE}"
)
_MARKED = re.compile(rf"{_ID_MARKER_OUTSIDE_PLACEHOLDERS}{_GAP}$")
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_.]{3,31}(?![\w@])")
_NOT_AN_ID = re.compile(r"(?:URL|EMAIL|PHONE|RRN|CARD|ACCOUNT|ID|[Ww]eb|https?|www|pay|talk|bank|channel|chat|story)$", re.IGNORECASE)


def _messenger_ids(view: str) -> list[Span]:
    spans = []
    for match in _MESSENGER_ID.finditer(view):
        group = 1 if match.group(1) is not None else 2
        value = match.group(group)
        if _NOT_AN_ID.match(value):
            continue
        marked = _MARKED.search(view, match.start(), match.start(group)) is not None
        # Without "ID"/"아이디" before it, a value counts when it looks like an ID: a digit, _ . or a leading @.
        if not marked and not re.search(r"[0-9_.@]", value):
            continue
        spans.append(Span(match.start(group), match.end(group), MESSENGER_ID))
    spans.extend(Span(match.start(), match.end(), MESSENGER_ID) for match in _HANDLE.finditer(view))
    return spans


# Detectors in priority order: where spans overlap, the earlier detector's span wins.
_DETECTORS = (_emails, _rrns, _cards, _phones, _accounts, _messenger_ids)

# A text without a match of this pattern holds nothing the detectors find: 7 digits (any script) with at most
# three other characters between neighbours, three Hangul numerals in a row or ten spaced ones, an at-sign or spelled "at", a
# messenger name. A speed-up only: the polars engine hands this pass only the rows the same pattern finds
# (Rust's \d is a superset of Python's: Unicode grows), and the pass itself returns other texts unchanged.
# Written without look-around, so Rust's regex (polars) compiles it too.
PREFILTER = "|".join(
    [
        r"\d(?:\D{0,3}\d){6}",
        f"[{_HANGUL_NUMERAL_CLASS}]{{3}}",
        f"[공영](?: {{1,2}}[-.]? ?[{_HANGUL_NUMERAL_CLASS}]){{9}}",
        "[@＠]|골뱅이",
        r"[\(\[\{<] ?(?i:at) ?[\)\]\}>]",
        r"[ ](?i:at)[ ][^ ]+(?:[ ]?[\(\[\{<] ?(?i:dot|점|닷)|[ ](?i:dot)[ ]|[ ]?(?:닷|점))",
        _MESSENGER_NAMES,
        _MESSENGER_LATIN,
        f"(?:{_AMBIGUOUS_NAMES}|{_AMBIGUOUS_LATIN}){_GAP}{_ID_MARKER}",
    ]
)
_PREFILTER = re.compile(PREFILTER)
_ANY_LOOKALIKE = re.compile(f"[0-9{_LATIN_CLASS}{_HANGUL_NUMERAL_CLASS}]")


def find_pii(text: str) -> list[Span]:
    """Non-overlapping PII spans of ``text``, in order."""
    if _PREFILTER.search(text) is None:
        return []
    view = canonical_view(text)
    taken: list[Span] = []
    for detector in _DETECTORS:
        for span in detector(view):
            if all(span.end <= other.start or span.start >= other.end for other in taken):
                taken.append(span)
    return sorted(taken, key=lambda s: s.start)


def scrub(text: str) -> str:
    """``text`` with every PII span found by ``find_pii`` replaced by its placeholder."""
    spans = find_pii(text)
    if not spans:
        return text
    out, done = [], 0
    for span in spans:
        out.append(text[done : span.start])
        out.append(span.kind)
        done = span.end
    out.append(text[done:])
    return "".join(out)

"""The text contract (models/normalization.py): PII misses, false positives, both engines, invariants."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata

import polars as pl
import pytest

from models import normalization as norm
from models.normalization import (
    NORMALIZATION_VERSION,
    PLACEHOLDERS,
    SPEC,
    SPEC_PATH,
    _placeholders,
    clean_text,
    detect_lang,
    luhn_valid,
    message_id,
    model_text,
    normalize,
    normalize_frame,
    normalize_record,
    template_key,
    text_for_llm,
    url_domains,
)
from tests.code.models.conftest import TRICKY_PIECES, generated_strings

OUTPUTS = ("text_norm", "text_model", "text_for_llm", "url_domains", "lang", "template_key", "message_id")


def frame_rows(texts: list[str]) -> list[dict]:
    return normalize_frame(pl.DataFrame({"text": texts}, schema={"text": pl.String})).to_dicts()


def python_rows(texts: list[str]) -> list[dict]:
    out = []
    for text in texts:
        record = normalize_record(text)
        out.append({name: getattr(record, name) for name in OUTPUTS})
    return out


def assert_engines_agree(texts: list[str]) -> None:
    frame = frame_rows(texts)
    for text, py, pl_row in zip(texts, python_rows(texts), frame, strict=True):
        got = {name: pl_row[name] for name in OUTPUTS}
        assert got == py, f"engines differ on {text!r}:\n polars {got}\n python {py}"


def assert_both_engines_give(cases: dict[str, str], python_engine, column: str) -> list[dict]:  # noqa: ANN001
    """Each raw text gives the expected ``column`` from the Python function and from the polars engine; the rows."""
    frame = frame_rows(list(cases))
    for (raw, expected), row in zip(cases.items(), frame, strict=True):
        assert python_engine(raw) == expected, raw
        assert row[column] == expected, raw
    return frame


def assert_normalizes(cases: list[tuple[str, str]]) -> None:
    """Each raw text gives the expected identity text in the Python engine and in the polars engine."""
    assert_both_engines_give(dict(cases), normalize, "text_norm")


# --------------------------------------------------------------------------------------------- the spec


def test_spec_is_versioned_and_placeholders_exported():
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert raw["version"] == "norm-v4" == NORMALIZATION_VERSION
    assert PLACEHOLDERS == ("[URL]", "[EMAIL]", "[PHONE]", "[RRN]", "[CARD]", "[ACCOUNT]")
    assert {rule.placeholder for rule in SPEC.rules} == set(PLACEHOLDERS)


def _spec_patterns() -> list[str]:
    patterns = [SPEC.remove_chars, SPEC.space_chars, SPEC.drop_chars, SPEC.digit_run, SPEC.placeholder_token]
    patterns += [SPEC.hangul, SPEC.latin, SPEC.other_letters]
    for rule in SPEC.rules:
        patterns += [rule.pattern, rule.prefilter] + ([rule.candidate] if rule.candidate else [])
    return patterns


def test_spec_patterns_use_the_common_regex_subset():
    forbidden = ["(?=", "(?!", "(?<=", "(?<!", "\\d", "\\w", "\\s", "\\p", "(?i", "(?a", "(?u"]
    for pattern in _spec_patterns():
        for token in forbidden:
            assert token not in pattern, (token, pattern)
        assert not re.search(r"\\[1-9]", pattern), pattern  # backreferences
        re.compile(pattern)
        # Rust regex compiles it too (polars raises on a pattern it cannot compile).
        pl.Series(["x"]).str.contains(norm._to_rust(pattern))


def test_every_rule_match_contains_its_prefilter():
    texts = [clean_text(t) for t in list(TRICKY_PIECES) + generated_strings(800, seed=3)]
    texts += [raw for raw, _ in PHONE_CASES + OTHER_PII_CASES + URL_CASES]
    seen = 0
    for rule in SPEC.rules:
        for text in texts:
            for match in rule.regex.finditer(text):
                seen += 1
                assert rule.prefilter_regex.search(match.group(0)), (rule.name, match.group(0))
                if rule.candidate:
                    assert re.search(rule.candidate, match.group(0)), (rule.name, match.group(0))
    assert seen > 100


def test_spec_file_drives_the_rules(tmp_path):
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    raw["version"] = "norm-test"
    raw["rules"] = [r for r in raw["rules"] if r["placeholder"] != "[PHONE]"]
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    other = norm.NormalizationSpec.load(path)
    assert other.version == "norm-test"
    assert all(rule.placeholder != "[PHONE]" for rule in other.rules)

    raw["rules"][0]["placeholder"] = "[SECRET]"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="SECRET"):
        norm.NormalizationSpec.load(path)


# --------------------------------------------------------------------------------------------- PII misses

PHONE_CASES = [
    ("연락처 010-1234-5678로 문의", "연락처 [PHONE]로 문의"),
    ("01012345678 으로 전화주세요", "[PHONE] 으로 전화주세요"),
    ("번호는 010 1234 5678 입니다", "번호는 [PHONE] 입니다"),
    ("010.1234.5678", "[PHONE]"),
    ("해외 +82 10-1234-5678 발신", "해외 [PHONE] 발신"),
    ("+82-2-123-4567", "[PHONE]"),
    ("서울 02-123-4567, 경기 031-123-4567", "서울 [PHONE], 경기 [PHONE]"),
    ("(02) 123-4567", "[PHONE]"),
    ("인터넷전화 070-1234-5678", "인터넷전화 [PHONE]"),
    ("무료수신거부 080-123-4567", "무료수신거부 [PHONE]"),
    ("안심번호 0505-123-4567", "안심번호 [PHONE]"),
    ("Call 08452810075over18's", "Call [PHONE]over18's"),
    ("call 0800 542 0825 now", "call [PHONE] now"),
    ("Call +44 7781 482378 today", "Call [PHONE] today"),
    ("01012345678,01012345678,01012345678", "[PHONE],[PHONE],[PHONE]"),
]

OTHER_PII_CASES = [
    ("주민번호 900101-1234567 확인", "주민번호 [RRN] 확인"),
    ("주민번호9001012234561", "주민번호[RRN]"),  # contiguous: the check digit is valid
    ("주민번호 900101–1234567 확인", "주민번호 [RRN] 확인"),
    ("주민번호 900101 - 1234567", "주민번호 [RRN]"),
    ("card 4518.4212.3456.7894", "card [CARD]"),
    ("외국인 851231-5123456", "외국인 [RRN]"),
    ("카드 4111 1111 1111 1111 결제", "카드 [CARD] 결제"),
    ("card 4111-1111-1111-1111.", "card [CARD]."),
    ("카드번호4111111111111111승인", "카드번호[CARD]승인"),
    ("amex 3782 822463 10005", "amex [CARD]"),
    ("diners 30569309025904", "diners [CARD]"),
    ("메일 hong.gildong@naver.com 로 회신", "메일 [EMAIL] 로 회신"),
    ("mail me at a_b+c@mail.co.uk!", "mail me at [EMAIL]!"),
    ("신한 110-123-456789 홍길동", "신한 [ACCOUNT] 홍길동"),
    ("우리은행 1002-123-456789", "우리은행 [ACCOUNT]"),
    ("기업 123-456789-01-012", "기업 [ACCOUNT]"),
    ("카카오뱅크 3333-01-1234567", "카카오뱅크 [ACCOUNT]"),
    ("국민 123456-12-123456", "국민 [ACCOUNT]"),
    ("농협 301-1234-1234-11", "농협 [ACCOUNT]"),
    ("하나 123-456789-12345", "하나 [ACCOUNT]"),
    ("토스뱅크 1000-1234-5678", "토스뱅크 [ACCOUNT]"),
    ("계좌 110123456789 로 입금", "계좌 [ACCOUNT] 로 입금"),
    ("입금계좌: 12345678901234", "입금계좌: [ACCOUNT]"),
    ("bank a/c 12345678901 sort", "bank a/c [ACCOUNT] sort"),
]

URL_CASES = [
    ("[Web발신] https://bit.ly/3xYz 클릭", "[Web발신] [URL:bit·ly] 클릭"),
    ("www.naver.com에서 확인", "[URL:naver·com]에서 확인"),
    ("바로가기:han.gl/abc", "바로가기:[URL:han·gl]"),
    ("abc.xyz/path?x=1 참고", "[URL:abc·xyz] 참고"),
    ("Visit WWW.SMS.AC/u/xyz now", "Visit [URL:sms·ac] now"),
    ("see http://localhost:8080/a.", "see [URL:localhost]."),
    ("(https://example.com/a)", "([URL:example·com])"),
    ("링크 m.naver.co.kr/event", "링크 [URL:naver·co·kr]"),
    ("hxxps://evil.kr/login", "[URL:evil·kr]"),
]


@pytest.mark.parametrize("cases", [PHONE_CASES, OTHER_PII_CASES, URL_CASES], ids=["phone", "other-pii", "url"])
def test_pii_and_urls_become_placeholders_in_both_engines(cases):
    assert_normalizes(cases)


def test_luhn_decides_cards_in_both_engines():
    assert luhn_valid("4111 1111 1111 1111")
    assert not luhn_valid("4111 1111 1111 1112")
    assert not luhn_valid("")
    assert_normalizes(
        [
            ("카드 4111 1111 1111 1111", "카드 [CARD]"),
            ("주문 4111 1111 1111 1112", "주문 4111 1111 1111 1112"),
            ("4111111111111112 and 5500005555555559", "4111111111111112 and [CARD]"),
        ]
    )


# --------------------------------------------------------------------------------------------- false positives

KEPT_AS_IS = [
    "2026-11-24 13:02 도착 예정",
    "11/24(월) 오후 2시",
    "11월 24일 배송",
    "결제금액 12,000원",
    "only $1.50 or £1.50 per msg",
    "최대 50% 할인, 3.5배 적립",
    "인증번호 [123456]를 입력하세요",
    "인증번호는 123456 입니다",
    "앱 버전 v1.2.3 업데이트",
    "Text FA to 87121 to receive entry",
    "CJ대한통운 운송장 6012-3456-7890 배송중",
    "송장번호 601234567890",
    "사업자등록번호 123-45-67890",
    "2026.11.24 기준",
    "20261124 공지",
    "입금기한 2026-11-24 13:00까지",
    "Ok lar... Joking wif u oni...",
    "e.g. i.e. U.S. Mr.Smith 3.14159",
    "1,234,567,890원",
    "점수 95.5점, 순위 3/120",
    "[우체국택배] 6070123456789 배송완료",
    "주문번호 20261124-0001234 결제완료",
    "쿠폰코드 ABCD-1234-EFGH 입력시 10% 할인",
    "[국민카드] 홍*동님 11/24 13:02 12,000원 일시불 승인",
    "ㅇㅋ ㅋㅋㅋㅋ 내일봐~~ ㄱㅏ",
    "문의 126, 긴급 112",
]


def test_dates_prices_codes_and_tracking_numbers_are_kept():
    assert_normalizes([(text, text) for text in KEPT_AS_IS])


# --------------------------------------------------------------------------------------------- text_for_llm


def test_text_for_llm_shows_only_the_url_host():
    cases = {
        "https://Bit.LY/3xYz?u=010-1234-5678": "[URL:bit.ly]",
        "HTTP://WWW.NAVER.COM/path": "[URL:naver.com]",
        "www.Example.co.kr": "[URL:example.co.kr]",
        "han.gl/abc 확인": "[URL:han.gl] 확인",
        "http://010-1234-5678.kr/x": "[URL:[PHONE].kr]",
        "visit www.07781482378.com": "visit [URL:[PHONE].com]",
        "mail hong@naver.com or call 010-1234-5678": "mail [EMAIL] or call [PHONE]",
    }
    assert_both_engines_give(cases, text_for_llm, "text_for_llm")
    url = re.compile(r"\[URL:(?:[^\[\]]|\[[A-Z]+\])*\]")
    for raw, expected in cases.items():
        # apart from URLs (host vs registrable domain), the LLM text is the identity text
        assert url.sub("[URL]", expected) == url.sub("[URL]", normalize(raw))


# --------------------------------------------------------------------------------------------- text_model


def test_model_text_keeps_the_scrubbed_host_with_middle_dots():
    cases = {
        "https://Bit.LY/3xYz?u=010-1234-5678": "[URL] bit·ly",
        "[우체국] 배송 조회 https://www.epost.go.kr/trace?id=123": "[우체국] 배송 조회 [URL] epost·go·kr",
        "[우체국] 배송 조회 http://epost-kr.top/t": "[우체국] 배송 조회 [URL] epost-kr·top",
        "http://010-1234-5678.kr/x 확인": "[URL] [PHONE]·kr 확인",
        "no link, call 010-1234-5678": "no link, call [PHONE]",
    }
    frame = assert_both_engines_give(cases, model_text, "text_model")
    # Official and look-alike links read differently to the models, and they are different messages (norm-v3).
    official, lookalike = frame[1], frame[2]
    assert official["text_model"] != lookalike["text_model"]
    assert official["message_id"] != lookalike["message_id"]


def test_model_text_host_splits_into_words_for_the_tokenizer_but_not_for_char_ngrams():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from transformers import BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[URL]", "·", "epost", "go", "kr", "확인"]
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, strip_accents=False)
    tokenizer.add_special_tokens({"additional_special_tokens": ["[URL]"]})
    shown = model_text("확인 https://www.epost.go.kr/x")
    assert tokenizer.tokenize(shown) == ["확인", "[URL]", "epost", "·", "go", "·", "kr"]
    # The baseline's char_wb n-grams still see the host as one word, so ".go.kr"-like n-grams survive.
    ngrams = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4)).fit([shown]).vocabulary_
    assert "·go·" in ngrams and "t·go" in ngrams


def test_url_domains_are_lower_cased_scrubbed_hosts_in_order():
    text = "1) https://Bit.LY/x 2) www.Naver.com 3) hong@daum.net 4) http://010-1234-5678.kr 5) 3.5"
    expected = ["bit.ly", "naver.com", "[PHONE].kr"]
    assert url_domains(text) == expected
    assert frame_rows([text])[0]["url_domains"] == expected
    assert url_domains("문의 1588-1234") == []
    for domain in expected:
        assert f"[URL:{domain}]" in text_for_llm(text)


def test_llm_text_never_carries_pii():
    raw = (
        "[국민은행] 홍길동님 900101-1234567, 카드 4111-1111-1111-1111, 계좌 123456-12-123456, "
        "연락 010-9876-5432 / +82 10 9876 5432, hong@naver.com, https://kb-secure.xyz/login?id=01098765432"
    )
    for shown in (text_for_llm(raw), frame_rows([raw])[0]["text_for_llm"]):
        assert not re.search(r"[0-9][0-9 -]{5,}[0-9]", shown), shown
        assert "@" not in shown and "hong" not in shown
        assert "[URL:kb-secure.xyz]" in shown


# --------------------------------------------------------------------------------------------- cleaning


def test_invisible_and_control_characters_are_removed():
    raw = "무\u200b료\u200d 이\u202e벤\u2060트\ufeff\u00ad!\u0000\u0007\u009f"
    assert clean_text(raw) == "무료 이벤트!"
    assert normalize("0\u200b1\u200c0-1234-\u20605678") == "[PHONE]"


def test_whitespace_is_collapsed_and_newlines_tabs_become_spaces():
    assert clean_text("  [Web발신]\r\n(광고)\t\t무료\u3000\u00a0이벤트\u2028끝 \u3164 ") == "[Web발신] (광고) 무료 이벤트 끝"


def test_nfkc_unfolds_fullwidth_and_circled_digits():
    assert normalize("０１０－１２３４－５６７８로 연락") == "[PHONE]로 연락"
    assert normalize("①②③④ 이벤트 ㈜회사") == "1234 이벤트 (주)회사"
    assert normalize("ｈｔｔｐｓ：／／ｂｉｔ．ｌｙ／ａ") == "[URL:bit·ly]"


def test_hangul_syllables_stay_composed():
    text = "안녕하세요 각 힣 ㄱㅏ 무료쿠폰"
    assert normalize(text) == text
    assert all(not 0x1100 <= ord(ch) <= 0x11FF for ch in normalize(text))
    decomposed = unicodedata.normalize("NFD", "한국어 문자")
    assert normalize(decomposed) == "한국어 문자"
    assert frame_rows([decomposed])[0]["text_norm"] == "한국어 문자"


def test_nfkc_never_produces_a_character_the_cleaning_removes():
    removable = re.compile(SPEC.remove_chars)
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or removable.match(chr(code)):
            continue
        composed = unicodedata.normalize("NFKC", chr(code))
        assert not removable.search(composed), hex(code)


# --------------------------------------------------------------------------------------------- derived fields


def test_detect_lang():
    assert detect_lang("안녕하세요 오늘 날씨 좋네요") == "ko"
    assert detect_lang("[Web발신] 무료 쿠폰 event 당첨 [URL]") == "ko"
    assert detect_lang("Free entry in 2 a wkly comp [PHONE]") == "en"
    assert detect_lang("SALE 세일 discount coupon for you") == "en"
    assert detect_lang("Привет как дела") == "other"
    assert detect_lang("12345 !!! [URL]") == "other"
    assert detect_lang("") == "other"
    rows = frame_rows(["안녕하세요", "hello there", "Привет", "", "3:00"])
    assert [r["lang"] for r in rows] == ["ko", "en", "other", "other", "other"]


def test_template_key_groups_messages_that_differ_in_numbers_and_punctuation():
    a = normalize("[Web발신] 고객님 주문 12345 배송완료! 문의 1588-1234")
    b = normalize("[Web발신]  고객님 주문 98765 배송완료.. 문의 1577-9999")
    c = normalize("[Web발신] 고객님 주문 12345 배송 출발! 문의 1588-1234")
    assert template_key(a) == template_key(b)
    assert template_key(a) != template_key(c)
    assert template_key("WIN £1000 NOW") == template_key("win £250 now!!")
    assert template_key("Win 3 prizes ★★") == "win0prizes"


def test_message_id_is_short_sha256_of_normalized_text():
    text = normalize("안녕 010-1234-5678")
    assert message_id(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    assert re.fullmatch(r"[0-9a-f]{16}", message_id(""))
    assert message_id(normalize("안녕 010-9999-0000")) == message_id(text)


# --------------------------------------------------------------------------------------------- normalize_frame


def test_normalize_frame_adds_typed_columns_and_keeps_the_rest():
    df = pl.DataFrame(
        {"report_id": ["a", "b", "c"], "text": ["010-1234-5678 https://bit.ly/x", None, "hi"], "lang": ["x", "y", "z"]}
    )
    out = normalize_frame(df)
    assert out.columns == ["report_id", "text", *OUTPUTS]
    assert out.schema["url_domains"] == pl.List(pl.String)
    assert out.get_column("text_norm").to_list() == ["[PHONE] [URL:bit·ly]", "", "hi"]
    assert out.get_column("url_domains").to_list() == [["bit.ly"], [], []]
    assert out.get_column("lang").to_list() == ["other", "other", "en"]
    assert normalize_frame(df.rename({"text": "body"}), text_col="body").height == 3
    assert normalize_frame(df.head(0)).height == 0


# --------------------------------------------------------------------------------------------- invariants


def test_normalize_is_idempotent_on_seed_corpora(seed_texts):
    for text in seed_texts[::5]:
        once = normalize(text)
        assert normalize(once) == once, text


def test_normalize_is_idempotent_on_generated_strings():
    for text in list(TRICKY_PIECES) + generated_strings(1500, seed=7):
        once = normalize(text)
        assert normalize(once) == once, text


def assert_model_text_is_stable(text: str) -> None:
    """No rule matches model_text's output again (a shown host is never re-read as a URL, phone, card...).

    Scorers may be handed text_model instead of raw text (the champion cascade is). The one difference a second
    pass may make is NFKC's: a combining mark right after a URL now follows the host's last letter and composes
    with it (``ly`` + U+0301 -> ``lý``), so strict idempotence holds for texts without combining marks.
    """
    once = model_text(text)
    assert model_text(once) == clean_text(once), text
    if not any(unicodedata.combining(char) for char in text):
        assert model_text(once) == once, text


def test_model_text_is_stable(seed_texts):
    for text in [*seed_texts[::5], *TRICKY_PIECES, *generated_strings(1500, seed=8)]:
        assert_model_text_is_stable(text)


def test_engines_agree_on_tricky_and_generated_strings():
    assert_engines_agree(list(TRICKY_PIECES) + generated_strings(1500, seed=11))


def test_engines_agree_on_a_seed_corpus_sample(seed_texts):
    assert_engines_agree(seed_texts[::7])


@pytest.mark.slow
def test_engines_agree_on_full_seed_corpora_and_many_random_strings(seed_texts):
    assert_engines_agree(seed_texts)
    for seed in range(4):
        texts = generated_strings(5000, seed=100 + seed)
        assert_engines_agree(texts)
        for text in texts:
            once = normalize(text)
            assert normalize(once) == once, text
            assert_model_text_is_stable(text)


# --------------------------------------------------------------------------------------------- identity (norm-v3)


def test_message_identity_keeps_the_registrable_domain():
    links = ["https://naver.me/xYz", "http://kb-secure-login.top/login", "bit.ly/3abc", "http://cj-delivery.xyz/t?n=1"]
    rows = frame_rows(links)
    assert [r["text_norm"] for r in rows] == ["[URL:naver·me]", "[URL:kb-secure-login·top]", "[URL:bit·ly]", "[URL:cj-delivery·xyz]"]
    assert len({r["message_id"] for r in rows}) == 4 and len({r["template_key"] for r in rows}) == 4
    # Same site, other path, sub-domain or scheme: one message. A listed public suffix keeps its owner's label.
    same = ["https://m.naver.com/a", "http://www.naver.com/b?x=1", "NAVER.COM/c"]
    assert {normalize(text) for text in same} == {"[URL:naver·com]"}
    assert normalize("http://a.b.kb.co.kr/x") == "[URL:kb·co·kr]" and normalize("https://evil.github.io/x") == "[URL:evil·github·io]"
    assert normalize("http://192.168.0.1/admin") == "[URL:192·168·0·1]"
    assert_engines_agree(links + same + ["http://a.b.kb.co.kr/x", "https://evil.github.io/x", "http://192.168.0.1/admin"])


def test_url_userinfo_is_never_shown_as_the_host():
    raw = "로그인 http://hong:pw1234@naver.com/login"
    assert normalize(raw) == "로그인 [URL:naver·com]"
    assert text_for_llm(raw) == "로그인 [URL:naver.com]"
    assert normalize("mailto:hong@naver.com") == "mailto:[EMAIL]"


@pytest.mark.parametrize("blank", ["\u2800", "\u17b5", "\u17b4", "\u3164", "\u115f", "\u1160", "\uffa0", "\u180e", "\u180b", "\U0001d173"])
def test_blank_looking_characters_are_invisible(blank):
    assert normalize(blank * 5) == "" and frame_rows([blank * 5])[0]["text_norm"] == ""
    assert normalize(f"무료{blank}쿠폰") in {"무료쿠폰", "무료 쿠폰"}


def test_spec_false_positives_are_kept():
    kept = ["임진왜란(1592-1598)", "고객센터 1588-0000 상품가격 29,900원", "운송장번호 012345678901", "바코드 8801234567893",
            "주문번호 4539578763621486 결제", "입금 확인되었습니다 거래번호 2026112400123"]
    assert_normalizes([(text, text) for text in kept])


# ------------------------------------------------------------------------------------- spelled domains (norm-v4)


@pytest.mark.parametrize(
    ("raw", "model"),
    [
        ("카지노 가입 abc 쩜 컴 바로가기", "카지노 가입 [URL] abc·com 바로가기"),
        ("abc닷넷 접속", "[URL] abc·net 접속"),
        ("win77(쩜)co(쩜)kr 입장", "[URL] win77·co·kr 입장"),
        ("Open(쩜)Kakao(쩜)com", "[URL] open·kakao·com"),
        ("오픈채팅 open。kakao.com", "오픈채팅 [URL] open·kakao·com"),
        ("court-kr 점 케이알 무료", "[URL] court-kr·kr 무료"),
        ("abc 점컴 들어와", "[URL] abc·com 들어와"),
        ("주소 slot7 . com 입장", "주소 [URL] slot7·com 입장"),
    ],
)
def test_a_link_read_out_in_korean_is_a_link_in_model_text_only(raw, model):
    assert model_text(raw) == model
    assert model_text(model) == model  # idempotent, as every model text
    assert normalize(raw) == _placeholders(clean_text(raw)).text_norm  # ids, dedupe and campaigns unchanged
    frame = normalize_frame(pl.DataFrame({"text": [raw]}))
    assert frame["text_model"].to_list() == [model] and frame["text_norm"].to_list() == [normalize(raw)]


@pytest.mark.parametrize(
    "text",
    [
        "abc 점 컴퓨터 수리",  # a word starting with a tld word is a word
        "abc 쩜 컴퓨터",
        "GS25 점 샵",  # 점 is an ordinary word: only before an unambiguous tld word
        "이마트 점 컴 게임",  # no ASCII host before the dot
        "I told my boss . co workers agree",  # a spaced full stop only before the common spam tlds
        "see you . me too",
        "e.g. co-op meeting",
    ],
)
def test_words_that_only_look_like_a_spelled_link_stay(text):
    assert model_text(text) == _placeholders(clean_text(text)).text_model

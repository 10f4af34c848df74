"""Synthetic Korean SMS: spam of the kinds that dominate in Korea, and ham that looks like it.

No licensed real Korean spam corpus exists, so this template generator supplies Korean spam for the bundled
sample and the tests. Every row it makes is marked synthetic. Names, phone numbers, URLs, resident
registration numbers (RRN) and account numbers are random and fake; a share of them is put in on purpose so
that downstream PII scrubbing is exercised.

Output is a pure function of ``(n, seed, spam_ratio)``: one ``random.Random(seed)`` drives every choice.
Changing templates changes the bundled corpus; rebuild it with ``python -m tasks.sample.build``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from tasks.sample.ko_fill import account_number
from tasks.sample.ko_vocab import (
    ACCOUNT_LAYOUTS,
    SURNAMES as _SURNAMES,
    GIVEN as _GIVEN,
    BANKS as _BANKS,
    BANK_SHORT as _BANK_SHORT,
    CARDS as _CARDS,
    COURIERS as _COURIERS,
    SHOPS as _SHOPS,
    MERCHANTS as _MERCHANTS,
    FOREIGN_MERCHANTS as _FOREIGN_MERCHANTS,
    CASINO_BRANDS as _CASINO_BRANDS,
    STOCKS as _STOCKS,
    US_STOCKS as _US_STOCKS,
    COINS as _COINS,
    BROKERS as _BROKERS,
    CLINICS as _CLINICS,
    SALONS as _SALONS,
    AREAS as _AREAS,
    APTS as _APTS,
    GYMS as _GYMS,
    PLACES as _PLACES,
    RELATIVES as _RELATIVES,
    FAKE_TLDS as _FAKE_TLDS,
    SHORTENERS as _SHORTENERS,
    LOOKALIKE_STEMS as _LOOKALIKE_STEMS,
    EMAIL_DOMAINS as _EMAIL_DOMAINS,
)

SPAM = "spam"
HAM = "ham"

# category -> label. Order is part of the output (it fixes the category draw), so append only.
CATEGORIES: dict[str, str] = {
    "gambling": SPAM,  # 불법 도박: 토토, 카지노, 바카라
    "loan": SPAM,  # 대출
    "adult": SPAM,  # 성인, 조건만남
    "investment": SPAM,  # 주식 리딩방, 코인
    "impersonation": SPAM,  # 지인/가족 사칭 (엄마 나 폰 액정 깨져서...)
    "smishing_delivery": SPAM,  # 택배 주소 불일치
    "smishing_government": SPAM,  # 정부지원금, 국민건강보험, 과태료
    "smishing_card": SPAM,  # 해외결제 승인
    "phishing": SPAM,  # 계정 도용 안내, 부고, 청첩장 링크
    "advertising": SPAM,  # (광고) ... 무료거부 080
    "otp": HAM,
    "card_approval": HAM,
    "delivery_notice": HAM,
    "appointment": HAM,
    "bank_transfer": HAM,
    "utility_bill": HAM,
    "personal": HAM,
}

SPAM_CATEGORIES: tuple[str, ...] = tuple(c for c, label in CATEGORIES.items() if label == SPAM)
HAM_CATEGORIES: tuple[str, ...] = tuple(c for c, label in CATEGORIES.items() if label == HAM)

# Relative frequency inside each label; smishing and personal/transactional ham dominate real traffic.
_CATEGORY_WEIGHTS: dict[str, float] = {
    "gambling": 1.2,
    "loan": 1.2,
    "adult": 0.8,
    "investment": 1.1,
    "impersonation": 1.0,
    "smishing_delivery": 1.0,
    "smishing_government": 1.0,
    "smishing_card": 0.9,
    "phishing": 0.9,
    "advertising": 1.1,
    "otp": 1.0,
    "card_approval": 1.0,
    "delivery_notice": 1.0,
    "appointment": 0.8,
    "bank_transfer": 0.9,
    "utility_bill": 0.7,
    "personal": 1.6,
}

EVASION_TRICKS: tuple[str, ...] = (
    "separator_chars",  # 대.출, 카_지_노
    "circled_digits",  # ①②
    "fullwidth",  # ＵＲＬ, １００
    "inner_spaces",  # 대 출
    "jamo",  # ㅋr지노, 대ㅊ1
    "latin_lookalike",  # KAKA0, T0T0
    "emoji",
)
# Share of spam rows that get at least one evasion trick.
EVASION_RATE = 0.55


@dataclass(frozen=True)
class SynthRow:
    """One synthetic SMS with its label."""

    label: str
    category: str
    text: str
    template_id: str
    synthetic: bool = True
    evasions: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- slot vocabularies

_EMOJIS = ["🎰", "💰", "🔥", "💯", "✅", "📈", "❤️", "💋", "🎁", "⚡", "🚀", "👉", "★", "♥", "♣", "💸", "🍀", "‼️"]
_LEGIT_URLS = [
    "https://www.cjlogistics.com/ko/tool/parcel/tracking",
    "https://m.coupang.com/np/orders",
    "https://naver.me/{short}",
    "https://www.epost.go.kr/trace",
    "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do",
    "https://www.kepco.co.kr",
    "https://m.shinhancard.com",
    "https://www.tworld.co.kr",
    "https://kko.to/{short}",
    "https://www.ilogen.com/m/personal/trace",
]

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"


def _digits(rng: random.Random, k: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(k))


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _name_masked(rng: random.Random) -> str:
    # Korean card/bank alerts mask the middle syllable: 홍*동
    given = rng.choice(_GIVEN)
    return f"{rng.choice(_SURNAMES)}*{given[-1]}"


def _given_vocative(rng: random.Random) -> str:
    """Given name + vocative particle: 민준아 after a final consonant, 지우야 after a vowel."""
    given = rng.choice(_GIVEN)
    has_final = (ord(given[-1]) - 0xAC00) % 28 != 0
    return given + ("아" if has_final else "야")


def _given_copula(rng: random.Random) -> str:
    """Given name + casual copula: 민준이야, 지우야."""
    given = rng.choice(_GIVEN)
    return given + ("이야" if (ord(given[-1]) - 0xAC00) % 28 != 0 else "야")


def _mobile(rng: random.Random) -> str:
    a, b = _digits(rng, 4), _digits(rng, 4)
    style = rng.random()
    if style < 0.55:
        return f"010-{a}-{b}"
    if style < 0.7:
        return f"010{a}{b}"
    if style < 0.8:
        return f"010.{a}.{b}"
    return f"+82 10-{a}-{b}"


def _phone(rng: random.Random) -> str:
    """Any contact number a spammer or a business puts in a text."""
    style = rng.random()
    if style < 0.55:
        return _mobile(rng)
    if style < 0.75:
        return f"070-{_digits(rng, 4)}-{_digits(rng, 4)}"
    if style < 0.87:
        return f"{rng.choice(['1588', '1577', '1544', '1661', '1600', '1899'])}-{_digits(rng, 4)}"
    return f"02-{_digits(rng, rng.choice([3, 4]))}-{_digits(rng, 4)}"


def _rep_phone(rng: random.Random) -> str:
    """Business representative number (대표번호)."""
    return f"{rng.choice(['1588', '1577', '1544', '1566', '1644', '1670'])}-{_digits(rng, 4)}"


def _optout(rng: random.Random) -> str:
    return f"080-{_digits(rng, 3)}-{_digits(rng, 4)}"


def _rrn(rng: random.Random) -> str:
    yy = rng.randint(50, 99) if rng.random() < 0.7 else rng.randint(0, 6)
    mm, dd = rng.randint(1, 12), rng.randint(1, 28)
    gender = rng.choice("12") if yy >= 50 else rng.choice("34")
    return f"{yy:02d}{mm:02d}{dd:02d}-{gender}{_digits(rng, 6)}"


def _account(rng: random.Random) -> str:
    """Bank name + account number in that bank's usual layout (v1 knows the first seven layouts)."""
    bank, groups = rng.choice(ACCOUNT_LAYOUTS[:7])
    return f"{bank} {account_number(rng, groups)}"


def _account_masked(rng: random.Random) -> str:
    return f"{_digits(rng, 3)}-***-{_digits(rng, 3)}"


def _email(rng: random.Random) -> str:
    user = "".join(rng.choice(_LOWER) for _ in range(rng.randint(4, 9))) + _digits(rng, rng.randint(0, 3))
    return f"{user}@{rng.choice(_EMAIL_DOMAINS)}"


def _short_code(rng: random.Random, k: int | None = None) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(k or rng.randint(4, 7)))


def _spam_url(rng: random.Random) -> str:
    """A link of the kinds smishing uses: shorteners, throwaway TLDs, brand look-alikes, bare IPs."""
    style = rng.random()
    if style < 0.35:
        host, path = rng.choice(_SHORTENERS), "/" + _short_code(rng)
    elif style < 0.65:
        stem = "".join(rng.choice(_LOWER) for _ in range(rng.randint(3, 8))) + (_digits(rng, 2) if rng.random() < 0.4 else "")
        host, path = f"{stem}.{rng.choice(_FAKE_TLDS)}", rng.choice(["", "/", "/?c=" + _short_code(rng), "/m/" + _short_code(rng)])
    elif style < 0.93:
        host = f"{rng.choice(_LOOKALIKE_STEMS)}.{rng.choice(_FAKE_TLDS)}"
        path = rng.choice(["", "/", "/track", "/login", "/verify?id=" + _short_code(rng), "/" + _short_code(rng)])
    else:
        host = f"{rng.randint(45, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        path = "/" + _short_code(rng)
    scheme = rng.choice(["https://", "http://", "", ""])
    return f"{scheme}{host}{path}"


def _ad_url(rng: random.Random) -> str:
    """Links in lawful ads: a shortener or the advertiser's own event page."""
    if rng.random() < 0.5:
        return f"{rng.choice(_SHORTENERS)}/{_short_code(rng)}"
    stem = "".join(rng.choice(_LOWER) for _ in range(rng.randint(4, 9)))
    return f"https://m.{stem}.{rng.choice(['co.kr', 'com', 'kr'])}/{rng.choice(['event', 'ev', 'promo', 'coupon'])}/{_digits(rng, 3)}"


def _legit_url(rng: random.Random) -> str:
    return rng.choice(_LEGIT_URLS).format(short=_short_code(rng, 6))


def _won(rng: random.Random, lo: int, hi: int, step: int = 100) -> str:
    return f"{rng.randrange(lo, hi, step):,}"


def _man(rng: random.Random) -> str:
    """Large amounts written the Korean way: 3,000만원, 1억."""
    return rng.choice(["300만원", "500만원", "1,000만원", "2,000만원", "3,000만원", "5,000만원", "1억", "1억5천만원", "3억"])


def _date(rng: random.Random) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{month:02d}/{day:02d}", f"{month}월 {day}일", f"{month:02d}.{day:02d}"])


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"


def _time_range(rng: random.Random) -> str:
    start = rng.randint(8, 19)
    return f"{start:02d}:00~{rng.randint(start + 1, min(start + 4, 22)):02d}:00"


def _tracking(rng: random.Random) -> str:
    return _digits(rng, rng.choice([10, 12, 13]))


def _kakao_id(rng: random.Random) -> str:
    return rng.choice(["vip", "bet", "win", "king", "lucky", "gold", "top", "money"]) + _digits(rng, rng.randint(2, 4))


SlotFn = Callable[[random.Random], str]

_SLOTS: dict[str, SlotFn] = {
    "name": _name,
    "name2": _name,
    "given": lambda r: r.choice(_GIVEN),
    "given_voc": _given_vocative,
    "given_copula": _given_copula,
    "won_bill": lambda r: _won(r, 8_000, 250_000, 10),
    "name_masked": _name_masked,
    "mobile": _mobile,
    "phone": _phone,
    "rep_phone": _rep_phone,
    "optout": _optout,
    "rrn": _rrn,
    "account": _account,
    "account_masked": _account_masked,
    "email": _email,
    "url": _spam_url,
    "legit_url": _legit_url,
    "ad_url": _ad_url,
    "bank": lambda r: r.choice(_BANKS),
    "bank_short": lambda r: r.choice(_BANK_SHORT),
    "card": lambda r: r.choice(_CARDS),
    "courier": lambda r: r.choice(_COURIERS),
    "shop": lambda r: r.choice(_SHOPS),
    "merchant": lambda r: r.choice(_MERCHANTS),
    "foreign_merchant": lambda r: r.choice(_FOREIGN_MERCHANTS),
    "casino": lambda r: r.choice(_CASINO_BRANDS),
    "stock": lambda r: r.choice(_STOCKS),
    "us_stock": lambda r: r.choice(_US_STOCKS),
    "coin": lambda r: r.choice(_COINS),
    "broker": lambda r: r.choice(_BROKERS),
    "clinic": lambda r: r.choice(_CLINICS),
    "salon": lambda r: r.choice(_SALONS),
    "area": lambda r: r.choice(_AREAS),
    "apt": lambda r: r.choice(_APTS),
    "gym": lambda r: r.choice(_GYMS),
    "place": lambda r: r.choice(_PLACES),
    "relative": lambda r: r.choice(_RELATIVES),
    "otp": lambda r: _digits(r, r.choice([4, 6, 6, 6])),
    "app_hash": lambda r: _short_code(r, 11),
    "last4": lambda r: _digits(r, 4),
    "won_small": lambda r: _won(r, 1_000, 99_000, 100),
    "won_mid": lambda r: _won(r, 10_000, 990_000, 10),
    "won_big": lambda r: _won(r, 100_000, 9_900_000, 1_000),
    "man": _man,
    "man_small": lambda r: f"{r.choice([30, 50, 70, 100, 150, 200, 250, 300])}만원",
    "usd": lambda r: f"{r.randint(89, 1999)}.{r.randint(0, 99):02d}",
    "pct": lambda r: str(r.choice([5, 10, 15, 20, 30, 40, 50, 70, 100, 150, 200, 300])),
    "rate": lambda r: f"{r.randint(2, 6)}.{r.randint(0, 9)}",
    "score": lambda r: str(r.choice([300, 400, 450, 500, 600])),
    "n": lambda r: str(r.randint(2, 30)),
    "n_small": lambda r: str(r.randint(2, 9)),
    "age": lambda r: str(r.randint(20, 29)),
    "km": lambda r: str(r.randint(1, 5)),
    "month": lambda r: str(r.randint(1, 12)),
    "date": _date,
    "date2": _date,
    "time": _time,
    "time2": _time,
    "time_range": _time_range,
    "tracking": _tracking,
    "code": lambda r: _short_code(r, r.randint(4, 6)).upper(),
    "kakao_id": _kakao_id,
    "case_no": lambda r: f"20{r.randint(23, 26)}가단{_digits(r, 6)}",
    "room": lambda r: str(r.randint(2, 12)) + "0" + str(r.randint(1, 9)),
    "emoji": lambda r: r.choice(_EMOJIS),
}


# --------------------------------------------------------------------------- templates
# Texts contain no tab or newline (the TSV/CSV contract); "[Web발신]" is followed by a space, as phones
# that flatten multi-line texts show it.

_TEMPLATES: dict[str, list[str]] = {
    "gambling": [
        "[Web발신] {casino} 신규가입 첫충 {pct}% 매충 10% 당일 환전 무제한 ▶ {url}",
        "스포츠 토토 안전놀이터 {casino} 가입코드 {code} 첫입금 {won_mid}원 보너스 지급 {url}",
        "바카라 실시간 라이브 카지노 {casino} 오픈! 가입머니 {won_small}원 즉시지급 카톡 {kakao_id}",
        "형님 {casino} 이번주 먹튀 없는 메이저 놀이터 입니다 ^^ 주소 {url} 코드 {code}",
        "{name}님 지난번 충전하신 포인트 {won_mid}원 소멸예정 입니다. 지금 {url} 접속시 2배 환급",
        "미니게임 파워볼 슬롯 24시 운영 {casino} 최대 {pct}% 페이백 텔레그램 @{kakao_id}",
        "해외 정식 라이센스 카지노 {casino} 무한 롤링 콤프 지급 신규 {pct}% 이벤트 {url}",
        "토토 적중 {n}배 당첨 인증! 오늘의 픽 무료 제공 카톡 {kakao_id} 문의 {mobile}",
        "(광고) 회원님 {casino} 재방문 이벤트 출석만 해도 {won_small}원 지급 {url} 수신거부 {optout}",
        "[{casino}] 출금 승인 완료 {won_big}원 입금 대기중 확인 {url}",
        "홀덤 바둑이 맞고 실시간 {n}천명 접속 중 {casino} 첫충 {pct}% {url}",
        "카지노 총판 모집 수익 {pct}% 보장 초보 가능 텔레그램 @{kakao_id}",
    ],
    "loan": [
        "[Web발신] 정부지원 서민대출 안내 {name}님 최대 {man} 연 {rate}% 신용등급 무관 당일 승인 상담 {phone}",
        "(광고)저금리 대환대출 승인 대상자로 선정되셨습니다. 기존 고금리 대출 연 {rate}% 전환 가능 한도조회 {url} 무료거부 {optout}",
        "급전 필요하신분 무직자 주부 대학생 OK 비대면 {man}까지 30분 입금 {phone}",
        "{name}고객님 {bank} 햇살론 특례보증 대출 한도 {man} 승인완료 되었습니다. 금일 {time}까지 상담원 연결 {phone}",
        "정상 1금융권 대출 신용점수 {score}점 이상 가능 연체자 상담 가능 카톡 {kakao_id}",
        "소상공인 긴급 경영안정자금 {man} 선착순 지원 마감 임박 신청 {url}",
        "{bank} 대출 기존 고객님께 안내드립니다. 보유 대출 상환시 추가 한도 {man} 가능합니다. 상환계좌 {account} 문의 {phone}",
        "[{bank}] {name}님 사전 한도 조회 결과 {man} 승인 가능. 오늘까지만 유효합니다 {url}",
        "개인회생 파산자 대출 가능 주말 상담 {phone} 무방문 무서류 당일 {man_small} 입금",
        "직장인 신용대출 최저 연 {rate}% 한도 {man} 카톡 상담 {kakao_id} 무료거부 {optout}",
        "[Web발신] 대출 승인 안내 보증보험료 {won_mid}원 선입금 후 {man} 즉시 송금 {account}",
        "카드값 연체 해결 {man_small}~{man} 당일 지급 신용조회 없음 {mobile}",
    ],
    "adult": [
        "오빠 나 {age}살 {given}인데 오늘 밤 심심해 ㅎㅎ 여기로 연락줘 {url}",
        "[성인인증 완료] 19금 무삭제 영상 무료 시청 {url}",
        "근처 {km}km 이내 만남 가능한 여성 {n}명 접속중 ♥ {url}",
        "조건 만남 출장 안마 24시 {area} 전지역 {phone}",
        "{given}: 사진 보냈어 확인해봐 ㅎ {url}",
        "무료 채팅 가입만 해도 포인트 {won_small}원 지급 외로운 밤 {url}",
        "오늘 처음 가입한 {age}살 여대생 대화 신청 도착 ♡ {url}",
        "성인용품 비밀배송 {pct}% 할인 이벤트 {url} 수신거부 {optout}",
        "유부녀 애인대행 {area} {phone} 비밀보장",
        "자기야 나 {given_copula} 번호 바꿨어 여기로 영상통화 해 {url}",
    ],
    "investment": [
        "[Web발신] 주식 리딩방 무료 입장 이벤트 이번주 추천종목 {stock} 상한가 예상 수익률 {pct}% 오픈채팅 {url}",
        "{name}님 {broker} VIP 리딩 {n}기 모집 중입니다. 지난달 누적 수익 {pct}% 인증 {url}",
        "코인 상장 전 선취매 기회 {coin} 프리세일 {n}배 보장 텔레그램 @{kakao_id}",
        "원금 보장 월 {pct}% 확정 수익 AI 자동매매 프로그램 무료 체험 {url}",
        "축하합니다! {name}님은 {broker} 공모주 우선 배정 대상입니다. 청약 마감 {date} {url}",
        "손실 복구 해드립니다. 주식 코인 손실 {pct}% 이상이신 분 전문가 무료 상담 {phone}",
        "미국주식 {us_stock} 급등 시그널 포착 장 시작 전 무료 공유 드립니다 {url}",
        "[{broker}] 고객님 전용 종목 추천방 초대 {url} 입장코드 {code}",
        "{stock} 세력 매집 완료 내일 상한가 확정 정보 선착순 {n}명 카톡 {kakao_id}",
        "해외선물 모의투자 대회 상금 {man} 참가비 무료 {url}",
        "[Web발신] {name}님 투자금 {won_big}원 수익 실현 완료 출금 신청 {url}",
        "리딩 전문가 {name} 교수 {coin} 단타 시그널 {pct}% 수익 인증 무료방 {url}",
    ],
    "impersonation": [
        "엄마 나 폰 액정 깨져서 수리 맡겼어 이 번호로 문자해줘",
        "엄마 나 {given}인데 폰 고장나서 임시폰이야 카톡 친추 좀 해줘 {mobile}",
        "아빠 나 급하게 {man_small}만 보내줄 수 있어? {account} {name}한테 보내주면 돼 내일 갚을게",
        "엄마 폰 액정 깨져서 보험 처리하는데 엄마 신분증 사진이랑 주민번호 필요해 {rrn} 맞지? 확인만 해줘",
        "{name}씨 저 {relative}인데 번호 바꿨어요 급한 일 있어서 그런데 이 링크로 인증 좀 부탁해요 {url}",
        "{relative} 나 폰 고장나서 PC로 문자해 문화상품권 {n_small}만원어치만 사서 핀번호 보내줄수있어?",
        "선배님 저 {name}입니다. 번호 바뀌어서 연락드립니다 저장 부탁드려요 ^^ {mobile}",
        "엄마 바빠? 나 액정 나가서 컴퓨터로 카톡하는 중 이 앱 설치 좀 해줘 {url}",
        "아빠 나 {given}. 휴대폰 보험 인증해야 되는데 아빠 주민번호 {rrn} 이거 맞아? 인증번호 오면 알려줘",
        "엄마 내 계좌 지금 막혀서 그런데 {account}로 {man_small} 먼저 보내주면 안돼? 급해",
        "{name} 대표님 지시로 연락드립니다. 거래처 결제 건 {won_big}원 오늘 중 {account}로 송금 부탁드립니다",
        "이모 나 {given}인데 폰이 고장나서 친구폰으로 보내 급하게 돈 좀 빌려줄 수 있어? {mobile}로 연락줘",
    ],
    "smishing_delivery": [
        "[Web발신] [CJ대한통운] 고객님 택배가 주소지 불일치로 보관중입니다. 주소 확인 {url}",
        "[국제발신] 우체국 택배 {tracking} 배송 실패 주소 재확인 바랍니다 {url}",
        "[한진택배] 도로명 주소 미기재로 배송 보류. 24시간 내 수정하지 않으면 반송됩니다 {url}",
        "고객님의 해외직구 상품 통관 보류 관세 {won_small}원 미납 확인 {url}",
        "[{courier}] 주문하신 상품 배송지 확인이 필요합니다 {url}",
        "[{courier}] 운송장번호 {tracking} 수취인 부재로 반송예정 재배송 신청 {url}",
        "[Web발신] 택배 주소 불일치 {date} 배송 불가 정보 수정 {url}",
        "[국제발신] 주소가 불명확하여 택배를 보관하고 있습니다 {url} 에서 수정해주세요",
        "고객님 소포가 도착했으나 우편번호 오류로 배달이 중단되었습니다 {url}",
        "[{courier}] 배송비 {won_small}원 미결제로 배송 지연 결제 {url}",
    ],
    "smishing_government": [
        "[Web발신] [국민건강보험] 건강검진 결과 통보서 발송 확인 {url}",
        "[정부24] {name}님 민생회복 지원금 {won_mid}원 지급 대상자 입니다. 신청 {url}",
        "[국세청] 종합소득세 환급금 {won_mid}원 미수령 조회 {url}",
        "[경찰청] 교통법규 위반 과태료 {won_small}원 미납 고지서 확인 {url}",
        "[Web발신] [건강보험공단] 환급금 {won_mid}원 발생 금일 마감 {url}",
        "[법원] 귀하의 사건 {case_no} 전자소송 출석요구서 확인 {url}",
        "[행정안전부] 정부지원금 신청 마감 D-1 대상자 조회 {url}",
        "[국민연금공단] {name}님 연금 추가 지급 {won_mid}원 확인 {url}",
        "[Web발신] [도로교통공단] 속도위반 과태료 {won_small}원 {date}까지 납부 {url}",
        "[서울시] 청년 지원금 {man_small} 선정 안내 본인확인 {url}",
        "[질병관리청] 예방접종 사전예약 확인 {url}",
        "[검찰청] {name}님 명의 대포통장 개설 사건 조사 {phone} 로 연락 바랍니다",
    ],
    "smishing_card": [
        "[Web발신] [{card}카드] {name_masked}님 해외결제 승인 {usd}USD {date} {time} 본인 아닐 시 고객센터 {phone}",
        "[국제발신] {card}카드 {won_big}원 결제완료 본인이 아닐 경우 소비자보호센터 {phone}",
        "[{card}카드] 카드 발급 신청 접수 완료 본인 신청이 아닌 경우 {phone}로 문의",
        "해외승인 {foreign_merchant} {usd}달러 정상승인 {date} 문의 {phone}",
        "[Web발신] 결제 예정 안내 {name_masked}님 {shop} {won_big}원 결제 진행 중 취소문의 {phone}",
        "[{card}카드] {name_masked}님 {foreign_merchant} {usd}USD 승인 해외 이용 본인 확인 {url}",
        "[국제발신] {card} 체크카드 {won_big}원 해외 출금 예정 분실 신고 {phone}",
        "[Web발신] 고객님 명의로 {card}카드 분실 신고 접수됨 본인 아닐시 {url}",
        "{card}카드 승인 {won_big}원 {date} {time} {foreign_merchant} 해외 결제 차단 요청 {phone}",
        "[Web발신] [{card}카드] 포인트 {won_mid}원 소멸 예정 사용처 {url}",
    ],
    "phishing": [
        "[Web발신] [네이버] 회원님 계정이 해외에서 로그인 시도되었습니다. 본인 확인 {url}",
        "[카카오] 휴면계정 전환 예정 안내 {date}까지 로그인 유지 {url}",
        "부고 {name}님 부친께서 별세하셨기에 삼가 알려드립니다. 장례식장 안내 {url}",
        "모바일 청첩장 보내드립니다 {name} ♡ {name2} 결혼합니다 {url}",
        "[Web발신] 고객님 {bank} 보안인증 유효기간 만료 재인증 {url}",
        "[Apple] Apple ID 결제 정보 확인이 필요합니다 {url}",
        "{given_voc} 사진 올라왔는데 너 맞아? ㅋㅋ {url}",
        "[토스] 송금이 보류되었습니다. 받으시려면 {url}",
        "[{bank}] 고객님 계좌가 이상거래로 정지되었습니다 해제 {url}",
        "[Web발신] 돌잔치 초대장 {name}네 아기 첫 생일에 초대합니다 {url}",
        "[쿠팡] 회원님 계정 정보 도용이 의심됩니다 비밀번호 변경 {url}",
        "[Netflix] 결제 실패로 멤버십이 일시 중지됐습니다 결제정보 업데이트 {url}",
    ],
    "advertising": [
        "(광고)[{shop}] {name}님만을 위한 시즌오프 최대 {pct}% 할인 ~{date} {ad_url} 무료거부 {optout}",
        "(광고) {area} 신규 오픈 기념 전 메뉴 {pct}% 할인 쿠폰 {ad_url} 무료수신거부 {optout}",
        "(광고)[{gym}] 신년 특가 PT 10회 {won_mid}원 상담 {phone} 무료거부 {optout}",
        "(광고)분양 {area} {apt} 잔여세대 선착순 계약금 5% 모델하우스 {phone} 무료거부 {optout}",
        "(광고)[{shop}] 적립금 {won_small}원 소멸예정 ~{date} {ad_url} 수신거부 {optout}",
        "(광고) 번호이동 시 최신폰 공짜 + 현금 {man_small} 지원 {phone} 무료거부 {optout}",
        "(광고) {area} 한우 오마카세 예약 오픈 10% 할인 {ad_url} 무료거부 {optout}",
        "(광고)[{salon}] 펌 {pct}% 할인 이벤트 예약 {phone} 무료수신거부 {optout}",
        "(광고)[{shop}] 블랙프라이데이 최대 {pct}% 쿠폰팩 지급 {ad_url} 무료거부 {optout}",
        "(광고) 정수기 렌탈 월 {won_small}원 사은품 증정 상담 {phone} 무료거부 {optout}",
        "(광고)[{clinic}] 겨울 피부관리 패키지 {pct}% 할인 {ad_url} 무료거부 {optout}",
    ],
    "otp": [
        "[Web발신] [네이버] 인증번호 [{otp}]를 입력해주세요.",
        "[Web발신] [카카오] 인증번호 {otp} 타인 노출 금지",
        "[Web발신] [{bank}] 인증번호 [{otp}] 본인확인을 위해 입력해 주세요. 타인에게 절대 알려주지 마세요.",
        "[Web발신] [쿠팡] 인증번호는 {otp} 입니다.",
        "[Web발신] 토스 인증번호 {otp} 3분 안에 입력해주세요. 누구에게도 알려주지 마세요.",
        "<#> [{shop}] 인증번호 [{otp}]를 입력해주세요. {app_hash}",
        "[Web발신] [{card}카드] 본인인증 인증번호 {otp} 를 입력하세요. 절대 타인에게 알려주지 마세요.",
        "[Web발신] [PASS] 인증번호 [{otp}] 3분 이내 입력",
        "[Web발신] [당근] 인증번호 [{otp}] 타인에게 절대 알려주지 마세요.",
        "[Web발신] [정부24] 휴대폰 본인확인 인증번호 {otp}",
        "[Web발신] [배달의민족] 인증번호 {otp} 를 입력해 주세요.",
        "[Web발신] [{broker}] 로그인 인증번호 [{otp}]",
    ],
    "card_approval": [
        "[Web발신] {card}카드({last4})승인 {name_masked} {won_mid}원 일시불 {date} {time} {merchant} 누적{won_big}원",
        "{card}체크승인 {name_masked} {won_small}원 {date} {time} {merchant} 잔액{won_big}원",
        "[Web발신] {card}카드 {name_masked}님 {date} {time} {won_mid}원 {merchant} 일시불 승인",
        "[Web발신] {card}카드 승인취소 {name_masked} {won_mid}원 {date} {merchant}",
        "{card}카드({last4}) {name_masked}님 {won_big}원 {n_small}개월 할부 승인 {date} {time} {shop}",
        "[Web발신] {card}카드 해외승인 {name_masked} {usd}USD {date} {foreign_merchant}",
        "[{card}카드] {name_masked}님 {date} 결제예정금액 {won_big}원 입니다. 상세 {legit_url}",
        "{card}카드 {name_masked} {won_small}원 승인 {merchant} {time}",
    ],
    "delivery_notice": [
        "[Web발신] [CJ대한통운] {name_masked}님의 상품이 배송완료 되었습니다. 운송장 {tracking} 배송장소: 문앞",
        "[쿠팡] 고객님의 주문 상품이 {time}에 배송 완료되었습니다. 배송사진 확인 {legit_url}",
        "[Web발신] [우체국택배] {date} 배달예정 {tracking} 배달원 {name} {mobile}",
        "[한진택배] 고객님의 상품({shop})이 오늘 {time_range} 사이 배송 예정입니다.",
        "[로젠택배] {name_masked}님 상품 집하 완료 운송장번호 {tracking} 조회 {legit_url}",
        "[Web발신] [{courier}] 배송기사 {name} 입니다. 오늘 {time} 전후 방문 예정입니다 부재시 경비실 보관합니다",
        "[{shop}] 주문하신 상품이 출고되었습니다. {courier} {tracking}",
        "[Web발신] [CJ대한통운] 고객님 상품 반품 회수 예정 {date} 운송장 {tracking}",
        "[쿠팡] 로켓배송 내일({date}) 도착 예정입니다. 주문 상세 {legit_url}",
        "[{courier}] 택배가 무인택배함 {n}번에 보관되었습니다 비밀번호 {otp}",
    ],
    "appointment": [
        "[Web발신] [{clinic}] {name_masked}님 {date} {time} 진료 예약되었습니다. 변경/취소 {rep_phone}",
        "[{clinic}] 내일 {time} 예약 잊지 마세요. 노쇼 방지를 위해 10분 전 도착 부탁드립니다.",
        "[{salon}] {given}님 {date} {time} 커트 예약 확정되었습니다 :)",
        "[Web발신] [{clinic}] 건강검진 예약안내 {date} {time} 검진 전날 저녁 9시 이후 금식",
        "[현대자동차 블루핸즈] 차량 정기점검 예약 {date} {time} {area}점",
        "[Web발신] [{clinic}] {name_masked}님 처방전 준비되었습니다 {date}까지 수령 바랍니다",
        "[{gym}] {given} 회원님 {date} {time} PT 수업 예약 알림",
        "[Web발신] {area} 주민센터 {date} {time} 방문 예약 확인 문의 {phone}",
        "[{clinic}] 스케일링 예약 {date} {time} 변경은 {rep_phone}로 연락주세요",
    ],
    "bank_transfer": [
        "[Web발신] [{bank}] {date} {time} 입금 {won_mid}원 {name} 잔액 {won_big}원",
        "{bank_short} {date} {time} {account_masked} 출금 {won_mid}원 {merchant} 잔액{won_big}원",
        "[Web발신] [{bank}] {name_masked}님 {account}로 {won_mid}원 이체가 완료되었습니다.",
        "[토스] {name}님이 {won_small}원을 보냈어요.",
        "[카카오뱅크] 자동이체 {won_mid}원 출금 예정 {date} 잔액 확인 바랍니다.",
        "[Web발신] [{bank}] 급여 입금 {won_big}원 {date} 잔액 {won_big}원",
        "{bank_short} 입금 {won_mid}원 {date} {time} {account_masked} {name}",
        "[Web발신] [{bank}] 적금 만기 안내 {date} 만기 예정 원리금 {won_big}원",
        "[{bank}] {name_masked}님 {date} 대출이자 {won_mid}원 출금 예정입니다.",
    ],
    "utility_bill": [
        "[Web발신] [SKT] {month}월 이용요금 {won_bill}원 {date} 자동이체 예정입니다.",
        "[한국전력] {month}월 전기요금 {won_bill}원 납기일 {date} 가상계좌 {account}",
        "[도시가스] {month}월 가스요금 {won_bill}원 청구 납부기한 {date}",
        "[Web발신] {apt} 관리비 {month}월분 {won_bill}원 고지 납부마감 {date}",
        "[KT] 고객님의 {month}월 청구금액은 {won_bill}원입니다. 상세내역 {legit_url}",
        "[LG U+] {month}월 요금 {won_bill}원이 {card}카드로 결제될 예정입니다.",
        "[Web발신] [수도사업본부] {month}월 상하수도 요금 {won_small}원 {date} 자동납부",
        "[아파트관리사무소] {date} {time_range} 단수 예정입니다. 양해 바랍니다.",
    ],
    "personal": [
        "엄마 오늘 늦어",
        "회의 {time2}로 변경됐어요",
        "{given_voc} 밥 먹었어?",
        "지금 출발해 {n}분 후 도착",
        "내일 {time}에 {place}에서 봐",
        "우유 좀 사와",
        "택배 왔어? 문 앞에 있을거야",
        "오늘 저녁 뭐 먹을까",
        "회의실 {room}호로 옮겼습니다",
        "내 번호 바뀌었어 {mobile} 저장해줘",
        "계좌 알려줄게 {account} 여기로 보내줘 고마워",
        "{name} 팀장님 보고서 메일로 보냈습니다 {email} 확인 부탁드립니다",
        "생일 축하해 🎂",
        "주말에 등산 갈래?",
        "{relative} 나 지금 집 가는 중",
        "퇴근했어? 나 {place}이야",
        "지난번에 빌린 {won_small}원 보냈어 확인해봐",
        "오늘 회식 {time}부터래",
        "아까 전화 못 받았어 무슨 일이야?",
        "{given_voc} 내일 학교 몇 시까지야?",
        "병원 예약 {date} {time}로 잡았어",
        "이거 봐봐 ㅋㅋ {legit_url}",
        "{place} 도착하면 연락해",
        "비 온대 우산 챙겨",
        "자료 공유드립니다 {legit_url}",
        "애들 데리러 갈게",
    ],
}

# Personal ham is short and repeats; these endings keep the bundled texts unique and natural.
_PERSONAL_ENDINGS = ["", "", "", " ㅎㅎ", " ㅋㅋ", "~", "!", "!!", " ^^", ".", " 😊", " 👍", "ㅎ", "??"]


# --------------------------------------------------------------------------- evasion tricks

_SPAM_KEYWORDS = [
    "대출", "카지노", "토토", "바카라", "입금", "수익", "무료", "리딩방", "주식", "코인", "성인", "만남", "당첨", "지원금",
    "환급", "승인", "배송", "택배", "보너스", "가입", "놀이터", "한도", "저금리", "확정", "상한가", "과태료", "결제",
    "이벤트", "할인", "환전", "충전", "인증", "쿠폰", "영상", "채팅", "상담", "정부", "주소", "해외",
]
_JAMO_FORMS: dict[str, list[str]] = {
    "카지노": ["ㅋr지노", "카ㅈi노", "ㅋㅏ지노", "카즤노"],
    "대출": ["대ㅊ1", "대ㅊㅜㄹ", "ㄷㅐ출", "대춯"],
    "토토": ["ㅌㅗ토", "토ㅌㅗ", "ㅌㅗㅌㅗ"],
    "바카라": ["ㅂr카라", "바ㅋr라", "바카ㄹr"],
    "입금": ["ㅇ1금", "입ㄱㅡㅁ"],
    "수익": ["수ㅇ1ㄱ", "ㅅㅜ익"],
    "무료": ["무ㄹㅛ", "ㅁㅜ료"],
    "성인": ["ㅅㅓㅇ인", "성ㅇ1ㄴ"],
    "주식": ["주ㅅ1ㄱ", "ㅈㅜ식"],
    "당첨": ["당ㅊㅓㅁ", "ㄷㅏㅇ첨"],
    "환급": ["환ㄱㅡㅂ", "ㅎㅘㄴ급"],
    "만남": ["만ㄴㅏㅁ", "ㅁㅏㄴ남"],
    "코인": ["ㅋㅗ인", "코ㅇ1ㄴ"],
    "놀이터": ["놀ㅇ1터", "ㄴㅗㄹ이터"],
}
_LATIN_FORMS: dict[str, list[str]] = {
    "카카오": ["KAKA0", "KaKa0", "카카0"],
    "카톡": ["KAT0K", "카T0K", "ka톡"],
    "카지노": ["KASIN0", "Ka지노", "CASIN0"],
    "토토": ["T0T0", "TOTO", "토T0"],
    "바카라": ["BACARA", "바KARA", "8ACARA"],
    "코인": ["C0IN", "코1N"],
    "텔레그램": ["TELEGRAM", "TELEGR4M", "텔레GRAM"],
    "네이버": ["NAV3R", "N4VER"],
    "쿠팡": ["C0UPANG", "CouPang"],
    "대출": ["DAE출", "대CHUL"],
    "무료": ["MU료", "FREE"],
}
_LATIN_SWAPS = {"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "E": "3", "A": "4", "B": "8"}
_CIRCLED = {str(i): chr(0x2460 + i - 1) for i in range(1, 10)} | {"0": "⓪"}
_SEPARATORS = [".", "_", "*", "-", "/", "ㆍ", "`", "^", "'", "~"]


def _is_link_token(token: str) -> bool:
    return "." in token.strip(".,!?") or "/" in token or "@" in token


def _present_keyword(text: str, keywords: list[str] | dict[str, list[str]], rng: random.Random) -> str | None:
    found = [k for k in keywords if k in text]
    return rng.choice(found) if found else None


def _trick_separator_chars(text: str, rng: random.Random) -> str | None:
    keyword = _present_keyword(text, _SPAM_KEYWORDS, rng)
    if keyword is None:
        return None
    sep = rng.choice(_SEPARATORS)
    return text.replace(keyword, sep.join(keyword), 1)


def _trick_inner_spaces(text: str, rng: random.Random) -> str | None:
    keyword = _present_keyword(text, _SPAM_KEYWORDS, rng)
    if keyword is None:
        return None
    return text.replace(keyword, rng.choice([" ", "  "]).join(keyword), 1)


def _trick_jamo(text: str, rng: random.Random) -> str | None:
    keyword = _present_keyword(text, _JAMO_FORMS, rng)
    if keyword is None:
        return None
    return text.replace(keyword, rng.choice(_JAMO_FORMS[keyword]), 1)


def _trick_latin_lookalike(text: str, rng: random.Random) -> str | None:
    keyword = _present_keyword(text, _LATIN_FORMS, rng)
    if keyword is not None:
        return text.replace(keyword, rng.choice(_LATIN_FORMS[keyword]), 1)
    # Otherwise mangle an ASCII word that is not a link: VIP -> V1P, PASS -> P455.
    tokens = text.split(" ")
    candidates = [i for i, t in enumerate(tokens) if t.isascii() and any(c in _LATIN_SWAPS for c in t) and t.isalpha() and not _is_link_token(t)]
    if not candidates:
        return None
    i = rng.choice(candidates)
    tokens[i] = "".join(_LATIN_SWAPS.get(c, c) if rng.random() < 0.7 else c for c in tokens[i])
    return " ".join(tokens)


def _trick_circled_digits(text: str, rng: random.Random) -> str | None:
    tokens = text.split(" ")
    candidates = [i for i, t in enumerate(tokens) if any(c.isdigit() for c in t) and not _is_link_token(t) and "-" not in t]
    if not candidates:
        # Numbered bullets are how many spam texts use them anyway: ①가입 ②충전 ③환전
        return f"{_CIRCLED['1']}{rng.choice(['가입', '확인', '신청', '접속'])} {text}"
    i = rng.choice(candidates)
    tokens[i] = "".join(_CIRCLED.get(c, c) for c in tokens[i])
    return " ".join(tokens)


def _trick_fullwidth(text: str, rng: random.Random) -> str | None:
    tokens = text.split(" ")
    candidates = [i for i, t in enumerate(tokens) if any(c.isascii() and c.isalnum() for c in t)]
    if not candidates:
        return None
    for i in rng.sample(candidates, k=min(len(candidates), rng.randint(1, 3))):
        tokens[i] = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in tokens[i])
    return " ".join(tokens)


def _trick_emoji(text: str, rng: random.Random) -> str | None:
    emojis = rng.sample(_EMOJIS, k=rng.randint(1, 3))
    where = rng.random()
    if where < 0.4:
        return "".join(emojis) + " " + text
    if where < 0.7:
        return text + " " + "".join(emojis)
    tokens = text.split(" ")
    tokens.insert(rng.randint(1, max(1, len(tokens) - 1)), "".join(emojis))
    return " ".join(tokens)


_TRICKS: dict[str, Callable[[str, random.Random], str | None]] = {
    "separator_chars": _trick_separator_chars,
    "circled_digits": _trick_circled_digits,
    "fullwidth": _trick_fullwidth,
    "inner_spaces": _trick_inner_spaces,
    "jamo": _trick_jamo,
    "latin_lookalike": _trick_latin_lookalike,
    "emoji": _trick_emoji,
}


def apply_evasions(text: str, rng: random.Random, max_tricks: int = 2) -> tuple[str, tuple[str, ...]]:
    """Apply 1..max_tricks filter-evasion tricks that fit the text; return the new text and the tricks used."""
    wanted = rng.randint(1, max_tricks)
    applied: list[str] = []
    for name in rng.sample(EVASION_TRICKS, k=len(EVASION_TRICKS)):
        if len(applied) == wanted:
            break
        changed = _TRICKS[name](text, rng)
        if changed is not None and changed != text:
            text, applied = changed, [*applied, name]
    return text, tuple(applied)


# --------------------------------------------------------------------------- generation


class _SlotValues(dict):
    """Fills ``{slot}`` on first use, so a slot used twice in one template gets one value."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self._rng = rng

    def __missing__(self, key: str) -> str:
        value = _SLOTS[key](self._rng)
        self[key] = value
        return value


def _render(category: str, rng: random.Random) -> tuple[str, str]:
    templates = _TEMPLATES[category]
    index = rng.randrange(len(templates))
    text = templates[index].format_map(_SlotValues(rng))
    if category == "personal":
        text += rng.choice(_PERSONAL_ENDINGS)
    return text, f"{category}-{index:02d}"


def _one_row(label: str, rng: random.Random) -> SynthRow:
    pool = SPAM_CATEGORIES if label == SPAM else HAM_CATEGORIES
    category = rng.choices(pool, weights=[_CATEGORY_WEIGHTS[c] for c in pool])[0]
    text, template_id = _render(category, rng)
    evasions: tuple[str, ...] = ()
    if label == SPAM and rng.random() < EVASION_RATE:
        text, evasions = apply_evasions(text, rng)
    # One space between words, never a tab or newline: the TSV/CSV contract (inner_spaces keeps "대 출").
    text = " ".join(text.split())
    return SynthRow(label=label, category=category, text=text, template_id=template_id, evasions=evasions)


def generate(n: int, seed: int, spam_ratio: float = 0.5) -> list[SynthRow]:
    """``n`` unique synthetic SMS, ``round(n * spam_ratio)`` of them spam, in a seed-determined order.

    Deterministic: the same ``(n, seed, spam_ratio)`` gives the same list on every machine.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= spam_ratio <= 1.0:
        raise ValueError("spam_ratio must be in [0, 1]")
    rng = random.Random(seed)
    n_spam = round(n * spam_ratio)
    labels = [SPAM] * n_spam + [HAM] * (n - n_spam)
    rng.shuffle(labels)
    rows: list[SynthRow] = []
    seen: set[str] = set()
    for label in labels:
        for _attempt in range(200):
            row = _one_row(label, rng)
            if row.text not in seen:
                break
        else:
            raise RuntimeError(f"could not make a new unique {label} text after 200 attempts (n={n} too large?)")
        seen.add(row.text)
        rows.append(row)
    return rows


def template_ids(category: str | None = None) -> list[str]:
    """Every template id (``<category>-NN``), optionally of one category."""
    return [
        f"{cat}-{index:02d}"
        for cat, templates in _TEMPLATES.items()
        if category is None or cat == category
        for index in range(len(templates))
    ]


def campaign_variants(template_id: str, n: int, seed: int) -> list[SynthRow]:
    """``n`` texts from one template with fresh slot values: what one spam campaign sends to many phones.

    Variants share wording and differ in numbers, names and links, so exact dedup keeps them apart while
    near-duplicate (campaign) grouping should join them. Not necessarily unique for slot-free templates.
    """
    category, _, index = template_id.rpartition("-")
    template = _TEMPLATES[category][int(index)]
    label = CATEGORIES[category]
    rng = random.Random(f"{seed}:{template_id}")
    rows = []
    for _ in range(n):
        text = " ".join(template.format_map(_SlotValues(rng)).split())
        rows.append(SynthRow(label=label, category=category, text=text, template_id=template_id))
    return rows

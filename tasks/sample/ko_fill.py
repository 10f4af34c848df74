"""Slot values for the v2 Korean SMS grammars: names, numbers, amounts, dates, links, messenger IDs.

Every value is random and fake, but has the FORMAT real messages use, so PII scrubbing downstream sees it:

* mobile numbers use the unassigned middle blocks 0000-1999 (010-0xxx-xxxx, 010-1xxx-xxxx): no subscriber has
  them, yet they match every 010 pattern; landlines and 070/050x numbers likewise start their middle block
  with 0 or 1;
* resident registration numbers have a valid date and gender digit but a wrong check digit;
* account numbers follow each bank's layout with random digits;
* e-mail users, messenger IDs and link paths are random strings; spam hosts are made up (random stems on cheap
  top-level domains, brand look-alikes, shorteners with random codes); legitimate senders' hosts are the real
  public hosts of those senders, with made-up paths.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from tasks.sample.ko_vocab import (
    ACCOUNT_LAYOUTS,
    AREAS,
    BANK_SHORT,
    BANKS,
    BROKERS,
    CARDS,
    CLINICS,
    COINS,
    COURIERS,
    EMAIL_DOMAINS,
    FAKE_TLDS,
    FOREIGN_MERCHANTS,
    GIVEN,
    LOOKALIKE_STEMS,
    MERCHANTS,
    SHOPS,
    SHORTENERS,
    STOCKS,
    SURNAMES,
    US_STOCKS,
)

Fill = Callable[[random.Random], str]

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = _LOWER + _LOWER.upper() + "0123456789"

GIVEN_MORE = [
    "서준", "하윤", "이준", "지안", "유준", "윤서", "은우", "소율", "시윤", "민서", "승현", "가은", "태윤", "나연", "준혁",
    "수진", "민호", "지현", "영수", "순자", "정숙", "명수", "광수", "옥순", "진호", "보람", "슬기", "한결", "다인", "세아",
]
ALL_GIVEN = GIVEN + GIVEN_MORE
# Given names are two syllables from the common given-name syllables (about 1,500 combinations), as real names
# are: a small fixed list would make each name frequent enough for a model to attach a label to it.
_GIVEN_FIRST = "민서지하도예주시수현준은유채다건우연정영상혜경성동재소태승가나윤세진보한슬아미희호선"
_GIVEN_SECOND = "준연윤우원은아호민서린빈현희진영수경숙훈석철정율인솔결람기혁욱"
GAMBLING_BRANDS = [
    "벳365", "로얄", "마카오", "윈윈", "스타", "골드", "킹덤", "에볼루션", "타이거", "블루", "라칸", "더킹", "제우스", "올림푸스",
    "페라리", "벤츠", "샤넬", "맥스", "위너", "메가", "비트", "포세이돈", "황금성", "다이아", "크라운", "플래티넘", "드림", "썬시티",
]
GAMBLING_SUFFIXES = ["벳", "카지노", "토토", "", "", "BET", "게이밍", "슬롯"]
GAMBLING_HOST_STEMS = ["bet", "win", "king", "vip", "gold", "toto", "casino", "slot", "major", "jackpot", "ace", "royal", "star", "mega", "dream"]
STOCK_ROOM_NAMES = ["VIP 수익방", "주식 명가", "급등주 연구소", "여의도 리딩클럽", "상한가 클럽", "가치투자 연구회", "슈퍼개미방", "주린이 탈출방", "세력주 분석방", "AI 퀀트방"]
EXPERT_TITLES = ["교수", "대표", "전문위원", "애널리스트", "이사", "팀장", "원장"]
JOBS = ["상품 리뷰 작성", "유튜브 좋아요 누르기", "쇼핑몰 구매대행", "부업 타이핑", "스마트스토어 관리", "앱 테스트", "재택 포장", "문서 정리", "블로그 포스팅", "영상 시청"]
LOAN_BRANDS = ["서민금융", "햇살론", "새희망홀씨", "사잇돌", "안전금융", "희망대출", "바로대출", "K-소상공인지원", "서민지원센터", "정책자금센터"]
AGENCIES = {
    "nhis": "국민건강보험공단",
    "police": "경찰청",
    "efine": "이파인",
    "gov24": "정부24",
    "nts": "국세청",
    "court": "대법원",
    "prosecutor": "서울중앙지방검찰청",
    "nps": "국민연금공단",
    "koroad": "도로교통공단",
    "seoul": "서울시",
    "kdca": "질병관리청",
}
DISTRICTS = ["강남구", "서초구", "마포구", "송파구", "관악구", "노원구", "수원시 영통구", "성남시 분당구", "고양시 일산동구", "부산 해운대구", "대구 수성구", "인천 연수구", "대전 서구", "광주 북구", "제주시"]
SCHOOLS = ["서울한빛초등학교", "새솔초등학교", "푸른중학교", "한결중학교", "누리고등학교", "미래고등학교", "햇살유치원", "별빛어린이집"]
FUNERAL_HALLS = ["서울아산병원 장례식장", "삼성서울병원 장례식장", "세브란스병원 장례식장", "분당서울대병원 장례식장", "고려대안암병원 장례식장", "부산성모병원 장례식장"]
WEDDING_HALLS = ["더채플앳청담", "아펠가모 광화문", "라비두스", "더베뉴지 서울", "엘타워", "그랜드힐컨벤션", "노블발렌티 삼성"]
APPS_REMOTE = ["팀뷰어 퀵서포트", "원격지원 앱", "보안인증 앱", "AnyDesk", "휴대폰 보호 앱"]
STORES = ["다이소", "올리브영", "이마트", "홈플러스", "GS25", "CU", "스타벅스", "교보문고", "하이마트", "ABC마트"]
MENUS = ["김치찌개", "치킨", "삼겹살", "짜장면", "떡볶이", "피자", "초밥", "국밥", "파스타", "돈까스"]
PLACES = ["강남역 11번 출구", "회사 앞", "스벅", "집 앞", "홍대입구역", "학교 정문", "편의점 앞", "주차장", "로비", "역 앞 카페", "터미널", "정류장"]

# Real public hosts of legitimate senders (paths are made up per message).
LEGIT_HOSTS: dict[str, list[str]] = {
    "CJ대한통운": ["https://www.cjlogistics.com/ko/tool/parcel/tracking?gnbInvcNo={tracking}", "https://trace.cjlogistics.com/next/tracking.html?wblNo={tracking}"],
    "한진택배": ["https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?wblnum={tracking}"],
    "롯데택배": ["https://www.lotteglogis.com/home/reservation/tracking/link?InvNo={tracking}"],
    "우체국택배": ["https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1={tracking}"],
    "로젠택배": ["https://www.ilogen.com/m/personal/trace/{tracking}"],
    "쿠팡": ["https://www.coupang.com/np/orders", "https://m.coupang.com/np/delivery/{code}"],
    "경동택배": ["https://kdexp.com/service/delivery/etc/delivery.do?barcode={tracking}"],
    "naver": ["https://naver.me/{code}", "https://m.booking.naver.com/my/bookings/{digits}"],
    "kakao": ["https://kko.to/{code}", "https://kakaopay.me/{code}"],
    "nhis": ["https://www.nhis.or.kr", "https://www.nhis.or.kr/nhis/healthin/wbhaca06800m01.do"],
    "gov24": ["https://www.gov.kr", "https://www.gov.kr/mw/AA040Info.do"],
    "hometax": ["https://www.hometax.go.kr", "https://mob.tbht.hometax.go.kr"],
    "efine": ["https://www.efine.go.kr"],
    "school": ["https://www.hiclass.net/notice/{code}", "https://www.e-alimi.com/{code}", "https://school.iamservice.net/articles/view/{digits}"],
    "apartment": ["https://www.apti.co.kr/apti/notice/{digits}", "https://www.aptner.com/notice/{digits}"],
    "hospital": ["https://m.booking.naver.com/my/bookings/{digits}", "https://ddocdoc.com/r/{code}"],
    "card": ["https://m.shinhancard.com", "https://m.kbcard.com", "https://www.hyundaicard.com", "https://www.samsungcard.com"],
    "bank": ["https://m.kbstar.com", "https://m.shinhan.com", "https://www.wooribank.com", "https://www.kakaobank.com"],
    "telecom": ["https://www.tworld.co.kr", "https://m.kt.com", "https://www.lguplus.com"],
    "utility": ["https://cyber.kepco.co.kr", "https://www.seoulgas.co.kr", "https://i121.seoul.go.kr"],
    "wedding": ["https://m.barunsoncard.com/m/{code}", "https://mcard.bojagicard.com/{code}", "https://www.itcard.co.kr/m/{code}"],
    "shop": ["https://m.11st.co.kr/order/{digits}", "https://m.gmarket.co.kr/n/order/{digits}", "https://www.musinsa.com/order/{digits}", "https://m.oliveyoung.co.kr/m/mypage/{digits}"],
    "friend": ["https://youtu.be/{code}", "https://naver.me/{code}", "https://blog.naver.com/{user}/{digits}", "https://www.instagram.com/p/{code}"],
}


def digits(rng: random.Random, k: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(k))


def code(rng: random.Random, k: int | None = None) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(k or rng.randint(5, 8)))


def user(rng: random.Random) -> str:
    return "".join(rng.choice(_LOWER) for _ in range(rng.randint(4, 8))) + digits(rng, rng.randint(0, 3))


def given(rng: random.Random) -> str:
    return rng.choice(ALL_GIVEN) if rng.random() < 0.3 else rng.choice(_GIVEN_FIRST) + rng.choice(_GIVEN_SECOND)


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + given(rng)


def name_masked(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}*{given(rng)[-1]}"


def _has_final(syllable: str) -> bool:
    return (ord(syllable[-1]) - 0xAC00) % 28 != 0


def given_vocative(rng: random.Random) -> str:
    """민준아 after a final consonant, 지우야 after a vowel."""
    first = given(rng)
    return first + ("아" if _has_final(first) else "야")


def given_self(rng: random.Random) -> str:
    """How one introduces oneself casually: 민준이야, 지우야."""
    first = given(rng)
    return first + ("이야" if _has_final(first) else "야")


def mobile(rng: random.Random) -> str:
    """010 number in an unassigned block (middle 0000-1999), in the layouts texts use."""
    middle, last = rng.choice("01") + digits(rng, 3), digits(rng, 4)
    style = rng.random()
    if style < 0.6:
        return f"010-{middle}-{last}"
    if style < 0.75:
        return f"010{middle}{last}"
    if style < 0.85:
        return f"010.{middle}.{last}"
    if style < 0.93:
        return f"010 {middle} {last}"
    return f"+82 10-{middle}-{last}"


def landline(rng: random.Random) -> str:
    middle = rng.choice("01") + digits(rng, rng.choice([2, 3]))
    area = rng.choice(["02", "031", "032", "051", "053", "042", "062"])
    return f"{area}-{middle}-{digits(rng, 4)}"


def spam_phone(rng: random.Random) -> str:
    """Numbers spam asks you to call: mobiles, 070 internet phones, 050x safe numbers, landlines."""
    style = rng.random()
    if style < 0.45:
        return mobile(rng)
    if style < 0.7:
        return f"070-{rng.choice('01')}{digits(rng, 3)}-{digits(rng, 4)}"
    if style < 0.82:
        return f"050{rng.choice('4567')}-{rng.choice('01')}{digits(rng, 3)}-{digits(rng, 4)}"
    return landline(rng)


def rep_phone(rng: random.Random) -> str:
    """A business representative number (대표번호) as legitimate senders print it."""
    return f"{rng.choice(['1588', '1577', '1544', '1566', '1644', '1670', '1600', '1899'])}-{digits(rng, 4)}"


def optout(rng: random.Random) -> str:
    return f"080-{rng.choice('01')}{digits(rng, 2)}-{digits(rng, 4)}"


def rrn(rng: random.Random) -> str:
    """YYMMDD-GNNNNNN with a valid date and gender digit and a WRONG check digit (never a real number)."""
    yy = rng.randint(50, 99) if rng.random() < 0.7 else rng.randint(0, 6)
    mm, dd = rng.randint(1, 12), rng.randint(1, 28)
    gender = rng.choice("12") if yy >= 50 else rng.choice("34")
    body = f"{yy:02d}{mm:02d}{dd:02d}{gender}{digits(rng, 5)}"
    check = (11 - sum(int(d) * w for d, w in zip(body, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5))) % 11) % 10
    wrong = (check + rng.randint(1, 9)) % 10
    return f"{body[:6]}-{body[6:]}{wrong}"


def account_number(rng: random.Random, groups: tuple[str | int, ...]) -> str:
    """An account number of one layout of ``ACCOUNT_LAYOUTS``: fixed prefixes kept, digit counts filled at random."""
    return "-".join(group if isinstance(group, str) else digits(rng, group) for group in groups)


def account(rng: random.Random) -> str:
    """Bank name + account number in that bank's layout (random digits)."""
    bank, groups = rng.choice(ACCOUNT_LAYOUTS)
    bank_first = rng.random() < 0.8
    number = account_number(rng, groups)
    return f"{bank} {number}" if bank_first else f"{number} {bank}"


def account_masked(rng: random.Random) -> str:
    return rng.choice([f"{digits(rng, 3)}-***-{digits(rng, 3)}", f"{digits(rng, 3)}*****{digits(rng, 2)}", f"***{digits(rng, 4)}"])


def email(rng: random.Random) -> str:
    return f"{user(rng)}@{rng.choice(EMAIL_DOMAINS)}"


def kakao_id(rng: random.Random) -> str:
    stem = rng.choice(["vip", "bet", "win", "king", "lucky", "gold", "top", "money", "stock", "rich", "cs", "help", "love", "honey"])
    return stem + rng.choice(["", "_", ""]) + digits(rng, rng.randint(2, 4))


def openchat_url(rng: random.Random) -> str:
    return f"https://open.kakao.com/o/{rng.choice('gs')}{code(rng, 7)}"


def telegram_id(rng: random.Random) -> str:
    return kakao_id(rng) + rng.choice(["", "bot", "_cs", "_vip", ""])


def shortener_url(rng: random.Random) -> str:
    scheme = rng.choice(["https://", "http://", "", ""])
    return f"{scheme}{rng.choice(SHORTENERS)}/{code(rng)}"


def cheap_host(rng: random.Random) -> str:
    stem = "".join(rng.choice(_LOWER) for _ in range(rng.randint(3, 8))) + (digits(rng, 2) if rng.random() < 0.4 else "")
    return f"{stem}.{rng.choice(FAKE_TLDS)}"


def spam_url(rng: random.Random) -> str:
    """A link of the kinds smishing uses: shorteners, throwaway domains, brand look-alikes, bare IPs."""
    style = rng.random()
    scheme = rng.choice(["https://", "http://", "", ""])
    if style < 0.35:
        return shortener_url(rng)
    if style < 0.65:
        return scheme + cheap_host(rng) + rng.choice(["", "/", f"/?c={code(rng)}", f"/m/{code(rng)}", f"/{code(rng, 4)}"])
    if style < 0.93:
        host = f"{rng.choice(LOOKALIKE_STEMS + AGENCY_LOOKALIKES)}.{rng.choice(FAKE_TLDS)}"
        return scheme + host + rng.choice(["", "/", "/track", "/login", f"/verify?id={code(rng)}", f"/{code(rng)}"])
    return f"http://{rng.randint(45, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}/{code(rng, 5)}"


AGENCY_LOOKALIKES = [
    "nhis-check", "nhis-result", "gov-kr", "gov24-help", "efine-kr", "police-fine", "koroad-pay", "nts-refund", "hometax-kr",
    "scourt-kr", "spo-go", "wedding-card", "m-card", "bugo-notice", "bugo", "invitation", "epost-go", "cj-parcel", "hanjin-kr",
    "naver-safe", "kakao-auth", "apple-support", "toss-safe", "kbank-auth", "samsung-pay", "coupang-safe",
]


def gambling_url(rng: random.Random) -> str:
    stem = rng.choice(GAMBLING_HOST_STEMS) + rng.choice(["", "-", ""]) + (rng.choice(GAMBLING_HOST_STEMS) if rng.random() < 0.4 else "")
    host = f"{stem}{digits(rng, rng.randint(1, 4))}.{rng.choice(['com', 'net', 'xyz', 'vip', 'bet', 'top', 'cc', 'win', 'club', 'site'])}"
    return rng.choice(["https://", "", "", "www."]) + host + rng.choice(["", "", "/join", f"/?code={code(rng, 4)}", "/event"])


def ad_url(rng: random.Random) -> str:
    """Links in lawful-looking ads: a shortener or the advertiser's own event page."""
    if rng.random() < 0.5:
        return shortener_url(rng)
    stem = "".join(rng.choice(_LOWER) for _ in range(rng.randint(4, 9)))
    return f"https://m.{stem}.{rng.choice(['co.kr', 'com', 'kr'])}/{rng.choice(['event', 'ev', 'promo', 'coupon'])}/{digits(rng, 3)}"


def legit_url(kind: str) -> Fill:
    """A link of a legitimate sender of ``kind`` (a key of LEGIT_HOSTS or a courier name)."""

    def fill(rng: random.Random) -> str:
        return rng.choice(LEGIT_HOSTS[kind]).format(tracking=tracking(rng), code=code(rng, 6), digits=digits(rng, 7), user=user(rng))

    return fill


def tracking(rng: random.Random) -> str:
    return digits(rng, rng.choice([10, 12, 13]))


def won(lo: int, hi: int, step: int) -> Fill:
    return lambda rng: f"{rng.randrange(lo, hi, step):,}"


def man(rng: random.Random) -> str:
    return rng.choice(["300만원", "500만원", "1,000만원", "2,000만원", "3,000만원", "5,000만원", "1억", "1억5천만원", "3억", "2천만원", "7천만원"])


def man_small(rng: random.Random) -> str:
    return f"{rng.choice([3, 5, 10, 20, 30, 50, 70, 100, 150, 200, 300])}만원"


def date(rng: random.Random) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{month:02d}/{day:02d}", f"{month}월 {day}일", f"{month:02d}.{day:02d}", f"{month}/{day}"])


def weekday(rng: random.Random) -> str:
    return rng.choice("월화수목금토일") + rng.choice(["요일", ""])


def time_hm(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"


def time_spoken(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(1, 12)}시", f"{rng.randint(1, 12)}시 반", f"오후 {rng.randint(1, 9)}시", f"오전 {rng.randint(7, 11)}시", f"{rng.randint(1, 12)}시 {rng.choice([10, 20, 40, 50])}분"])


def time_range(rng: random.Random) -> str:
    start = rng.randint(8, 19)
    return f"{start:02d}:00~{rng.randint(start + 1, min(start + 4, 22)):02d}:00"


def pct(rng: random.Random) -> str:
    return str(rng.choice([5, 10, 15, 20, 25, 30, 40, 50, 70, 100, 150, 200, 300]))


def otp(rng: random.Random) -> str:
    return digits(rng, rng.choice([4, 6, 6, 6, 8]))


def case_no(rng: random.Random) -> str:
    return f"20{rng.randint(23, 26)}{rng.choice(['가단', '고단', '형제', '가소'])}{digits(rng, 5)}"


FILLS: dict[str, Fill] = {
    "name": name,
    "name2": name,
    "name_masked": name_masked,
    "given": given,
    "given_voc": given_vocative,
    "given_self": given_self,
    "surname": lambda r: r.choice(SURNAMES),
    "mobile": mobile,
    "mobile2": mobile,
    "landline": landline,
    "phone": spam_phone,
    "rep_phone": rep_phone,
    "optout_no": optout,
    "rrn": rrn,
    "account": account,
    "account_masked": account_masked,
    "email": email,
    "kakao_id": kakao_id,
    "tg_id": telegram_id,
    "openchat": openchat_url,
    "url": spam_url,
    "short_url": shortener_url,
    "gambling_url": gambling_url,
    "ad_url": ad_url,
    "tracking": tracking,
    "code": lambda r: code(r, r.randint(4, 6)).upper(),
    "promo_code": lambda r: rng_word(r),
    "otp": otp,
    "last4": lambda r: digits(r, 4),
    "won_small": won(1_000, 99_000, 100),
    "won_mid": won(10_000, 990_000, 10),
    "won_big": won(100_000, 9_900_000, 1_000),
    "won_bill": won(8_000, 250_000, 10),
    "usd": lambda r: f"{r.randint(29, 1999)}.{r.randint(0, 99):02d}",
    "man": man,
    "man_small": man_small,
    "pct": pct,
    "pct2": pct,
    "pct_small": lambda r: str(r.choice([3, 5, 10, 15, 20])),
    "rate": lambda r: f"{r.randint(2, 6)}.{r.randint(0, 9)}",
    "score": lambda r: str(r.choice([300, 400, 450, 500, 600, 650])),
    "n": lambda r: str(r.randint(2, 30)),
    "n_small": lambda r: str(r.randint(2, 9)),
    "n_big": lambda r: str(r.choice([100, 200, 300, 500, 1000, 3000])),
    "years": lambda r: str(r.randint(3, 12)),
    "age": lambda r: str(r.randint(20, 35)),
    "km": lambda r: str(r.randint(1, 5)),
    "month": lambda r: str(r.randint(1, 12)),
    "date": date,
    "date2": date,
    "weekday": weekday,
    "time": time_hm,
    "time2": time_hm,
    "time_spoken": time_spoken,
    "time_range": time_range,
    "case_no": case_no,
    "room": lambda r: f"{r.randint(1, 15)}{r.randint(0, 1)}{r.randint(1, 9)}",
    "dong": lambda r: f"{r.randint(101, 115)}",
    "grade": lambda r: str(r.randint(1, 6)),
    "bank": lambda r: r.choice(BANKS),
    "bank_short": lambda r: r.choice(BANK_SHORT),
    "card": lambda r: r.choice(CARDS),
    "courier": lambda r: r.choice(COURIERS),
    "shop": lambda r: r.choice(SHOPS),
    "merchant": lambda r: r.choice(MERCHANTS),
    "foreign_merchant": lambda r: r.choice(FOREIGN_MERCHANTS),
    "stock": lambda r: r.choice(STOCKS),
    "us_stock": lambda r: r.choice(US_STOCKS),
    "coin": lambda r: r.choice(COINS),
    "broker": lambda r: r.choice(BROKERS),
    "clinic": lambda r: r.choice(CLINICS),
    "area": lambda r: r.choice(AREAS),
    "district": lambda r: r.choice(DISTRICTS),
    "school": lambda r: r.choice(SCHOOLS),
    "funeral_hall": lambda r: r.choice(FUNERAL_HALLS),
    "wedding_hall": lambda r: r.choice(WEDDING_HALLS),
    "remote_app": lambda r: r.choice(APPS_REMOTE),
    "store": lambda r: r.choice(STORES),
    "menu": lambda r: r.choice(MENUS),
    "place": lambda r: r.choice(PLACES),
    "gbrand": lambda r: r.choice(GAMBLING_BRANDS) + r.choice(GAMBLING_SUFFIXES),
    "room_name": lambda r: r.choice(STOCK_ROOM_NAMES),
    "expert": lambda r: r.choice(SURNAMES) + given(r)[:1] + " " + r.choice(EXPERT_TITLES),
    "job": lambda r: r.choice(JOBS),
    "loan_brand": lambda r: r.choice(LOAN_BRANDS),
    "apt_name": lambda r: r.choice(["래미안", "힐스테이트", "자이", "푸르지오", "e편한세상", "롯데캐슬", "아이파크", "더샵", "SK뷰", "센트레빌"]),
    "legit_courier_url": lambda r: legit_url(r.choice(["CJ대한통운", "한진택배", "롯데택배", "우체국택배", "로젠택배"]))(r),
}
FILLS.update({f"legit_{kind}": legit_url(kind) for kind in LEGIT_HOSTS if kind.isascii()})


def rng_word(rng: random.Random) -> str:
    return rng.choice(["WELCOME", "VIP", "GOLD", "LUCKY", "EVENT", "BONUS", "FIRST", "NEW"]) + digits(rng, rng.randint(1, 3))

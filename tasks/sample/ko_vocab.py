"""Korean word lists shared by the synthetic SMS generators (v1 ``synth_ko``, v2 ``synth_ko_v2``).

Brands, banks and shops are public names; person names are common syllables combined at random. Order is part
of the generators' output (an index into a list is what a seed picks), so append only.
"""

from __future__ import annotations

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국"
GIVEN = [
    "민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "지민", "주원", "하은", "예준", "수아", "지호", "지유",
    "준서", "채원", "현우", "다은", "건우", "은서", "우진", "예린", "선우", "수빈", "연우", "지아", "정훈", "미경",
    "영희", "철수", "상민", "혜진", "경숙", "성호", "은정", "동현", "유진", "재현", "소영", "태희",
]
BANKS = ["신한은행", "국민은행", "우리은행", "하나은행", "농협은행", "기업은행", "카카오뱅크", "토스뱅크", "SC제일은행", "새마을금고", "우체국", "케이뱅크"]
BANK_SHORT = ["신한", "KB국민", "우리", "하나", "NH농협", "IBK기업", "카카오뱅크", "토스뱅크", "SC제일", "새마을금고"]
CARDS = ["신한", "KB국민", "삼성", "현대", "롯데", "하나", "우리", "NH농협", "BC"]
COURIERS = ["CJ대한통운", "한진택배", "롯데택배", "우체국택배", "로젠택배", "쿠팡", "경동택배"]
SHOPS = ["쿠팡", "G마켓", "11번가", "무신사", "올리브영", "SSG닷컴", "마켓컬리", "29CM", "지그재그", "옥션", "이마트몰", "오늘의집"]
MERCHANTS = [
    "스타벅스", "GS25", "CU", "세븐일레븐", "이마트24", "배달의민족", "쿠팡이츠", "올리브영", "다이소", "메가커피",
    "투썸플레이스", "맥도날드", "교보문고", "CGV", "롯데시네마", "홈플러스", "이마트", "SK에너지", "카카오T", "무신사",
    "김밥천국", "파리바게뜨", "서울대입구약국", "티머니", "네이버페이", "쿠팡", "배스킨라빈스", "컴포즈커피",
]
FOREIGN_MERCHANTS = ["AMAZON.COM", "ALIEXPRESS", "APPLE.COM/BILL", "STEAM GAMES", "NETFLIX.COM", "EBAY O*1234", "GOOGLE*PLAY", "TEMU.COM", "BOOKING.COM", "AGODA"]
CASINO_BRANDS = ["벳365", "로얄카지노", "마카오VIP", "윈윈벳", "스타벳", "골드바카라", "킹덤카지노", "에볼루션", "타이거벳", "블루벳", "피나클", "라칸카지노", "더킹"]
STOCKS = ["에코프로", "한미반도체", "알테오젠", "HLB", "포스코DX", "레인보우로보틱스", "두산로보틱스", "삼성전기", "LS ELECTRIC", "루닛", "엔켐", "셀트리온"]
US_STOCKS = ["NVDA", "TSLA", "PLTR", "SOXL", "IONQ", "AMD", "TQQQ", "SMCI"]
COINS = ["리플", "솔라나", "도지코인", "페페", "수이", "월드코인", "SXP", "위믹스"]
BROKERS = ["미래에셋", "키움", "삼성증권", "NH투자", "한국투자", "KB증권", "신한투자", "토스증권"]
CLINICS = ["서울연세치과", "밝은안과", "우리가정의학과", "튼튼정형외과", "맑은피부과", "365열린의원", "하나이비인후과", "새봄소아과", "강남세브란스병원", "분당서울대병원"]
SALONS = ["준오헤어", "박승철헤어", "리안헤어", "차홍룸", "이철헤어커커"]
AREAS = ["강남", "서초", "송파", "마포", "홍대", "부산 해운대", "대구 수성구", "인천 송도", "수원 영통", "분당", "일산", "대전 둔산", "광주 상무"]
APTS = ["래미안", "힐스테이트", "자이", "푸르지오", "e편한세상", "롯데캐슬", "아이파크", "더샵"]
GYMS = ["스포애니", "에이블짐", "바디스페이스", "짐박스", "헬스보이짐"]
PLACES = ["강남역 11번 출구", "회사 앞", "카페", "집 앞", "홍대입구역", "학교 정문", "편의점 앞", "주차장", "로비"]
RELATIVES = ["엄마", "아빠", "누나", "언니", "형", "오빠", "이모", "삼촌", "할머니"]
FAKE_TLDS = ["xyz", "top", "shop", "icu", "cc", "vip", "live", "club", "site", "online", "info", "kr", "co", "me", "buzz", "sbs", "lol"]
SHORTENERS = ["bit.ly", "han.gl", "me2.do", "vo.la", "url.kr", "t.ly", "tinyurl.com", "is.gd", "buly.kr", "c11.kr", "lrl.kr", "zrr.kr"]
LOOKALIKE_STEMS = [
    "cj-korex", "cjlogis-kr", "epost-kr", "hanjin-delivery", "kpost-track", "nhis-kr", "nhis-gov", "gov24-kr",
    "hometax-refund", "police-kr", "efine-go", "kbstar-help", "shinhan-card-kr", "samsungcard-safe", "naver-login",
    "kakao-secure", "toss-verify", "coupang-kr", "apple-id-kr", "wooribank-kr", "court-kr", "kbank-help",
]
EMAIL_DOMAINS = ["naver.com", "gmail.com", "daum.net", "kakao.com", "hanmail.net", "company.co.kr", "nate.com"]
# Bank account layouts: bank name and the groups of its number (a fixed prefix, or a count of random digits).
ACCOUNT_LAYOUTS: tuple[tuple[str, tuple[str | int, ...]], ...] = (
    ("신한은행", ("110", 3, 6)),
    ("국민은행", (6, 2, 6)),
    ("우리은행", ("1002", 3, 6)),
    ("하나은행", (3, 6, 5)),
    ("농협", ("302", 4, 4, 2)),
    ("카카오뱅크", ("3333", 2, 7)),
    ("기업은행", (3, 6, 2, 3)),
    ("토스뱅크", ("1000", 4, 4)),
)

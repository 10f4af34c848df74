"""Slot grammars of Korean spam, one per subtype (generator v2, ``tasks/sample/synth_ko_v2.py``).

A grammar maps a symbol to its alternatives; ``{symbol}`` inside an alternative expands another symbol of the
subtype, a shared symbol (``COMMON``) or a slot value (``tasks/sample/ko_fill.py``). ``msg`` is the start symbol;
``msg@formal`` / ``msg@casual`` (any symbol may have register variants) are picked by the message's register.
A newline in an alternative is a line break that the renderer keeps or joins.

``share`` is the subtype's share of Korean SMS spam in percent, from the KISA / 방송통신위원회 2024 H1 figures as
quoted in the Korean press (gambling 53.6, finance 29.4, smishing 4.0 of which public-agency impersonation 69.5%
and acquaintance impersonation 11.8% in 2023, payment and authentication-code lures 2.8, job ads 2.7, adult 2.6,
illegal loans 1.0, the remaining 3.9 other ads), split over the subtypes of each type.
"""

from __future__ import annotations

COMMON: dict[str, list[str]] = {
    "ad": ["(광고)", "(광고)", "(광고)", "[광고]", "(광고) ", "<광고>", "(AD)"],
    "optout": [
        "무료거부 {optout_no}", "무료수신거부 {optout_no}", "수신거부 {optout_no}", "무료거부:{optout_no}", "☎무료거부 {optout_no}",
        "무료 수신거부 {optout_no}", "수신거부☎ {optout_no}", "무료거부 ☎{optout_no}",
    ],
    "kakao": [
        "카톡 {kakao_id}", "카톡ID {kakao_id}", "카카오톡 ID : {kakao_id}", "카톡 친추 {kakao_id}", "오픈채팅 {openchat}",
        "카톡 오픈채팅 {openchat}", "K톡 {kakao_id}", "카톡아이디 {kakao_id}", "카톡으로 연락주세요 {kakao_id}",
    ],
    "telegram": ["텔레그램 @{tg_id}", "텔레 @{tg_id}", "텔레그램 {tg_id}", "t.me/{tg_id}", "텔레그램 문의 @{tg_id}", "TG @{tg_id}", "텔레 ID {tg_id}"],
    "call": ["{phone}", "☎ {phone}", "문의 {phone}", "상담 {phone}", "전화 {phone}", "상담전화 {phone}", "☎{phone}", "tel {phone}"],
    "link": ["{url}", "▶ {url}", "바로가기 {url}", "접속 ▶ {url}", "👉 {url}", "☞ {url}", "링크 {url}", "확인 {url}", "{url} 클릭"],
    "messenger": ["{kakao}", "{telegram}", "{kakao}", "{telegram}"],
    "bullet": ["▶", "■", "☞", "✔", "✅", "◆", "●", "-", "※", "★", "▣", "◎"],
    "hurry": ["", "", "선착순 마감", "마감 임박", "오늘까지", "금일 마감", "한정 수량", "이번주까지만", "서두르세요", "놓치지 마세요"],
    # How a legitimate sender names its customer: masked (홍*동) as card and bank alerts do, or in full.
    "cust": ["{name_masked}", "{name_masked}", "{name}"],
    "greet@formal": ["안녕하세요", "안녕하십니까", "고객님 안녕하세요", "회원님 안녕하세요", ""],
    "greet@casual": ["", "안녕하세요~", "ㅎㅇ", "하이~", "형님들", "사장님"],
}

SPAM_SUBTYPES: dict[str, dict] = {
    # ------------------------------------------------------------------ gambling (53.6%)
    "gambling_sports": {
        "category": "gambling", "share": 16.0, "web_header": 0.2, "multiline": 0.45,
        "rules": {
            "msg": [
                "{open} {offer} {trust} {cta} {contact}",
                "{open}\n{bullet} {offer}\n{bullet} {trust}\n{bullet} {cta}\n{contact}",
                "{offer} {open} {contact} {hurry}",
                "{greet} {open} {trust} {offer} {contact}",
            ],
            "msg@casual": [
                "{greet} 이번주 {league} 픽 필요하시면 연락주세요 {open} {offer} {contact}",
                "형님 {open} 오픈했습니다 ㅎㅎ {offer} {contact}",
                "{league} 경기 보시면서 한폴 가시죠 {open} {offer} {contact}",
            ],
            "open": ["스포츠 토토 {gbrand}", "{gbrand} 스포츠", "해외 배팅 사이트 {gbrand}", "국내 최고 배당 {gbrand}", "축구 야구 농구 배팅은 {gbrand}", "{gbrand} 오픈 기념", "{gbrand} 신규 오픈", "안전놀이터 {gbrand}", "토토사이트 {gbrand}"],
            "league": ["EPL", "라리가", "MLB", "KBO", "NBA", "K리그", "챔스", "분데스리가", "세리에A"],
            "offer": ["첫충 {pct}% 매충 {pct2}%", "신규 가입 첫 충전 {pct}% 보너스", "가입머니 {man_small} 지급", "신규 첫충 {pct}% + 돌발 {pct2}%", "배당 최고 단폴 가능", "다폴 낙첨 시 {pct2}% 페이백", "스포츠 다폴더 보너스 지급", "첫충 {pct}% 무제한", "신규 {pct}% 재충 {pct2}%"],
            "trust": ["먹튀 없는 메이저", "먹튀 검증 완료", "보증금 {man} 예치", "{years}년 무사고 운영", "원화 환전 3분", "고액 환전 무제한", "실시간 환전 처리", "24시간 고객센터", "신규 회원 최다"],
            "cta": ["가입코드 {code}", "추천인 {code} 입력 시 추가 혜택", "지금 바로 가입하세요", "지금 접속", "선착순 {n}명", "코드 {code}"],
            "contact": ["{gambling_url}", "주소 {gambling_url}", "{gambling_url} {telegram}", "{telegram}", "{kakao}", "접속 {gambling_url} 코드 {code}"],
        },
    },
    "gambling_casino": {
        "category": "gambling", "share": 12.0, "web_header": 0.2, "multiline": 0.45,
        "rules": {
            "msg": [
                "{open} {game} {offer} {contact}",
                "{open}\n{bullet} {game}\n{bullet} {offer}\n{bullet} {trust}\n{contact}",
                "{greet} {name}님 {open} {offer} {trust} {contact} {hurry}",
                "{game} {open} {offer} {contact}",
            ],
            "msg@casual": [
                "오늘 바카라 흐름 좋네요 {open} {offer} {contact}",
                "{name}님 요즘 어디서 하세요? {open} {trust} {offer} {contact}",
            ],
            "open": ["라이브 카지노 {gbrand}", "{gbrand} 카지노", "정식 라이센스 카지노 {gbrand}", "{gbrand} 바카라", "실시간 카지노 {gbrand}", "마카오 현지 카지노 {gbrand}", "{gbrand}"],
            "game": ["에볼루션 바카라", "바카라 블랙잭 룰렛", "실시간 라이브 딜러", "스피드 바카라", "드래곤타이거", "식보 룰렛", "프라그마틱 라이브"],
            "offer": ["가입머니 {won_small}원 즉시지급", "첫입금 {pct}% 보너스", "무한 롤링 콤프 {pct2}%", "루징 {pct2}% 페이백", "입금 {won_mid}원 이상 {pct}% 추가", "신규 {pct}% 이벤트", "매일 출석 쿠폰 지급"],
            "trust": ["먹튀 시 {man} 보상", "환전 1분 처리", "고액 전용 VIP 룸", "{years}년 운영 무사고", "해외 정식 라이센스"],
            "contact": ["{gambling_url}", "{telegram}", "{kakao}", "{link}", "{gambling_url} 가입코드 {code}"],
        },
    },
    "gambling_slot": {
        "category": "gambling", "share": 8.0, "web_header": 0.15, "multiline": 0.4,
        "rules": {
            "msg": [
                "{open} {offer} {contact}",
                "{open}\n{bullet} {offer}\n{bullet} {extra}\n{contact}",
                "{offer} {open} {extra} {contact}",
            ],
            "msg@casual": ["꽁머니 {won_small}원 받아가세요 ㅎ {open} {contact}", "슬롯 잭팟 터졌어요 ㄷㄷ {open} {offer} {contact}"],
            "open": ["슬롯 전문 {gbrand}", "{gbrand} 슬롯", "프라그마틱 슬롯 {gbrand}", "온라인 슬롯머신 {gbrand}", "{gbrand} 꽁머니 이벤트"],
            "offer": ["꽁머니 {won_small}원 지급", "신규 가입 {pct}% 보너스", "프리스핀 {n}회 무료", "잭팟 {man} 당첨 인증", "무료 체험머니 {won_small}원", "첫충 {pct}% 매충 {pct2}%"],
            "extra": ["최신 게임 {n_big}종", "모바일 완벽 지원", "잭팟 매일 터짐", "환전 무제한", "가입 즉시 지급"],
            "contact": ["{gambling_url}", "{link}", "{telegram}", "{gambling_url} {kakao}"],
        },
    },
    "gambling_minigame": {
        "category": "gambling", "share": 6.0, "web_header": 0.1, "multiline": 0.4,
        "rules": {
            "msg": [
                "{game} {offer} {contact}",
                "{open} {game} {pick} {contact}",
                "{game} 픽스터 {pick}\n{offer}\n{contact}",
            ],
            "msg@casual": ["오늘 {game} 흐름 타는중 ㅋㅋ {pick} {contact}", "{game} 연승중입니다 같이 타실분 {contact}"],
            "open": ["{gbrand} 미니게임", "미니게임 전문 {gbrand}", "{gbrand}"],
            "game": ["파워볼", "파워사다리", "키노사다리", "스피드키노", "EOS파워볼", "동행복권 파워볼", "보글사다리"],
            "pick": ["적중률 {pct}% 픽 무료 공유", "{n}연승 인증", "오늘의 픽 무료", "픽 받고 {n}배 수익", "실시간 픽 제공"],
            "offer": ["첫충 {pct}%", "매충 {pct2}% 지급", "낙첨 페이백 {pct2}%", "1분 환전", "가입머니 {won_small}원"],
            "contact": ["{telegram}", "{kakao}", "{gambling_url}", "{link}"],
        },
    },
    "gambling_major_site": {
        "category": "gambling", "share": 7.0, "web_header": 0.15, "multiline": 0.4,
        "rules": {
            "msg": [
                "{open} {list} {contact}",
                "{open}\n{list}\n{trust}\n{contact}",
                "{trust} {open} {contact} {hurry}",
            ],
            "msg@casual": ["먹튀 당하셨나요? {open} {trust} {contact}", "메이저 놀이터 찾으시는 분 {list} {contact}"],
            "open": ["메이저 놀이터 추천", "먹튀검증 커뮤니티", "안전놀이터 순위", "메이저사이트 모음", "먹튀 없는 메이저 보증업체", "검증된 메이저 놀이터"],
            "list": ["{gbrand} {gbrand} 보증 완료", "보증업체 {n}곳 공개", "1위 {gbrand} 2위 {gbrand}", "이번달 신규 보증 {gbrand}"],
            "trust": ["먹튀 시 전액 보상", "보증금 {man} 예치", "먹튀 제보 시 {won_mid}원 지급", "커뮤니티 검증 {years}년"],
            "contact": ["{gambling_url}", "{telegram}", "{link}", "{kakao}"],
        },
    },
    "gambling_holdem": {
        "category": "gambling", "share": 4.6, "web_header": 0.1, "multiline": 0.35,
        "rules": {
            "msg": [
                "{open} {game} {offer} {contact}",
                "{game} {open}\n{offer}\n{contact}",
                "{open} 실시간 {n_big}명 접속중 {offer} {contact}",
            ],
            "msg@casual": ["홀덤 하실분~ {open} {offer} {contact}", "맞고 치실분 {open} {contact}"],
            "open": ["온라인 홀덤 {gbrand}", "{gbrand} 포커", "{gbrand} 홀덤", "현금 홀덤 {gbrand}", "바둑이 맞고 {gbrand}"],
            "game": ["텍사스 홀덤", "오마하 홀덤", "7포커 바둑이 맞고", "토너먼트 매일 개최", "캐시게임 24시"],
            "offer": ["첫충 {pct}%", "토너먼트 상금 {man}", "신규 칩 {won_small}원 지급", "레이크백 {pct2}%", "환전 3분"],
            "contact": ["{gambling_url}", "{telegram}", "{kakao}", "{link}"],
        },
    },
    # ------------------------------------------------------------------ finance, stock tips, 리딩방 (29.4%)
    "stock_reading_room": {
        "category": "investment", "share": 9.0, "web_header": 0.3, "multiline": 0.45,
        "rules": {
            "msg": [
                "{greet} {room_name} {invite} {proof} {contact}",
                "{greet}\n{room_name} {invite}\n{bullet} {proof}\n{bullet} {perk}\n{contact}",
                "{name}님 {invite} {perk} {contact} {hurry}",
                "{ad}{room_name} {invite} {proof} {contact} {optout}",
            ],
            "msg@casual": [
                "{name}님 주식 요즘 어떠세요? {room_name} {invite} {contact}",
                "혹시 주식 하세요? {expert} 무료방 {invite} {contact}",
            ],
            "invite": ["무료 리딩방 초대합니다", "VIP 리딩방 {n}기 모집", "무료 체험방 입장 안내", "주식 리딩방 무료 입장 이벤트", "추천종목 무료방 오픈", "{expert} 리딩방 오픈", "초대장 발송드립니다"],
            "proof": ["지난달 누적 수익 {pct}%", "이번주 추천 {stock} 상한가", "적중률 {pct}% 인증", "{stock} {pct}% 수익 실현", "회원 평균 수익 {pct}%"],
            "perk": ["매일 아침 종목 무료 제공", "장중 실시간 매수 매도 타점", "{expert} 직접 리딩", "입장 즉시 추천주 공개", "손실 시 회비 환불"],
            "contact": ["{kakao}", "오픈채팅 {openchat}", "{telegram}", "{link}", "입장 {openchat} 참여코드 {code}"],
        },
    },
    "stock_surge_tip": {
        "category": "investment", "share": 7.0, "web_header": 0.25, "multiline": 0.4,
        "rules": {
            "msg": [
                "{tip} {reason} {contact}",
                "{ad}{tip}\n{reason}\n{contact}\n{optout}",
                "[{broker}] {tip} {contact}",
                "{tip} {hurry} {contact}",
            ],
            "msg@casual": ["내일 {stock} 들어가세요 {reason} {contact}", "{stock} 아직 안 타셨어요? {reason} {contact}"],
            "tip": ["내일 상한가 예상 종목 {stock}", "{stock} 세력 매집 완료", "급등 시그널 포착 {stock}", "{us_stock} 급등 시그널 장전 공유", "이번주 급등주 {stock}", "{stock} 목표가 {pct}% 상승", "상한가 직전 종목 무료 공개"],
            "reason": ["호재 공시 예정", "기관 대량 매수 포착", "세력 이탈 없음", "실적 서프라이즈 확정", "정부 정책 수혜주", "차트 골든크로스", "정보 선공개"],
            "contact": ["{kakao}", "{link}", "{telegram}", "선착순 {n}명 {openchat}"],
        },
    },
    "coin_signal": {
        "category": "investment", "share": 5.0, "web_header": 0.15, "multiline": 0.4,
        "rules": {
            "msg": [
                "{open} {offer} {contact}",
                "{open}\n{bullet} {offer}\n{bullet} {proof}\n{contact}",
                "{proof} {open} {contact}",
            ],
            "msg@casual": ["코인 물리셨죠? {open} {contact}", "{coin} 지금 들어가야 됩니다 {proof} {contact}"],
            "open": ["{coin} 상장 전 선취매 기회", "코인 리딩방 무료 입장", "{coin} 에어드랍 이벤트", "거래소 상장 정보 선공개", "코인 선물 시그널방", "{coin} 프리세일 참여"],
            "offer": ["{n}배 수익 보장", "원금 보장", "레버리지 시그널 무료", "에어드랍 {won_mid}원 상당 지급", "신규 {n}명 한정"],
            "proof": ["지난주 {coin} {pct}% 수익", "적중률 {pct}%", "회원 수익 인증 {n_big}건"],
            "contact": ["{telegram}", "{kakao}", "{link}"],
        },
    },
    "fake_trading_platform": {
        "category": "investment", "share": 4.0, "web_header": 0.2, "multiline": 0.4,
        "rules": {
            "msg": [
                "{open} {offer} {contact}",
                "{greet} {name}님 {open}\n{offer}\n{contact}",
                "[Web발신] {name}님 {platform} 투자금 {won_big}원 {status} {link}",
            ],
            "msg@casual": ["{name}님 저 지난번에 말씀드린 {platform} 여기예요 {offer} {contact}"],
            "open": ["AI 자동매매 프로그램 무료 체험", "해외선물 FX마진 전문 {platform}", "원금 보장 투자 플랫폼 {platform}", "{platform} 글로벌 투자", "금 선물 안전 투자 {platform}"],
            "platform": ["GTX글로벌", "퀀텀트레이드", "스마트인베스트", "에이스캐피탈", "골드만트레이딩", "KTB글로벌", "메리츠인베스트"],
            "offer": ["월 {pct}% 확정 수익", "원금 100% 보장", "첫 투자 {pct}% 보너스", "하루 {pct2}% 수익 지급", "모의투자 대회 상금 {man}"],
            "status": ["수익 실현 완료 출금 신청", "출금 대기 중 수수료 납부 필요", "보너스 지급 완료 확인"],
            "contact": ["{link}", "{kakao}", "{telegram}", "{call}"],
        },
    },
    "ipo_allocation_scam": {
        "category": "investment", "share": 2.4, "web_header": 0.3, "multiline": 0.35,
        "rules": {
            "msg": [
                "{open} {detail} {contact}",
                "[{broker}] {name}님 {open}\n{detail}\n{contact}",
                "축하합니다! {name}님은 {open} {detail} {contact}",
            ],
            "open": ["공모주 우선 배정 대상입니다", "비상장주식 특별 배정 안내", "상장 예정 기업 지분 사전 청약", "IPO 기관 물량 일반 배정"],
            "detail": ["청약 마감 {date}", "상장 시 {n}배 예상", "{man_small} 이상 청약 가능", "배정 수량 한정", "수수료 없음"],
            "contact": ["{link}", "{call}", "{kakao}"],
        },
    },
    "loss_recovery_scam": {
        "category": "investment", "share": 2.0, "web_header": 0.2, "multiline": 0.35,
        "rules": {
            "msg": [
                "{open} {offer} {contact}",
                "{open}\n{offer}\n{contact}",
                "{name}님 {open} {offer} {contact}",
            ],
            "open": ["주식 코인 손실 복구 해드립니다", "리딩방 피해 환불 대행", "투자 사기 피해금 회수 전문", "손실 {pct}% 이상이신 분 무료 상담", "리딩방 회비 환불 받으세요"],
            "offer": ["착수금 없이 성공보수", "법무팀 직접 진행", "피해 회복률 {pct}%", "1:1 무료 상담", "금감원 출신 전문가 상담"],
            "contact": ["{call}", "{kakao}", "{link}"],
        },
    },
    # ------------------------------------------------------------------ smishing (4.0%): public agency 69.5%, acquaintance 11.8%
    "smishing_health_checkup": {
        "category": "smishing_agency", "share": 0.7, "web_header": 0.6, "multiline": 0.3,
        "rules": {
            "msg": ["[{agency}] {notice} {link}", "[{agency}]\n{name}님 {notice}\n{link}", "{notice} 확인 {url} -{agency}-"],
            "agency": ["국민건강보험", "국민건강보험공단", "건강보험공단", "건강보험", "NHIS"],
            "notice": ["건강검진 결과 통보서 발송 확인", "{year}년 건강검진 대상자 안내", "건강검진 결과 이상 소견 확인 바랍니다", "검진 결과지 열람", "환급금 {won_mid}원 발생 조회", "일반검진 미수검자 안내"],
            "year": ["2025", "2026", "올해"],
        },
    },
    "smishing_traffic_fine": {
        "category": "smishing_agency", "share": 0.7, "web_header": 0.6, "multiline": 0.3,
        "rules": {
            "msg": ["[{agency}] {notice} {link}", "[{agency}] {name}님 {notice} {date}까지 {link}", "{notice} 고지서 확인 {url}"],
            "agency": ["경찰청", "이파인", "도로교통공단", "경찰청 교통민원24", "교통민원"],
            "notice": ["교통법규 위반 과태료 {won_small}원 미납", "속도위반 과태료 {won_small}원 부과", "신호위반 단속 영상 확인", "과태료 고지서 발송", "무인단속 적발 안내", "범칙금 미납 가산금 부과 예정"],
        },
    },
    "smishing_garbage_fine": {
        "category": "smishing_agency", "share": 0.4, "web_header": 0.6, "multiline": 0.3,
        "rules": {
            "msg": ["[{district}청] {notice} {link}", "[{district}] {notice}\n{link}", "{notice} 단속사진 확인 {url}"],
            "notice": ["쓰레기 무단투기 과태료 {won_small}원 부과 안내", "생활폐기물 불법투기 적발 안내", "종량제 봉투 미사용 과태료 고지", "무단투기 CCTV 적발 의견진술 기한 {date}", "재활용 분리배출 위반 과태료"],
        },
    },
    "smishing_gov_subsidy": {
        "category": "smishing_agency", "share": 0.5, "web_header": 0.6, "multiline": 0.3,
        "rules": {
            "msg": ["[{agency}] {name}님 {notice} {link}", "[{agency}] {notice} {hurry} {link}", "{notice} 신청 {url}"],
            "agency": ["정부24", "행정안전부", "국세청", "보건복지부", "고용노동부", "서울시", "근로복지공단"],
            "notice": ["민생회복 지원금 {won_mid}원 지급 대상자 입니다", "종합소득세 환급금 {won_mid}원 미수령", "근로장려금 {won_mid}원 지급 예정", "청년 지원금 {man_small} 선정 안내", "재난지원금 신청 마감 D-1", "에너지 바우처 {won_small}원 지급"],
        },
    },
    "smishing_court_prosecutor": {
        "category": "smishing_agency", "share": 0.48, "web_header": 0.5, "multiline": 0.3,
        "rules": {
            "msg": ["[{agency}] {notice} {contact}", "[{agency}] {name}님 {notice}\n{contact}", "{name}님 {notice} {contact}"],
            "agency": ["대법원", "법원", "서울중앙지방검찰청", "검찰청", "법원 전자소송", "경찰청 사이버수사대"],
            "notice": ["전자소송 사건 {case_no} 출석요구서 확인", "명의도용 대포통장 개설 사건 조사 관련", "지급명령 결정문 송달", "벌금 미납 지명수배 예정 안내", "사건번호 {case_no} 등기 반송"],
            "contact": ["{link}", "{call} 로 연락 바랍니다", "{link} 문의 {phone}"],
        },
    },
    "smishing_wedding": {
        "category": "smishing_acquaintance", "share": 0.25, "web_header": 0.2, "multiline": 0.35,
        "rules": {
            "msg": ["{open} {url}", "{open}\n{detail}\n{url}", "{name} ♡ {name2} {open} {url}"],
            "msg@casual": ["{given_self} 나 결혼해 ㅎㅎ 청첩장 보내 {url}", "오랜만이야 {given_self} 모바일 청첩장 보낼게 꼭 와줘 {url}"],
            "open": ["모바일 청첩장 보내드립니다", "결혼합니다", "저희 결혼식에 초대합니다", "청첩장 드립니다", "소중한 분들을 초대합니다"],
            "detail": ["{date} {time_spoken} {wedding_hall}", "장소 및 일시 안내", "참석이 어려우신 분은 마음 전하실 곳"],
        },
    },
    "smishing_funeral": {
        "category": "smishing_acquaintance", "share": 0.22, "web_header": 0.2, "multiline": 0.35,
        "rules": {
            "msg": ["[부고] {notice} {url}", "부고 {notice}\n{url}", "{notice} 장례식장 안내 {url}"],
            "notice": ["{name}님 부친께서 별세하셨기에 삼가 알려드립니다", "{name}님 모친상 삼가 고인의 명복을 빕니다", "{name}님께서 {date} 별세하셨습니다", "故 {name}님 부고 알림", "{name} 본인상 발인 {date}"],
        },
    },
    "smishing_delivery": {
        "category": "smishing_delivery", "share": 0.3, "web_header": 0.4, "multiline": 0.3,
        "rules": {
            "msg": [
                "[{sender}] {who}{problem} {deadline} {action} {link}", "[국제발신] {who}{problem} {action} {url}", "{who}{problem} {deadline} {url}",
                "[{sender}]\n{who}{problem}\n{deadline}\n{action} {url}", "{sender} {who}{problem} {action} {url}", "{problem} {action} ▶ {url} -{sender}-",
            ],
            "sender": ["{courier}", "{courier}", "우체국", "우체국택배", "CJ대한통운", "해외배송센터", "택배 고객센터", "{shop} 배송"],
            "who": ["", "", "고객님 ", "{name}님 ", "{name_masked}님 ", "고객님의 ", "{name}님의 "],
            "problem": [
                "택배가 주소지 불일치로 보관중입니다", "택배가 주소불명으로 반송 처리됩니다", "상품이 도로명 주소 미기재로 배송 보류되었습니다", "소포가 우편번호 오류로 배달 중단되었습니다",
                "운송장 {tracking} 배송 실패", "택배 수취인 부재로 보관 중", "해외직구 상품 통관 보류 관세 {won_small}원 미납", "배송비 {won_small}원 미결제로 배송 지연",
                "상품 보관기간 만료 예정", "주소 정보가 불완전하여 배송이 지연됩니다", "물품이 배송 불가 지역으로 분류되었습니다", "택배 주소 확인이 필요합니다",
            ],
            "deadline": ["", "{date} 반송 예정", "24시간 내 미확인 시 반송됩니다", "금일 중 확인 바랍니다", "{date}까지 수정하지 않으면 폐기", "재배송은 1회만 가능합니다"],
            "action": ["주소 확인", "주소 수정", "재배송 신청", "정보 수정", "배송조회", "아래 링크에서 확인", "주소 재입력 바랍니다", "확인 후 재배송 요청"],
        },
    },
    "smishing_account_takeover": {
        "category": "smishing_account", "share": 0.25, "web_header": 0.5, "multiline": 0.3,
        "rules": {
            "msg": ["[{service}] {notice} {link}", "[{service}] {notice}\n본인이 아닐 경우 {url}", "{service} {notice} {url}"],
            "service": ["네이버", "카카오", "Apple", "토스", "쿠팡", "구글", "{bank}", "카카오뱅크", "Netflix", "인스타그램"],
            "notice": ["해외에서 로그인 시도가 감지되었습니다", "휴면계정 전환 예정 {date}까지 로그인 유지", "비밀번호 변경이 요청되었습니다", "계정 보호조치가 적용되었습니다 해제", "새 기기에서 로그인 본인 확인 필요", "보안인증 유효기간 만료 재인증", "결제 실패로 멤버십 일시 중지 결제정보 업데이트", "이상거래 탐지로 계좌 일시 정지"],
        },
    },
    "family_impersonation": {
        "category": "impersonation", "share": 0.2, "web_header": 0.1, "multiline": 0.15, "registers": ("casual",),
        "rules": {
            # The script: broken phone -> add me on KakaoTalk -> your ID and account -> install a remote-control app.
            "msg": [
                "{call_out} {broken}",
                "{call_out} {broken} {add_me}",
                "{call_out} {broken} {add_me} {ask}",
                "{call_out} {broken} {ask}",
                "{call_out} {ask2}",
                "{call_out} {broken}\n{add_me}",
                "{broken} {add_me} {call_out}",
            ],
            "call_out": ["엄마", "엄마 나야", "아빠", "엄마 나 {given}", "아빠 나 {given}인데", "엄마 바빠?", "엄마 지금 통화돼?", "이모 나 {given}", "누나 나야", "할머니 나 {given}"],
            "broken": [
                "폰 액정 깨져서 수리 맡겼어", "핸드폰 떨어뜨려서 액정 나갔어", "폰이 고장나서 임시폰으로 연락해", "휴대폰 액정이 깨져서 컴퓨터로 문자해",
                "폰 물에 빠져서 AS 맡겼어", "폰 고장나서 친구폰 빌렸어", "액정 깨져서 통화가 안돼", "폰 수리 맡겨서 이 번호로 연락해",
            ],
            "add_me": [
                "카톡 친추 좀 해줘 {mobile}", "이 번호로 카톡 추가해줘 {mobile}", "{mobile} 이걸로 카톡 친구추가 해줘", "카톡 이 번호로 해줘 {mobile}",
                "문자 말고 카톡으로 해 {mobile} 추가해줘", "통화는 안되고 카톡만 돼 {mobile}",
            ],
            "ask": [
                "보험 처리하려는데 엄마 신분증 사진이랑 계좌번호 좀 보내줘", "엄마 주민번호 {rrn} 맞지? 인증만 해줄게", "인증번호 오면 바로 알려줘",
                "급하게 결제할게 있는데 {won_mid}원만 {account}로 보내줘 내일 줄게", "휴대폰 보험 신청하게 이 앱 설치해줘 {url}",
                "{remote_app} 깔아줘 내가 원격으로 처리할게 {url}", "문화상품권 {n_small}만원어치 사서 핀번호 보내줄 수 있어?",
                "엄마 카드 앞뒤 사진 좀 찍어서 보내줘", "엄마 계좌 비밀번호 좀 알려줘 내가 이체할게",
            ],
            "ask2": [
                "나 폰 고장났는데 급하게 돈 좀 보내줄 수 있어? {account}", "{name}한테 {man_small}만 보내줘 급해 {account}", "이 링크 눌러서 인증 좀 해줘 {url}",
            ],
        },
    },
    # ------------------------------------------------------------------ payment and authentication-code lures (2.8%)
    "payment_overseas_approval": {
        "category": "payment_lure", "share": 1.2, "web_header": 0.6, "multiline": 0.25,
        "rules": {
            "msg": [
                "[{issuer}] {name_masked}님 {approval} 본인 아닐 시 {call}",
                "[국제발신] {approval} {notyou} {call}",
                "{approval} {notyou} {link}",
                "[{issuer}]\n{approval}\n{notyou} {call}",
            ],
            "issuer": ["{card}카드", "{card}카드 해외승인", "{card}체크", "해외결제", "소비자보호센터"],
            "approval": ["해외결제 승인 {usd}USD {foreign_merchant}", "{won_big}원 결제완료", "{foreign_merchant} {usd}달러 정상승인 {date}", "{won_big}원 해외 출금 예정", "카드 발급 신청 접수 완료", "{shop} {won_big}원 결제 진행 중"],
            "notyou": ["본인이 아닐 경우", "본인 결제 아니면", "도용 의심 시", "취소 문의", "분실 신고"],
        },
    },
    "payment_micro_charge": {
        "category": "payment_lure", "share": 0.8, "web_header": 0.6, "multiline": 0.25,
        "rules": {
            "msg": [
                "[{seller}] {charge} {notyou} {call}",
                "{charge} {notyou} {link}",
                "[{seller}] 주문번호 {tracking} {charge}\n{notyou} {url}",
            ],
            "seller": ["휴대폰 소액결제", "모바일 결제", "{shop}", "게임 결제", "구글플레이", "앱스토어"],
            "charge": ["{won_mid}원 결제 완료", "소액결제 {won_mid}원 청구 예정", "정기결제 {won_small}원 승인", "상품권 {won_mid}원 구매 완료", "주문하신 상품 결제 {won_big}원"],
            "notyou": ["본인 아닐 시 취소", "결제 취소는", "미사용 시 신고", "결제 문의"],
        },
    },
    "auth_code_request": {
        "category": "payment_lure", "share": 0.8, "web_header": 0.1, "multiline": 0.2, "registers": ("casual", "formal"),
        "rules": {
            "msg@casual": [
                "{open} {ask}", "{open} {ask} {reason}", "{reason} {ask}",
            ],
            "msg@formal": ["[{service}] 고객센터입니다 {reason} 문자로 받으신 인증번호 {digits_n}자리 회신 부탁드립니다", "{service} 본인확인 절차입니다 수신하신 인증번호를 알려주세요 {call}"],
            "open": ["중고나라 보고 연락드려요", "당근 거래하신분 맞죠?", "안녕하세요 번개장터 판매자님", "택배 거래 원하시는 분 맞으시죠", "아까 연락드린 구매자예요"],
            "ask": ["방금 보낸 인증번호 {digits_n}자리 불러주세요", "문자로 간 인증번호 좀 알려주세요", "안전결제 인증번호 보내주시면 바로 입금할게요", "인증번호 확인 부탁드려요 {url}"],
            "reason": ["안전거래 때문에", "본인 확인용이에요", "결제 인증만 하면 돼요", "계정 확인차"],
            "service": ["{shop}", "카카오페이", "네이버페이", "토스"],
            "digits_n": ["6", "4", "6"],
        },
    },
    # ------------------------------------------------------------------ job ads (2.7%)
    "job_side_gig": {
        "category": "job_ad", "share": 1.5, "web_header": 0.2, "multiline": 0.4,
        "rules": {
            "msg": [
                "{open} {job} {pay} {contact}",
                "{open}\n{bullet} {job}\n{bullet} {pay}\n{bullet} {cond}\n{contact}",
                "{ad}{open} {job} {pay} {cond} {contact} {optout}",
            ],
            "msg@casual": ["부업 찾으세요? {job} {pay} {contact}", "주부님들 하루 1시간 {job} {pay} {contact}"],
            "open": ["재택 부업 모집", "재택 알바 구합니다", "초보 가능 부업", "투잡 모집", "주부 부업 모집", "스마트폰 부업"],
            "pay": ["일당 {won_mid}원", "하루 {won_small}원 당일 지급", "월 {man_small} 이상 가능", "건당 {won_small}원", "시급 {won_small}원"],
            "cond": ["나이 무관", "경력 무관", "스마트폰만 있으면 가능", "출퇴근 없음", "교육 지원"],
            "contact": ["{kakao}", "{telegram}", "{link}", "{call}"],
        },
    },
    "job_high_pay": {
        "category": "job_ad", "share": 1.2, "web_header": 0.1, "multiline": 0.35,
        "rules": {
            "msg": [
                "{open} {job} {pay} {contact}",
                "{open}\n{job}\n{pay}\n{contact}",
                "{job} {pay} {cond} {contact}",
            ],
            "open": ["고액 알바 모집", "당일 고수익 알바", "단기 고액 알바", "채권 회수 직원 모집", "해외 구매대행 직원 모집", "외근직 모집"],
            "job": ["서류 전달 업무", "현금 수거 및 전달", "고객 방문 수금 업무", "차량 운전만 하면 됨", "물건 전달 심부름", "계좌 관리 업무"],
            "pay": ["일당 {won_mid}원", "건당 {won_mid}원 즉시 지급", "하루 {man_small} 가능", "주급 {man_small}"],
            "cond": ["신분증만 있으면 가능", "경력 무관 즉시 출근", "20~50대 누구나"],
            "contact": ["{telegram}", "{kakao}", "{call}"],
        },
    },
    # ------------------------------------------------------------------ adult (2.6%)
    "adult_dating": {
        "category": "adult", "share": 1.2, "web_header": 0.05, "multiline": 0.3, "registers": ("casual",),
        "rules": {
            "msg": [
                "{hello} {intro} {bait} {contact}",
                "{intro} {bait} {contact}",
                "{near} {bait} {contact}",
                "{hello}\n{intro}\n{contact}",
            ],
            "hello": ["오빠~", "자기야", "안녕 ㅎㅎ", "오빠 뭐해?", "심심해 ㅠ", "나 기억나?"],
            "intro": ["나 {age}살 {given}인데", "{area} 사는 {age}살이야", "오늘 처음 가입했어", "사진 보냈는데 확인했어?", "번호 바꿨어"],
            "near": ["근처 {km}km 이내 만남 가능 {n}명 접속중", "오늘 밤 만날 수 있는 여성 {n}명", "{area} 지역 즉석 만남"],
            "bait": ["오늘 밤 심심한데 연락해", "여기로 대화 신청해줘", "영상통화 할래?", "나랑 놀자 ♥", "조건 없이 만나요"],
            "contact": ["{url}", "{kakao}", "{link}", "여기로 와 {url}"],
        },
    },
    "adult_content": {
        "category": "adult", "share": 0.8, "web_header": 0.05, "multiline": 0.3,
        "rules": {
            "msg": ["{open} {offer} {link}", "{open}\n{offer}\n{url}", "[성인인증 완료] {open} {url}"],
            "open": ["19금 무삭제 영상", "성인 방송 실시간", "VIP 성인 채팅", "유출 영상 모음", "BJ 비공개 방송", "성인 웹툰 무료"],
            "offer": ["무료 시청", "가입 즉시 포인트 {won_small}원", "24시간 무료", "인증 없이 바로", "오늘만 무료 입장"],
        },
    },
    "adult_massage": {
        "category": "adult", "share": 0.6, "web_header": 0.05, "multiline": 0.35,
        "rules": {
            "msg": ["{open} {area} {offer} {call}", "{area} {open}\n{offer}\n{call}", "{open} {offer} 예약 {phone}"],
            "open": ["출장 안마", "출장 마사지", "24시 출장 홈타이", "1인샵 스웨디시", "VIP 출장 아로마"],
            "offer": ["전지역 30분 도착", "후불제 비밀보장", "20대 관리사 대기", "첫 방문 {won_small}원 할인", "호텔 모텔 자택 방문"],
        },
    },
    # ------------------------------------------------------------------ illegal loans (1.0%)
    "loan_illegal_private": {
        "category": "loan", "share": 0.4, "web_header": 0.2, "multiline": 0.35,
        "rules": {
            "msg": [
                "{open} {cond} {speed} {contact}",
                "{open}\n{bullet} {cond}\n{bullet} {speed}\n{contact}",
                "{cond} {open} {contact}",
            ],
            "msg@casual": ["급전 필요하시면 연락주세요 {cond} {contact}", "사장님 자금 필요하세요? {speed} {contact}"],
            "open": ["급전 대출", "당일 대출", "비대면 소액대출", "일수 대출", "개인돈 대출", "무직자 대출", "신불자 대출 가능"],
            "cond": ["무직자 주부 대학생 OK", "신용등급 무관", "연체자 가능", "무방문 무서류", "개인회생 파산자 가능", "신용조회 없음"],
            "speed": ["{man_small}까지 30분 입금", "당일 {man_small} 입금", "승인 즉시 송금", "주말 상담 가능"],
            "contact": ["{call}", "{kakao}", "{link}"],
        },
    },
    "loan_government_impersonation": {
        "category": "loan", "share": 0.35, "web_header": 0.6, "multiline": 0.35,
        "rules": {
            "msg": [
                "[{brand}] {name}님 {notice} {terms} {contact}",
                "{ad}[{brand}] {notice}\n{terms}\n{contact}\n{optout}",
                "[Web발신] {notice} {terms} {contact}",
            ],
            "brand": ["{loan_brand}", "{bank}", "서민금융진흥원", "정부지원 {loan_brand}"],
            "notice": ["정부지원 서민대출 대상자 안내", "저금리 대환대출 승인 대상자로 선정되셨습니다", "햇살론 특례보증 한도 {man} 승인완료", "소상공인 긴급 경영안정자금 선착순 지원", "사전 한도 조회 결과 {man} 승인 가능"],
            "terms": ["최대 {man} 연 {rate}%", "신용등급 무관 당일 승인", "기존 고금리 연 {rate}% 전환", "오늘까지만 유효", "보증료 선납 후 즉시 송금"],
            "contact": ["{call}", "{link}", "한도조회 {url}", "상담원 연결 {phone}"],
        },
    },
    "loan_card_cashing": {
        "category": "loan", "share": 0.25, "web_header": 0.1, "multiline": 0.3,
        "rules": {
            "msg": ["{open} {terms} {contact}", "{open}\n{terms}\n{contact}", "{terms} {open} {contact}"],
            "open": ["휴대폰 소액결제 현금화", "신용카드 현금화", "정보이용료 현금화", "콘텐츠이용료 현금화", "상품권 매입 현금화"],
            "terms": ["수수료 최저 {pct2}%", "5분 입금", "24시 상담", "한도 {man_small}까지", "신용 무관"],
            "contact": ["{call}", "{kakao}", "{link}"],
        },
    },
    # ------------------------------------------------------------------ other ads (3.9%)
    "finance_ad_bank_notice": {
        "category": "advertising", "share": 1.0, "web_header": 0.8, "multiline": 0.55, "registers": ("formal",),
        # '(광고)' finance ads written to look like a bank's own notice.
        "rules": {
            "msg": [
                "{ad}[{bank}] {name}님 {notice} {terms} {contact} {optout}",
                "{ad}[{bank}]\n{greet} {name_masked} 고객님\n{notice}\n{bullet} {terms}\n{bullet} {terms2}\n{contact}\n{optout}",
                "{ad}[{bank} 고객센터] {notice} {terms} {contact} {optout}",
            ],
            "notice": ["고객님 전용 대출 한도 안내드립니다", "우대금리 신용대출 사전 승인 안내", "기존 대출 고객 추가 한도 발생 안내", "{month}월 특별 금리 인하 안내", "직장인 신용대출 한도 상향 안내"],
            "terms": ["최저 연 {rate}%", "최대 {man}", "중도상환수수료 면제", "비대면 5분 신청", "신용점수 {score}점 이상"],
            "terms2": ["상담은 전문 상담사가 도와드립니다", "금리 확인만 해도 신용점수 영향 없음", "선착순 한도 소진 시 마감"],
            "contact": ["상담 {phone}", "신청 {url}", "한도조회 {url}", "문의 {phone}"],
        },
    },
    "ad_retail_promo": {
        "category": "advertising", "share": 1.2, "web_header": 0.5, "multiline": 0.45,
        "rules": {
            "msg": [
                "{ad}[{brand}] {offer} {when} {link} {optout}",
                "{ad}[{brand}]\n{offer}\n{bullet} {when}\n{ad_url}\n{optout}",
                "{ad} {brand} {offer} {ad_url} {optout}",
            ],
            "brand": ["{shop}", "{store}", "{area} {menu} 맛집", "{area} 헬스장", "{area} 피부과", "{area} 안경원"],
            "offer": ["시즌오프 최대 {pct}% 할인", "신규 오픈 기념 전 메뉴 {pct}% 할인", "적립금 {won_small}원 소멸 예정", "블랙프라이데이 쿠폰팩 지급", "회원 전용 {pct}% 쿠폰", "1+1 이벤트"],
            "when": ["~{date}", "{date}까지", "이번 주말 한정", "오늘 자정 마감"],
            "link": ["{ad_url}", "{ad_url}", "예약 {phone}"],
        },
    },
    "ad_real_estate": {
        "category": "advertising", "share": 0.8, "web_header": 0.5, "multiline": 0.5,
        "rules": {
            "msg": [
                "{ad}{open} {detail} {contact} {optout}",
                "{ad}{open}\n{bullet} {detail}\n{bullet} {detail2}\n{contact}\n{optout}",
            ],
            "open": ["{area} {apt_name} 잔여세대 분양", "{area} 역세권 오피스텔 분양", "{area} 신축 빌라 분양", "{area} 지식산업센터 분양", "{area} 상가 분양"],
            "detail": ["계약금 {pct_small}%", "중도금 무이자", "선착순 동호수 지정", "실입주금 {man}", "전매 가능"],
            "detail2": ["모델하우스 오픈", "방문 예약 시 사은품", "즉시 입주 가능"],
            "contact": ["{call}", "상담 {phone}", "{ad_url}"],
        },
    },
    "ad_phone_switch": {
        "category": "advertising", "share": 0.9, "web_header": 0.5, "multiline": 0.45,
        "rules": {
            "msg": [
                "{ad}{open} {offer} {contact} {optout}",
                "{ad}{open}\n{offer}\n{contact}\n{optout}",
            ],
            "open": ["번호이동 특가", "최신폰 공짜", "갤럭시 아이폰 0원", "인터넷 TV 가입 이벤트", "알뜰폰 요금제 특가"],
            "offer": ["현금 {man_small} 지원", "사은품 증정", "위약금 대납", "월 {won_small}원", "단말기 할부 0원"],
            "contact": ["{call}", "{ad_url}", "{kakao}"],
        },
    },
}

"""Slot grammars of SMS-like Korean ham, one per subtype (generator v2; same format as ``ko_grammar_spam``).

Transactional notices come from legitimate senders with their real public hosts (made-up paths); personal
messages include benign ones that share words with scams (money, a broken phone, an account, a delivery, a
wedding, a funeral), so that those words alone never decide the label. ``share`` is a relative frequency in a
phone's inbox (a judgement, not a published figure).
"""

from __future__ import annotations

HAM_SUBTYPES: dict[str, dict] = {
    # ------------------------------------------------------------------ codes, cards, banks
    "otp_code": {
        "category": "otp", "share": 9.0, "web_header": 0.6, "multiline": 0.15, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{service}] 인증번호 [{otp}]를 입력해주세요.", "[{service}] 인증번호 {otp} {warn}", "[{service}] {purpose} 인증번호는 {otp} 입니다. {warn}",
                "<#> [{service}] 인증번호 [{otp}] {warn} {code}", "[{service}] 본인확인 인증번호({otp})를 입력해 주세요", "인증번호 [{otp}] {service} {purpose} {limit}",
            ],
            "service": ["네이버", "카카오", "{bank}", "쿠팡", "토스", "{card}카드", "PASS", "당근", "정부24", "배달의민족", "{broker}", "카카오뱅크", "11번가", "홈택스", "삼성전자", "무신사"],
            "purpose": ["로그인", "회원가입", "비밀번호 찾기", "휴대폰 본인확인", "결제", "기기 등록", "계좌 개설", ""],
            "warn": ["타인에게 절대 알려주지 마세요.", "타인 노출 금지", "누구에게도 알려주지 마세요", "3분 안에 입력해주세요.", "", "요청하지 않았다면 무시하세요"],
            "limit": ["(3분 이내 입력)", "유효시간 5분", ""],
        },
    },
    "card_approval": {
        "category": "card_approval", "share": 9.0, "web_header": 0.6, "multiline": 0.45, "registers": ("formal",),
        "rules": {
            "msg": [
                "{card}카드({last4})승인 {cust} {won_mid}원 {plan} {date} {time} {merchant} 누적{won_big}원",
                "{card}체크승인 {cust} {won_small}원 {date} {time} {merchant} 잔액{won_big}원",
                "[{card}카드] {cust}님 {date} {time} {won_mid}원 {merchant} {plan} 승인",
                "{card}카드 승인\n{cust}\n{won_mid}원 {plan}\n{date} {time}\n{merchant}\n누적 {won_big}원",
                "{card}카드 {cust} {won_small}원 승인 {merchant} {time}",
                "[{card}카드] {cust}님 {date} 결제예정금액 {won_big}원 입니다. 상세 {legit_card}",
            ],
            "plan": ["일시불", "일시불", "{n_small}개월", "할부 {n_small}개월"],
        },
    },
    "card_overseas_or_cancel": {
        "category": "card_approval", "share": 3.0, "web_header": 0.6, "multiline": 0.35, "registers": ("formal",),
        # The legitimate twin of the overseas-approval lure: same words, a real issuer, no call-this-number bait.
        "rules": {
            "msg": [
                "[{card}카드] 해외승인 {cust} {usd}USD {date} {foreign_merchant}",
                "{card}카드 승인취소 {cust} {won_mid}원 {date} {merchant}",
                "[{card}카드] {cust}님 {foreign_merchant} {usd}USD 해외 이용 승인 {date} {time}",
                "[{card}카드] {cust}님 카드가 발급되어 {date} 발송 예정입니다. 배송조회 {legit_card}",
                "[{card}카드] 해외결제 {usd}USD 승인 {foreign_merchant} 해외 이용 알림 서비스",
            ],
        },
    },
    "bank_deposit_withdrawal": {
        "category": "bank_transfer", "share": 7.0, "web_header": 0.6, "multiline": 0.4, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{bank}] {date} {time} 입금 {won_mid}원 {name} 잔액 {won_big}원",
                "{bank_short} {date} {time} {account_masked} 출금 {won_mid}원 {merchant} 잔액{won_big}원",
                "[{bank}] {cust}님 {date} 급여 입금 {won_big}원",
                "{bank_short}\n{date} {time}\n{account_masked}\n입금 {won_mid}원\n{name}\n잔액 {won_big}원",
                "[{bank}] 적금 만기 안내 {date} 만기 예정 원리금 {won_big}원",
                "[{bank}] {cust}님 {date} 대출이자 {won_mid}원 출금 예정입니다.",
                "[{bank}] 자동이체 {won_mid}원 출금 예정 {date} 잔액 확인 바랍니다.",
            ],
        },
    },
    "transfer_done": {
        "category": "bank_transfer", "share": 4.0, "web_header": 0.3, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "[토스] {name}님이 {won_small}원을 보냈어요.", "[카카오페이] {name}님이 {won_mid}원을 송금했습니다. 받기 {legit_kakao}",
                "[{bank}] {cust}님 {account_masked}로 {won_mid}원 이체가 완료되었습니다.", "[네이버페이] {name}님에게 {won_small}원 송금 완료",
                "[토스] {name}님에게 {won_mid}원 보냈어요. 메모: {memo}",
            ],
            "memo": ["회비", "저녁값", "택시비", "월세", "생일선물", "모임비", "더치페이", "교통비"],
        },
    },
    # ------------------------------------------------------------------ deliveries and orders
    "delivery_shipped": {
        "category": "delivery_notice", "share": 6.0, "web_header": 0.5, "multiline": 0.4, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{shop}] 주문하신 상품이 출고되었습니다. {courier} {tracking}",
                "[{shop}] {cust}님 주문 상품 발송 완료 {courier} 운송장 {tracking} 배송조회 {legit_courier_url}",
                "[CJ대한통운] {cust}님 상품 집하 완료 운송장번호 {tracking} 조회 {legit_cj}",
                "[{shop}]\n{cust}님 주문하신 상품이 발송되었습니다\n택배사 {courier}\n송장번호 {tracking}",
                "[쿠팡] 로켓배송 내일({date}) 도착 예정입니다. 주문 상세 {legit_coupang}",
            ],
            "legit_cj": ["https://trace.cjlogistics.com/next/tracking.html?wblNo={tracking}"],
            "legit_coupang": ["https://www.coupang.com/np/orders", "https://m.coupang.com/np/delivery/{code}"],
        },
    },
    "delivery_done": {
        "category": "delivery_notice", "share": 6.0, "web_header": 0.5, "multiline": 0.35, "registers": ("formal",),
        "rules": {
            "msg": [
                "[CJ대한통운] {cust}님의 상품이 배송완료 되었습니다. 운송장 {tracking} 배송장소: {spot}",
                "[쿠팡] 고객님의 주문 상품이 {time}에 배송 완료되었습니다. 배송사진 확인 {legit_coupang}",
                "[{courier}] 고객님 상품({tracking})을 {spot}에 배송하였습니다. 배송조회 {legit_courier_url}",
                "[우체국택배] {date} 배달완료 {tracking} {spot} 수령 확인 {legit_epost}",
                "[{courier}] 택배가 무인택배함 {n}번에 보관되었습니다 비밀번호 {otp}",
            ],
            "spot": ["문앞", "경비실", "무인택배함", "택배보관함", "현관 앞", "관리사무소"],
            "legit_coupang": ["https://www.coupang.com/np/orders", "https://m.coupang.com/np/delivery/{code}"],
            "legit_epost": ["https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1={tracking}"],
        },
    },
    "delivery_driver": {
        "category": "delivery_notice", "share": 3.0, "web_header": 0.2, "multiline": 0.2, "registers": ("casual", "formal"),
        "rules": {
            "msg@formal": [
                "[{courier}] 배송기사 {surname}OO 입니다. 오늘 {time_range} 사이 방문 예정입니다.", "{courier} 기사입니다 부재시 {spot}에 보관하겠습니다",
                "[{courier}] 오늘 배송 예정 상품이 있습니다. 부재 시 연락 바랍니다 {mobile}",
            ],
            "msg@casual": [
                "택배기사입니다 {spot}에 두고 갑니다", "안녕하세요 택배인데요 집에 안계셔서 {spot}에 맡겼습니다", "택배 {time_spoken}쯤 도착 예정이에요 문앞에 둘게요",
                "기사님입니다 주소가 {dong}동 {room}호 맞나요?", "오늘 물량이 많아서 조금 늦어요 {time_spoken} 전후 도착합니다",
            ],
            "spot": ["문앞", "경비실", "무인택배함", "택배보관함", "현관 앞", "관리사무소"],
        },
    },
    "shop_order": {
        "category": "delivery_notice", "share": 4.0, "web_header": 0.5, "multiline": 0.35, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{shop}] {cust}님 주문이 완료되었습니다. 결제금액 {won_mid}원 주문상세 {legit_shop}",
                "[배달의민족] 주문이 접수되었습니다. {menu} 도착 예정 {time}",
                "[{shop}] 결제 완료 {won_mid}원 주문번호 {tracking}",
                "[{shop}] 반품 접수 완료 {date} 회수 예정 환불금액 {won_mid}원",
                "[쿠팡이츠] 주문하신 {menu} 배달이 시작되었어요",
            ],
        },
    },
    # ------------------------------------------------------------------ appointments and bills
    "appointment_hospital": {
        "category": "appointment", "share": 4.0, "web_header": 0.5, "multiline": 0.35, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{clinic}] {cust}님 {date} {time} 진료 예약되었습니다. 변경/취소 {rep_phone}",
                "[{clinic}] 내일 {time} 예약 잊지 마세요. 10분 전 도착 부탁드립니다.",
                "[{clinic}] 건강검진 예약안내 {date} {time} 검진 전날 저녁 9시 이후 금식",
                "[{clinic}] {cust}님 처방전 준비되었습니다 {date}까지 수령 바랍니다",
                "[{clinic}] 예약 확정 {date} {time} 예약 확인 {legit_hospital}",
            ],
        },
    },
    "appointment_reservation": {
        "category": "appointment", "share": 3.0, "web_header": 0.4, "multiline": 0.35, "registers": ("formal",),
        "rules": {
            "msg": [
                "[네이버 예약] {place_name} {date} {time} 예약이 확정되었습니다. 예약 상세 {legit_naver}",
                "[{place_name}] {given}님 {date} {time} 예약 확정되었습니다 :)",
                "[{place_name}] 내일 {time} {n_small}명 예약 확인 부탁드립니다 변경은 {rep_phone}",
                "[CGV] {date} {time} 예매가 완료되었습니다. 예매번호 {tracking}",
                "[코레일] {date} {time} 열차 승차권 발권 완료 {n_small}호차",
            ],
            "place_name": ["준오헤어 {area}점", "{area} 스시", "{area} 네일", "블루핸즈 {area}점", "{area} PT스튜디오", "{area} 한정식"],
        },
    },
    "telecom_bill": {
        "category": "utility_bill", "share": 4.0, "web_header": 0.6, "multiline": 0.35, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{telco}] {month}월 이용요금 {won_bill}원 {date} {pay} 예정입니다.", "[{telco}] 고객님의 {month}월 청구금액은 {won_bill}원입니다. {detail}",
                "[{telco}] {month}월 요금 {won_bill}원이 {card}카드로 결제될 예정입니다.", "[{telco}] {month}월 요금 납부가 완료되었습니다. 납부금액 {won_bill}원",
                "[{utility}] {month}월 {bill_kind} {won_bill}원 납기일 {date} {detail}", "[{utility}] {month}월분 {bill_kind} {won_bill}원 {date} 자동납부 예정",
                "[{telco}] 데이터 사용량 {n}GB 중 {pct}% 사용하셨습니다.", "[{telco}] 약정 만료 예정 안내 {date} 만료 {detail}",
            ],
            "telco": ["SKT", "SK텔레콤", "KT", "LG U+", "LG유플러스", "SK브로드밴드", "KT 인터넷", "알뜰폰 헬로모바일"],
            "utility": ["한국전력", "한전", "도시가스", "서울도시가스", "수도사업본부", "지역난방공사", "{apt_name} 관리사무소"],
            "bill_kind": ["전기요금", "가스요금", "상하수도 요금", "난방비", "관리비"],
            "pay": ["자동이체", "카드 자동결제", "계좌 출금"],
            "detail": ["", "상세내역 {legit_telecom}", "확인 {legit_utility}", "자세한 내용은 고객센터 {rep_phone}", "청구서 확인 {legit_telecom}"],
        },
    },
    # ------------------------------------------------------------------ public agencies, schools, apartments
    "public_health_notice": {
        "category": "public_notice", "share": 2.5, "web_header": 0.7, "multiline": 0.4, "registers": ("formal",),
        "rules": {
            "msg": [
                "[국민건강보험공단] {cust}님은 {year}년 일반건강검진 대상자입니다. 검진기관 찾기 {legit_nhis}",
                "[국민건강보험공단] 건강검진 결과가 {date} 발송되었습니다. 결과는 The건강보험 앱에서 확인하세요.",
                "[질병관리청] 인플루엔자 예방접종 안내 {date}부터 가까운 위탁의료기관에서 접종 가능합니다.",
                "[{district} 보건소] {date} {time} 예방접종 예약이 확정되었습니다. 문의 {landline}",
                "[국민건강보험공단] {month}월분 건강보험료 {won_bill}원 납부기한 {date}",
            ],
            "year": ["2025", "2026", "올해"],
        },
    },
    "public_fine_notice": {
        "category": "public_notice", "share": 2.0, "web_header": 0.7, "multiline": 0.4, "registers": ("formal",),
        # Legitimate fine and tax notices: the same words as fine smishing, official hosts, no shortener.
        "rules": {
            "msg": [
                "[{district}청] 주정차위반 과태료 {won_small}원 부과 안내 납부기한 {date} 조회 및 납부 {legit_efine}",
                "[경찰청 교통민원24] 과태료 사전통지서 발송 안내 {date} 의견진술 기한 내 확인 바랍니다 {legit_efine}",
                "[위택스] {month}월 자동차세 {won_bill}원 납부기한 {date}",
                "[{district}청] 재산세 고지서 발송 안내 납부기한 {date} 문의 {landline}",
                "[국세청] 종합소득세 신고 기간 안내 {date}까지 홈택스 {legit_hometax}",
            ],
        },
    },
    "public_safety_alert": {
        "category": "public_notice", "share": 2.0, "web_header": 0.0, "multiline": 0.25, "registers": ("formal",),
        "rules": {
            "msg": [
                "[행정안전부] {alert} 안전에 유의하시기 바랍니다.", "[{district}청] {alert}", "[기상청] {alert}",
                "[안전안내문자] {district} {alert}", "[실종경보] {district}에서 실종된 {name}(남,{age}세)을 찾습니다 172cm 검정 점퍼 {landline}",
            ],
            "alert": ["오늘 {time_spoken} 호우경보 발효 외출 자제", "폭염경보 발효 중 야외활동 자제", "대설주의보 발효 빙판길 주의", "미세먼지 비상저감조치 시행", "한파 특보 수도관 동파 주의", "강풍 주의보 시설물 관리 철저"],
        },
    },
    "school_notice": {
        "category": "school_notice", "share": 3.0, "web_header": 0.5, "multiline": 0.45, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{school}] {grade}학년 학부모님께 {notice} 자세한 내용은 {legit_school}",
                "[{school}] {notice} 가정통신문 확인 부탁드립니다.",
                "[{school}]\n{notice}\n{date}까지 회신 바랍니다\n{legit_school}",
                "[{school}] {cust} 학생 {date} 결석 처리되었습니다. 문의 {landline}",
            ],
            "notice": ["{date} 현장체험학습 안내", "방과후학교 수강신청 안내", "{month}월 급식 식단표 안내", "학부모 상담주간 신청 안내", "{date} 재량휴업일 안내", "우유급식 신청 안내", "수학여행 참가비 {won_mid}원 납부 안내"],
        },
    },
    "apartment_notice": {
        "category": "apartment_notice", "share": 3.0, "web_header": 0.4, "multiline": 0.45, "registers": ("formal",),
        "rules": {
            "msg": [
                "[{apt_name} 관리사무소] {notice}", "[{apt_name}] {dong}동 입주민께 {notice}",
                "[관리사무소] {notice} 양해 부탁드립니다.", "[{apt_name} 관리사무소]\n{notice}\n자세한 내용 {legit_apartment}",
                "[{apt_name}] {month}월 관리비 {won_bill}원 고지 납부마감 {date}",
            ],
            "notice": ["{date} {time_range} 단수 예정입니다", "{date} 엘리베이터 정기점검 {time_range}", "지하주차장 물청소 {date} 차량 이동 바랍니다", "소독 방역 {date} 실시", "택배 보관함 고장 수리 완료", "{date} 정전 예정 {time_range}", "층간소음 관련 협조 부탁드립니다"],
        },
    },
    "account_security_notice": {
        "category": "otp", "share": 2.0, "web_header": 0.5, "multiline": 0.3, "registers": ("formal",),
        # The legitimate twin of the account-takeover lure: a real service's login alert with its own host.
        "rules": {
            "msg": [
                "[네이버] 새로운 기기에서 로그인되었습니다. {date} {time} 본인이 아닌 경우 네이버 앱 > 보안설정에서 확인하세요.",
                "[카카오] 카카오계정 비밀번호가 변경되었습니다. {date} {time}",
                "[{bank}] {date} {time} 새 기기 등록이 완료되었습니다. 본인이 아니면 {rep_phone}",
                "[토스] {date} 새 기기에서 로그인했어요. 내가 아니라면 토스 앱에서 기기를 해제하세요.",
                "[{shop}] 회원님의 비밀번호가 {date} 변경되었습니다.",
            ],
        },
    },
    "wedding_invite_legit": {
        "category": "personal", "share": 1.5, "web_header": 0.0, "multiline": 0.35, "registers": ("casual", "formal"),
        "rules": {
            "msg@casual": [
                "{given_voc} 나 {month}월에 결혼해 ㅎㅎ 청첩장 줄겸 밥 한번 먹자", "다음달 결혼식 와줄거지? 모바일 청첩장 보낼게 {legit_wedding}",
                "{given_voc} 청첩장 받았어? 식장은 {wedding_hall}이야", "결혼 축하해!! {date} 꼭 갈게",
            ],
            "msg@formal": [
                "{name} ♡ {name2} 결혼합니다. {date} {time_spoken} {wedding_hall} 모바일 청첩장 {legit_wedding}",
                "저희 두 사람 {date} 결혼식을 올립니다. 참석해 주시면 감사하겠습니다. {wedding_hall}",
            ],
        },
    },
    "funeral_notice_legit": {
        "category": "personal", "share": 1.5, "web_header": 0.0, "multiline": 0.45, "registers": ("formal", "casual"),
        "rules": {
            "msg@formal": [
                "[부고] {name}님 부친상 {funeral_hall} {n_small}호실 발인 {date} {time}",
                "[부고] 故 {name}님께서 별세하셨기에 알려드립니다. 빈소 {funeral_hall} 발인 {date}",
                "부고\n{name}님 모친 별세\n빈소: {funeral_hall}\n발인: {date} {time}",
            ],
            "msg@casual": [
                "{given_voc} {name} 아버님 돌아가셨대 {funeral_hall}이래 같이 갈래?", "오늘 조문 다녀왔어 {funeral_hall} 내일 발인이래",
            ],
        },
    },
    # ------------------------------------------------------------------ personal
    "personal_family": {
        "category": "personal", "share": 8.0, "web_header": 0.0, "multiline": 0.1, "registers": ("casual",),
        "rules": {
            "msg": [
                "{who} {talk}{end}", "{talk}{end}", "{talk} {talk2}{end}", "{who} {talk} {talk2}{end}",
            ],
            "who": ["엄마", "아빠", "{given_voc}", "여보", "자기야", "누나", "형", "할머니"],
            "talk": [
                "오늘 늦어", "저녁 먹고 들어갈게", "지금 출발해", "우유 좀 사와", "애들 데리러 갈게", "밥 먹었어?", "비 온대 우산 챙겨", "오늘 몇 시에 와?",
                "주말에 {area} 갈래?", "{place}에서 기다릴게", "{time_spoken}까지 갈게", "약 챙겨 먹었어?", "김치 보냈다 받으면 연락해", "병원 예약 {date}로 잡았어",
                "{menu} 시켜먹자", "내일 {weekday} 몇 시 출발이야?", "엄마 생신 선물 뭐 할까", "보일러 좀 켜놔", "차 키 어디 뒀어?", "수고했어 푹 쉬어",
                "네 주민번호 {rrn} 맞지? 서류에 적을게", "보험 서류에 아빠 주민번호 {rrn} 적었어",
                "내 번호 바뀌었어 {mobile} 저장해줘", "이모 번호 {mobile} 이야", "아빠 회사 번호 {landline}", "택배 기사님 번호 {mobile} 이래",
                "급하면 이 번호로 전화해 {mobile}", "삼촌 새 번호 {mobile} 저장해놔",
            ],
            "talk2": ["사랑해", "조심히 와", "연락해", "도착하면 전화해", "배고파", "ㅋㅋ", "알겠지?", "천천히 와"],
            "end": ["", "", "", "~", "!", " ㅎㅎ", " ㅋㅋ", " ^^", ".", " 😊", "ㅎ", "??", " ㅠㅠ"],
        },
    },
    "personal_friend": {
        "category": "personal", "share": 8.0, "web_header": 0.0, "multiline": 0.1, "registers": ("casual",),
        "rules": {
            "msg": ["{talk}{end}", "{given_voc} {talk}{end}", "{talk} {talk2}{end}", "{talk}\n{talk2}{end}"],
            "talk": [
                "내일 {time_spoken}에 {place}에서 봐", "주말에 등산 갈래?", "생일 축하해 🎂", "아까 전화 못 받았어 무슨 일이야?", "{place} 도착하면 연락해",
                "오늘 {menu} 어때", "이거 봐봐 {legit_friend}", "나 지금 {place}이야", "영화 {time_spoken} 거 예매했어", "다음주 {weekday} 시간 돼?",
                "시험 잘 봤어?", "퇴근했어? 한잔 할까", "여행 사진 보내줘", "이번에 {area}로 이사했어 집들이 와", "모임 장소 {place}로 바뀜",
                "과제 자료 공유할게 {legit_friend}", "취직 축하한다 진짜", "아 늦잠잤다 10분 늦을듯", "택시 탔어 곧 도착",
                "나 번호 바꿨어 {mobile} 저장해", "{name} 번호 {mobile} 이거 맞아", "식당 예약 번호 {landline} 여기로 전화해봐", "폰 꺼지면 이 번호로 연락해 {mobile}",
            ],
            "talk2": ["ㅋㅋㅋ", "답장 줘", "연락 기다릴게", "고마워", "미안 ㅠ", "ㄱㄱ", "콜?"],
            "end": ["", "", "", "~", "!", " ㅎㅎ", " ㅋㅋ", " ^^", "!!", "ㅋ", "??", " 👍"],
        },
    },
    "personal_work": {
        "category": "personal", "share": 5.0, "web_header": 0.0, "multiline": 0.15, "registers": ("formal", "casual"),
        "rules": {
            "msg@formal": [
                "{name} 팀장님 보고서 메일로 보냈습니다 {email} 확인 부탁드립니다", "회의 {time}로 변경됐습니다", "회의실 {room}호로 옮겼습니다",
                "오늘 회식 {time_spoken}부터입니다", "{name}님 내일 미팅 자료 공유드립니다 {legit_friend}", "출장 일정 {date}로 확정되었습니다",
                "거래처 {name}입니다 견적서 보내드렸습니다 확인 부탁드립니다", "내일 오전 반차 사용하겠습니다",
                "{name} 과장님 연락처 {mobile} 입니다", "외근 중이라 {mobile}로 연락 부탁드립니다", "사무실 대표번호 {landline} 입니다", "번호가 변경되어 알려드립니다 {mobile}",
            ],
            "msg@casual": ["{name} 대리 오늘 재택이야?", "점심 뭐 먹을래", "회의 끝나고 잠깐 얘기 좀 해요", "자료 확인했어요 수고했어요"],
        },
    },
    "personal_money": {
        "category": "personal", "share": 4.0, "web_header": 0.0, "multiline": 0.15, "registers": ("casual",),
        # Benign money talk: the words of a scam (send money, account number) without the script.
        "rules": {
            "msg": [
                "지난번에 빌린 {won_small}원 보냈어 확인해봐{end}", "계좌 알려줄게 {account} 회비 여기로 보내줘{end}", "{given_voc} 저녁값 {won_small}원 보냈어{end}",
                "엄마 용돈 보냈어요 확인해봐요{end}", "월세 {won_mid}원 이체했습니다{end}", "더치페이 {won_small}원씩이야 {account}{end}",
                "아빠 나 이번달 교재비 {won_small}원만 보내줄 수 있어?{end}", "축의금 대신 좀 내줘 나중에 줄게{end}", "계좌번호 바뀌었어 {account}로 보내{end}",
                "모임 회비 {won_small}원 입금 부탁해{end}", "돈 받았어 고마워{end}", "보험금 들어왔대 확인해봐{end}",
            ],
            "end": ["", "", "~", "!", " ㅎㅎ", " ㅋㅋ", " 고마워", " ^^"],
        },
    },
    "personal_phone_broken_benign": {
        "category": "personal", "share": 2.0, "web_header": 0.0, "multiline": 0.1, "registers": ("casual",),
        # The benign twin of family impersonation: a broken phone, no new number to add, no money or ID asked.
        "rules": {
            "msg": [
                "나 폰 액정 깨졌어 ㅠ 수리 맡겨서 {time_spoken}까지 연락 안돼{end}", "엄마 나 폰 떨어뜨려서 액정 나갔어 내일 서비스센터 가볼게{end}",
                "폰 고장나서 답장 늦었어 미안{end}", "액정 수리비 {won_mid}원 나왔어 ㅠㅠ", "핸드폰 새로 바꿨어 번호는 그대로야{end}",
                "폰 배터리 나가서 이제 봤어{end}", "아빠 폰 업데이트하고 카톡이 안된대 저녁에 봐드려{end}", "폰 수리 다 됐어 이제 연락돼{end}",
            ],
            "end": ["", "", "~", " ㅠ", " ㅎㅎ", "!"],
        },
    },
    "personal_delivery_benign": {
        "category": "personal", "share": 2.0, "web_header": 0.0, "multiline": 0.1, "registers": ("casual",),
        "rules": {
            "msg": [
                "택배 왔어? 문 앞에 있을거야{end}", "엄마 택배 경비실에 맡겨놨대{end}", "쿠팡 온거 내꺼야 뜯지마{end}", "택배 {time_spoken}쯤 온대{end}",
                "반품 택배 기사님 오시면 문앞에 둔거 드려{end}", "선물 보냈어 내일 도착할거야{end}", "택배 주소 {area}로 잘못 적었다 ㅠ{end}",
            ],
            "end": ["", "", "~", " ㅎㅎ", "!", " ㅋㅋ"],
        },
    },
}

"""Behaviour of a small trained encoder: obvious cases, invariance to PII/amount edits, directional URL effect."""

from __future__ import annotations

import numpy as np

from tasks.evaluate.behavioural import SATURATED_SCORE
import pytest

pytestmark = pytest.mark.slow

OBVIOUS_SPAM = [
    "[국제발신] 해외결제 승인 987,000원 본인 아닐 시 즉시 신고 http://card-safe.kr-cs.top/x",
    "(광고) 신규가입 첫충 30% 카지노 바카라 토토 무제한 롤링 bit.ly/3abcd 무료거부 0808889999",
    "무직자 저신용 당일 대출 가능 한도 3000만원 상담 010-3344-5566",
    "WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! Call 09061701461",
    "FREE entry in a weekly competition to win FA Cup final tickets. Text WIN to 87121 now",
]
OBVIOUS_HAM = [
    "오늘 저녁에 같이 밥 먹을래?",
    "내일 회의 10시로 변경됐어요",
    "주말에 영화 보러 가자",
    "Sorry I'm running late, be there in 10 minutes",
    "Ok, see you at lunch tomorrow",
]


def test_minimum_functionality_obvious_spam_is_flagged(spam_model):
    flagged = spam_model.is_spam(OBVIOUS_SPAM)
    assert flagged.all(), dict(zip(OBVIOUS_SPAM, spam_model.scores(OBVIOUS_SPAM).round(3), strict=True))


def test_minimum_functionality_obvious_ham_passes(spam_model):
    flagged = spam_model.is_spam(OBVIOUS_HAM)
    assert not flagged.any(), dict(zip(OBVIOUS_HAM, spam_model.scores(OBVIOUS_HAM).round(3), strict=True))


@pytest.mark.parametrize(
    ("original", "edited"),
    [
        ("[CJ대한통운] 김민수님 택배가 오늘 14시에 도착 예정입니다", "[CJ대한통운] 박지영님 택배가 오늘 14시에 도착 예정입니다"),
        ("[신한카드] 승인 35,000원 일시불 스타벅스", "[신한카드] 승인 128,500원 일시불 스타벅스"),
        ("무직자 당일 대출 가능 상담 010-1234-5678", "무직자 당일 대출 가능 상담 010-9876-0001"),
        ("Call me on 07700900123 when you land", "Call me on 07911123456 when you land"),
        ("Hi John, the meeting moved to 3pm", "Hi Sarah, the meeting moved to 3pm"),
        ("URGENT you won £2000 cash, call 09061701461", "URGENT you won £5000 cash, call 09061790121"),
    ],
)
def test_invariance_names_numbers_and_amounts_do_not_flip_the_label(spam_model, original, edited):
    scores = spam_model.scores([original, edited])
    # Invariance is about the decision (issue: "does not flip the label"); raw scores of the tiny model can
    # still swing on a name (seen: 0.01 -> 0.99 below a 0.999 threshold), tracked as a model weakness.
    assert (scores[0] >= spam_model.threshold) == (scores[1] >= spam_model.threshold), scores


@pytest.mark.parametrize(
    "message",
    [
        "고객님 주문하신 상품의 배송 주소 확인이 필요합니다",
        "Your parcel is waiting for delivery, please confirm your details",
        "국민건강보험 환급금 조회 안내",
    ],
)
def test_directional_a_phishing_url_raises_the_spam_score(spam_model, message):
    with_url = f"{message} http://bit.ly/3kQ9xZ"
    with_odd_domain = f"{message} https://secure-verify.kr-post.top/login"
    before, after_short, after_domain = spam_model.scores([message, with_url, with_odd_domain])
    if before >= SATURATED_SCORE:
        # Already certain spam: a URL cannot raise it measurably, it must only keep it there (same rule as the gate).
        assert min(after_short, after_domain) >= SATURATED_SCORE, (before, after_short, after_domain)
    else:
        assert after_short > before, (before, after_short)
        assert after_domain > before, (before, after_domain)
    assert np.isfinite([before, after_short, after_domain]).all()

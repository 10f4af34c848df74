"""Behavioural tests (CheckList style) that run against any model's predict function.

- invariance: changing a phone number, name, amount or date must not flip the label;
- directional: adding a phishing-style URL must raise the spam score;
- minimum functionality: canonical Korean/English spam is spam, OTP / card-alert / delivery ham is ham.

All names, numbers and URLs below are made up. Reports carry case ids and scores only, never texts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from models.bootstrap import percentile_interval, proportion_samples, stratified_resamples

PredictFn = Callable[[list[str]], Sequence[float]]

SATURATED_SCORE = 0.999  # a score already this high cannot be raised measurably by a URL

_NAMES = {"ko": ["김민준", "이서연", "박지훈", "최수아", "정우진", "강하은"], "en": ["John", "Priya", "Mei", "Carlos", "Amara", "Tom"]}

# Invariance templates: (id, lang, template). Slots: {name} {phone} {amount} {date}. Every slot value is fake.
INVARIANCE_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("ko_loan_spam", "ko", "{name}님 정부지원 저금리 대출 {amount}원 당일 승인 가능! 상담 {phone}"),
    ("ko_family_scam", "ko", "엄마 나 {name}인데 폰 액정 깨져서 임시폰이야 이 번호로 문자줘 {phone}"),
    ("ko_parcel_smishing", "ko", "[Web발신] {name}님 택배가 주소불명으로 {date} 반송 예정입니다. 주소 확인 http://cj-redeliver.xyz/a7"),
    ("ko_card_alert_ham", "ko", "[신한카드] {name}님 {amount}원 일시불 승인 {date} 12:31 GS25 편의점"),
    ("ko_appointment_ham", "ko", "{name}님 {date} 오후 3시 치과 예약이 확정되었습니다. 변경 문의 {phone}"),
    ("ko_personal_ham", "ko", "{name}아 {date}에 저녁 같이 먹을래? 시간 되면 {phone}로 연락줘"),
    ("en_prize_spam", "en", "Congratulations {name}! You have won a {amount} GBP cash prize. Call {phone} now to claim before {date}"),
    ("en_account_smishing", "en", "URGENT {name}: your bank account is suspended since {date}. Verify at http://secure-verify-login.top/acc"),
    ("en_card_alert_ham", "en", "Your card ending 4821 was charged {amount} USD on {date} at City Grocery."),
    ("en_appointment_ham", "en", "Hi {name}, your dentist appointment is confirmed for {date}. Call {phone} to reschedule."),
    ("en_personal_ham", "en", "{name} are we still on for lunch on {date}? Call me at {phone}"),
)

PHISHING_URLS: tuple[str, ...] = (
    "http://kb-secure-login.xyz/verify",
    "https://naver-account-check.top/login",
    "http://bit.ly/3xY7aQz",
    "http://paypa1-verify.info/acc",
)

# Directional base texts: plausible, not obviously spam, so a URL has room to raise the score.
DIRECTIONAL_BASES: tuple[tuple[str, str, str], ...] = (
    ("ko_account_check", "ko", "고객님 계정 정보 확인이 필요합니다."),
    ("ko_parcel_address", "ko", "택배 배송 주소를 다시 확인해 주세요."),
    ("ko_event", "ko", "이번 주 이벤트에 당첨되셨습니다."),
    ("ko_payment", "ko", "결제가 정상적으로 처리되지 않았습니다."),
    ("en_parcel", "en", "Your parcel is waiting for delivery."),
    ("en_account", "en", "Please update your account details."),
    ("en_reward", "en", "You have a reward waiting for you."),
    ("en_payment", "en", "Your last payment did not go through."),
)

# Minimum functionality: (id, lang, expected label, text).
FUNCTIONALITY_CASES: tuple[tuple[str, str, str, str], ...] = (
    ("ko_spam_parcel", "ko", "spam", "[Web발신] 고객님의 택배가 주소 불일치로 반송 예정입니다. 주소 수정: http://cj-deliver.xyz/a1"),
    ("ko_spam_overseas_payment", "ko", "spam", "[국외발신] 해외결제 998,000원 승인완료. 본인 아닐 시 즉시 신고 http://card-report.top/c"),
    ("ko_spam_family", "ko", "spam", "엄마 나 휴대폰 액정 깨져서 수리 맡겼어 이 번호로 문자 줘 급해"),
    ("ko_spam_stock", "ko", "spam", "(광고) 주식 리딩방 무료 입장! 수익률 300% 보장 지금 참여하세요 무료거부 0801234567"),
    ("ko_spam_loan", "ko", "spam", "정부지원 저금리 대출 승인 대상자로 선정되셨습니다. 한도 조회 http://loan-gov.xyz/q"),
    ("en_spam_prize", "en", "spam", "WINNER!! You have been selected to receive a 900 GBP prize reward! Call 09061701461 to claim"),
    ("en_spam_free_entry", "en", "spam", "FREE entry to win 1000 cash. Text WIN to 80086 now! T&C apply"),
    ("en_spam_bank", "en", "spam", "URGENT! Your bank account has been suspended. Verify your details now at http://bank-verify.top/x"),
    ("ko_ham_otp", "ko", "ham", "[네이버] 인증번호 [482913]를 입력해주세요."),
    ("ko_ham_card_alert", "ko", "ham", "[신한카드] 승인 홍*동 45,000원 일시불 11/24 12:31 GS25"),
    ("ko_ham_delivery", "ko", "ham", "[CJ대한통운] 고객님의 상품이 배송완료되었습니다."),
    ("ko_ham_personal", "ko", "ham", "오늘 저녁에 시간 돼? 같이 밥 먹자"),
    ("en_ham_otp", "en", "ham", "Your verification code is 482913. Do not share it with anyone."),
    ("en_ham_delivery", "en", "ham", "Your order has been delivered. Thank you for shopping with us."),
    ("en_ham_card_alert", "en", "ham", "Card ending 4821: purchase of 23.50 USD at City Grocery approved."),
    ("en_ham_personal", "en", "ham", "Hi, are we still meeting at 6pm today?"),
)


class CaseResult(BaseModel):
    """Outcome of one behavioural case (ids and scores only)."""

    case_id: str = Field(description="Stable id of the case (template id plus variant index).")
    kind: str = Field(description="invariance, directional or functionality.")
    lang: str = Field(description="ko or en.")
    passed: bool = Field(description="Whether the model behaved as required.")
    scores: list[float] = Field(description="Spam scores of the case's texts, in order.")


class BehaviouralReport(BaseModel):
    """Pass rates of the three test kinds and every case's outcome."""

    threshold: float = Field(description="Operating threshold the labels were taken at.")
    pass_rates: dict[str, float] = Field(description="kind -> passed / total.")
    counts: dict[str, int] = Field(description="kind -> number of cases.")
    cases: list[CaseResult] = Field(description="Every case in order.")
    intervals: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="kind -> bootstrap interval of the pass rate (cases resampled within kind and language).",
    )

    def failures(self, kind: str | None = None) -> list[CaseResult]:
        return [case for case in self.cases if not case.passed and (kind is None or case.kind == kind)]


@dataclass(frozen=True)
class _Case:
    case_id: str
    kind: str
    lang: str
    texts: tuple[str, ...]
    expected: str | None = None


def _fake_phone(rng: random.Random) -> str:
    return f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"


def _fake_amount(rng: random.Random, lang: str) -> str:
    value = rng.choice([rng.randint(1, 99) * 1000, rng.randint(100, 9999) * 100, rng.randint(10, 999)])
    return f"{value:,}"


def _fake_date(rng: random.Random, lang: str) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return f"{month}월 {day}일" if lang == "ko" else f"{month:02d}/{day:02d}"


def invariance_cases(seed: int, variants: int = 4) -> list[_Case]:
    """Each template filled ``variants`` times with different fake names/phones/amounts/dates (deterministic)."""
    rng = random.Random(seed)
    cases = []
    for template_id, lang, template in INVARIANCE_TEMPLATES:
        texts = tuple(
            template.format(
                name=rng.choice(_NAMES[lang]),
                phone=_fake_phone(rng),
                amount=_fake_amount(rng, lang),
                date=_fake_date(rng, lang),
            )
            for _ in range(variants)
        )
        cases.append(_Case(case_id=f"inv:{template_id}", kind="invariance", lang=lang, texts=texts))
    return cases


def directional_cases() -> list[_Case]:
    """Each base text alone, then with each phishing-style URL appended."""
    return [
        _Case(case_id=f"dir:{base_id}:{index}", kind="directional", lang=lang, texts=(text, f"{text} {url}"))
        for base_id, lang, text in DIRECTIONAL_BASES
        for index, url in enumerate(PHISHING_URLS)
    ]


def functionality_cases() -> list[_Case]:
    return [
        _Case(case_id=f"mft:{case_id}", kind="functionality", lang=lang, texts=(text,), expected=expected)
        for case_id, lang, expected, text in FUNCTIONALITY_CASES
    ]


def _judge(case: _Case, scores: list[float], threshold: float) -> bool:
    if case.kind == "invariance":
        labels = {score >= threshold for score in scores}
        return len(labels) == 1
    if case.kind == "directional":
        base, with_url = scores
        return with_url > base or (base >= SATURATED_SCORE and with_url >= SATURATED_SCORE)
    return (scores[0] >= threshold) == (case.expected == "spam")


def pass_rate_intervals(
    cases: Sequence[CaseResult], n_resamples: int = 2000, seed: int = 7, confidence: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Bootstrap interval of each kind's pass rate: cases resampled within (kind, language), all kinds at once.

    A case is the unit (an invariance case is one template with all its fills); directional cases sharing a base
    text are resampled one by one, so their interval is, if anything, narrower than the truth.
    """
    if not cases:
        return {}
    resamples = stratified_resamples([f"{case.kind}/{case.lang}" for case in cases], n_resamples, seed)
    kinds = np.asarray([case.kind for case in cases], dtype=object)
    rates = proportion_samples(
        resamples, np.asarray([case.passed for case in cases]), {kind: kinds == kind for kind in dict.fromkeys(kinds.tolist())}
    )
    return {kind: percentile_interval(values, confidence) for kind, values in rates.items()}


def run_behavioural_tests(
    predict: PredictFn,
    threshold: float,
    seed: int = 7,
    n_resamples: int = 2000,
    confidence: float = 0.95,
) -> BehaviouralReport:
    """Score every case's texts in one predict call, judge each case and bootstrap each kind's pass rate."""
    cases = [*invariance_cases(seed), *directional_cases(), *functionality_cases()]
    texts = [text for case in cases for text in case.texts]
    scores = np.asarray(predict(texts), dtype=np.float64).reshape(-1)
    if scores.shape[0] != len(texts):
        raise ValueError(f"predict returned {scores.shape[0]} scores for {len(texts)} texts")
    results: list[CaseResult] = []
    offset = 0
    for case in cases:
        case_scores = [float(value) for value in scores[offset : offset + len(case.texts)]]
        offset += len(case.texts)
        results.append(
            CaseResult(
                case_id=case.case_id,
                kind=case.kind,
                lang=case.lang,
                passed=_judge(case, case_scores, threshold),
                scores=case_scores,
            )
        )
    counts: dict[str, int] = {}
    passed: dict[str, int] = {}
    for result in results:
        counts[result.kind] = counts.get(result.kind, 0) + 1
        passed[result.kind] = passed.get(result.kind, 0) + int(result.passed)
    pass_rates = {kind: passed[kind] / counts[kind] for kind in counts}
    return BehaviouralReport(
        threshold=threshold,
        pass_rates=pass_rates,
        counts=counts,
        cases=results,
        intervals=pass_rate_intervals(results, n_resamples, seed, confidence),
    )

"""The synthetic Korean SMS generator: deterministic, labelled, varied, evasive where spam is."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from tasks.sample.synth_ko import (
    _EMOJIS,
    CATEGORIES,
    EVASION_TRICKS,
    HAM,
    SPAM,
    apply_evasions,
    campaign_variants,
    generate,
    template_ids,
)

COMPAT_JAMO = re.compile(r"[\u3131-\u318e]")
CIRCLED = re.compile(r"[\u2460-\u2473\u24ea]")
FULLWIDTH = re.compile(r"[\uff01-\uff5e]")
URL_HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,}|\d+\.\d+\.\d+\.\d+)(?:/|\b)")
MOBILE = re.compile(r"(?:010[-.]?\d{4}[-.]?\d{4}|\+82 10-\d{4}-\d{4})")
RRN = re.compile(r"\b\d{6}-[1-4]\d{6}\b")
ACCOUNT = re.compile(r"(?:신한은행|국민은행|우리은행|하나은행|농협|카카오뱅크|기업은행) \d{3,6}-\d{2,6}-\d{2,7}")


@pytest.fixture(scope="module")
def rows():
    return generate(2_000, seed=5, spam_ratio=0.55)


def test_same_seed_same_rows():
    assert generate(300, seed=11) == generate(300, seed=11)


def test_different_seeds_differ():
    a = [r.text for r in generate(300, seed=1)]
    b = [r.text for r in generate(300, seed=2)]
    assert a != b
    assert len(set(a) & set(b)) < 60  # a few slot-free personal texts may coincide, not the bulk


@pytest.mark.parametrize("ratio", [0.0, 0.2, 0.55, 0.9, 1.0])
def test_spam_ratio_respected(ratio):
    got = generate(400, seed=3, spam_ratio=ratio)
    assert len(got) == 400
    assert sum(r.label == SPAM for r in got) == round(400 * ratio)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        generate(10, seed=1, spam_ratio=1.5)
    with pytest.raises(ValueError):
        generate(-1, seed=1)


def test_every_row_synthetic_labelled_and_unique(rows):
    assert all(r.synthetic is True for r in rows)
    assert all(CATEGORIES[r.category] == r.label for r in rows)
    assert all(r.template_id.rsplit("-", 1)[0] == r.category for r in rows)
    assert len({r.text for r in rows}) == len(rows)
    assert not any("\t" in r.text or "\n" in r.text or "\r" in r.text or r.text != r.text.strip() for r in rows)


def test_every_category_present_with_several_templates(rows):
    by_category = Counter(r.category for r in rows)
    assert set(by_category) == set(CATEGORIES)
    templates_used = Counter(r.category for r in {(r.category, r.template_id): r for r in rows}.values())
    for category in CATEGORIES:
        assert templates_used[category] >= 6, category
        assert len(template_ids(category)) >= 8, category


def test_evasion_tricks_present_on_spam_only(rows):
    spam = [r for r in rows if r.label == SPAM]
    ham = [r for r in rows if r.label == HAM]
    used = Counter(trick for r in spam for trick in r.evasions)
    assert set(used) == set(EVASION_TRICKS)
    assert 0.4 < sum(bool(r.evasions) for r in spam) / len(spam) < 0.7
    assert not any(r.evasions for r in ham)
    # The tricks are visible in the text, not only in the bookkeeping.
    assert any(CIRCLED.search(r.text) for r in spam if "circled_digits" in r.evasions)
    assert all(FULLWIDTH.search(r.text) for r in spam if "fullwidth" in r.evasions)
    assert all(COMPAT_JAMO.search(r.text) or "춯" in r.text or "즤" in r.text for r in spam if "jamo" in r.evasions)
    assert all(any(e in r.text for e in _EMOJIS) for r in spam if "emoji" in r.evasions)
    sep = [r.text for r in spam if "separator_chars" in r.evasions]
    assert any(re.search(r"[가-힣][._*\-/ㆍ`^'~][가-힣]", t) for t in sep)
    assert any(re.search(r"[A-Z]*0[A-Z]*|KAKA0|T0T0|C0IN", t) for r in spam if "latin_lookalike" in r.evasions for t in [r.text])


def test_apply_evasions_reports_what_it_did():
    rng = random.Random(0)
    text = "카지노 첫충 100% 대출 가능 http://bit.ly/abc"
    seen: set[str] = set()
    for _ in range(200):
        changed, tricks = apply_evasions(text, rng)
        assert tricks and changed != text
        seen.update(tricks)
    assert seen == set(EVASION_TRICKS)


def test_transactional_ham_looks_like_spam_on_the_surface(rows):
    ham = [r for r in rows if r.label == HAM]
    otp = [r.text for r in ham if r.category == "otp"]
    assert otp and all("인증번호" in t and re.search(r"\d{4,6}", t) for t in otp)
    cards = [r.text for r in ham if r.category == "card_approval"]
    assert cards and all(re.search(r"[\d,]+(원|USD)", t) for t in cards)
    assert any(re.search(r"[가-힣]\*[가-힣]", t) for t in cards)  # masked name 홍*동
    delivery = [r.text for r in ham if r.category == "delivery_notice"]
    assert any("CJ대한통운" in t for t in delivery) and any("쿠팡" in t for t in delivery)
    # Ham carries links and numbers too, so URLs alone cannot separate the classes.
    assert sum(bool(URL_HOST.search(r.text)) for r in ham) >= 50
    assert any("[Web발신]" in r.text for r in ham) and any("[Web발신]" in r.text for r in rows if r.label == SPAM)
    personal = [r.text for r in ham if r.category == "personal"]
    assert len(personal) > 100 and sum(len(t) < 25 for t in personal) > len(personal) / 2


def test_spam_links_and_ads_look_real(rows):
    spam = [r for r in rows if r.label == SPAM]
    hosts = Counter(m.group(1).lower() for r in spam for m in URL_HOST.finditer(r.text))
    assert len(hosts) > 300
    assert {"bit.ly", "han.gl", "me2.do"} <= set(hosts)
    assert any(h.endswith(".xyz") for h in hosts) and any(h.endswith(".top") for h in hosts)
    ads = [r.text for r in spam if r.category == "advertising" and not r.evasions]  # tricks may mangle the notice
    assert ads and all("(광고)" in t and re.search(r"(무료거부|수신거부|무료수신거부) 080-\d{3}-\d{4}", t) for t in ads)
    impersonation = " ".join(r.text for r in spam if r.category == "impersonation")
    assert "엄마" in impersonation and "액정" in impersonation


def test_pii_present_in_a_share_of_texts(rows):
    texts = [r.text for r in rows]
    assert sum(bool(MOBILE.search(t)) for t in texts) > 100
    assert 3 <= sum(bool(RRN.search(t)) for t in texts) < len(texts) * 0.05
    assert sum(bool(ACCOUNT.search(t)) for t in texts) >= 10
    assert any("@" in t and re.search(r"[a-z0-9]+@[a-z]+\.[a-z.]+", t) for t in texts)


def test_campaign_variants_share_a_template_and_differ_in_slots():
    variants = campaign_variants("smishing_delivery-05", 8, seed=1)
    assert len(variants) == 8
    assert {v.template_id for v in variants} == {"smishing_delivery-05"}
    assert all(v.label == SPAM and v.synthetic for v in variants)
    assert len({v.text for v in variants}) == 8
    assert all("운송장번호" in v.text for v in variants)
    assert campaign_variants("smishing_delivery-05", 8, seed=1) == variants

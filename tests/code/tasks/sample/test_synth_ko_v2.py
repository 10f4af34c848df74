"""Generator v2: deterministic, labelled by category and subtype, compositional, KISA-weighted, PII-shaped."""

from __future__ import annotations

import random
import re
from collections import Counter
from urllib.parse import urlparse

import pytest

from models.evasion import OPERATOR_NAMES
from models.normalization import model_text, normalize, url_domains
from tasks.sample import synth_ko
from tasks.sample.diversity import distinct_trigram_ratio, near_duplicate_share
from tasks.sample.ko_fill import LEGIT_HOSTS, rrn
from tasks.sample.ko_vocab import FOREIGN_MERCHANTS
from tasks.sample.synth_ko_v2 import (
    CATEGORIES,
    HAM,
    HAM_SUBTYPE_NAMES,
    SPAM,
    SPAM_SHARE_FLOOR,
    SPAM_SUBTYPE_NAMES,
    SUBTYPES,
    _slip,
    campaign_variants,
    generate,
    render,
    subtype_weights,
)

MOBILE = re.compile(r"(?:\+82 10-|010[-. ]?)(\d{4})[-. ]?\d{4}")
RRN = re.compile(r"\b(\d{6})-(\d{7})\b")
LEGIT_HOSTNAMES = {urlparse(url.split("{")[0]).hostname for urls in LEGIT_HOSTS.values() for url in urls}


@pytest.fixture(scope="module")
def rows():
    return generate(4_000, seed=5, spam_ratio=0.5)


def test_same_seed_same_rows_and_seeds_differ():
    assert generate(300, seed=11) == generate(300, seed=11)
    a, b = {r.flat_text for r in generate(300, seed=1)}, {r.flat_text for r in generate(300, seed=2)}
    assert len(a & b) < 15  # a few OTP-like short notices may coincide, not the bulk


@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5, 1.0])
def test_spam_ratio_respected(ratio):
    got = generate(300, seed=3, spam_ratio=ratio)
    assert len(got) == 300 and sum(r.label == SPAM for r in got) == round(300 * ratio)


def test_rejects_bad_arguments():
    for kwargs in (dict(spam_ratio=1.5), dict(subtypes=["nope"])):
        with pytest.raises(ValueError):
            generate(10, seed=1, **kwargs)
    with pytest.raises(ValueError):
        generate(-1, seed=1)
    with pytest.raises(ValueError):
        campaign_variants("nope", 3, seed=1)


def test_rows_are_synthetic_labelled_and_unique(rows):
    assert all(r.synthetic is True for r in rows)
    assert all(SUBTYPES[r.subtype].label == r.label == CATEGORIES[r.category] for r in rows)
    assert all(SUBTYPES[r.subtype].category == r.category for r in rows)
    assert len({r.flat_text for r in rows}) == len(rows)
    assert not any("\t" in r.text or r.text != r.text.strip() for r in rows)
    assert all("\n" not in r.flat_text and "  " not in r.flat_text for r in rows)


def test_at_least_thirty_spam_subtypes_all_generated(rows):
    assert len(SPAM_SUBTYPE_NAMES) >= 30 and len(HAM_SUBTYPE_NAMES) >= 20
    seen = Counter(r.subtype for r in rows)
    assert set(seen) == set(SUBTYPES)
    assert min(seen[name] for name in SPAM_SUBTYPE_NAMES) >= 15  # expected ~30 of 2,000 spam at the floor


def test_mix_follows_the_kisa_weights_with_a_floor(rows):
    weights = subtype_weights(SPAM)
    assert abs(sum(weights.values()) - 1) < 1e-9
    spam = [r for r in rows if r.label == SPAM]
    by_category = Counter(r.category for r in spam)
    assert by_category.most_common(2)[0][0] == "gambling" and by_category.most_common(2)[1][0] == "investment"
    assert 0.34 < by_category["gambling"] / len(spam) < 0.46  # KISA 53.6% less what the floors take
    counts = Counter(r.subtype for r in spam)
    for name, weight in weights.items():
        assert abs(counts[name] / len(spam) - weight) < 0.02, name
    # every smishing subtype (KISA shares of 0.2-0.7%) still gets the floor
    assert min(weights.values()) == pytest.approx(SPAM_SHARE_FLOOR / sum(max(SUBTYPES[n].share, SPAM_SHARE_FLOOR) for n in weights))


def test_layouts_registers_and_noise_vary(rows):
    assert 0.1 < sum("\n" in r.text for r in rows) / len(rows) < 0.5  # several lines, most on one
    assert {r.register for r in rows} == {"formal", "casual"}
    assert sum(r.text.startswith("[Web발신]") for r in rows) > 300
    rng = random.Random(0)
    slipped = [_slip("오늘 회의 몇 시에 하는지 알려주세요 됐어요", rng) for _ in range(200)]
    assert all(s != "오늘 회의 몇 시에 하는지 알려주세요 됐어요" for s in slipped)
    assert any("됬" in s for s in slipped) and any("회의몇" in s or "몇시" in s or "시에하" in s for s in slipped)


def test_more_varied_than_v1_at_the_same_size():
    v1 = [r.text for r in synth_ko.generate(1_200, seed=9, spam_ratio=1.0)]
    v2 = [r.text for r in generate(1_200, seed=9, spam_ratio=1.0)]
    assert distinct_trigram_ratio(v2) > 1.5 * distinct_trigram_ratio(v1)
    assert near_duplicate_share(v2) < 0.5 * near_duplicate_share(v1)


def test_evasions_on_spam_only_and_visible(rows):
    spam = [r for r in rows if r.label == SPAM]
    assert 0.35 < sum(bool(r.evasions) for r in spam) / len(spam) < 0.55
    assert not any(r.evasions for r in rows if r.label == HAM)
    assert {name for r in spam for name in r.evasions} == set(OPERATOR_NAMES)
    jamo = [r.text for r in spam if "jamo_split" in r.evasions]
    assert jamo and all(re.search(r"[\u3131-\u318e]", t) for t in jamo)


def test_pii_is_fake_but_shaped_for_the_scrubber(rows):
    texts = [r.flat_text for r in rows]
    mobiles = [m for t in texts for m in MOBILE.finditer(t)]
    assert len(mobiles) > 100
    assert all(m.group(1)[0] in "01" for m in mobiles)  # unassigned 010 blocks: no real subscriber
    with_pii = [t for t in texts if MOBILE.search(t) or RRN.search(t) or "@" in t]
    for text in with_pii[:300]:
        scrubbed = model_text(text)
        assert not MOBILE.search(scrubbed) and not RRN.search(scrubbed), (text, scrubbed)
    assert sum("[ACCOUNT]" in normalize(t) for t in texts) > 15
    assert sum("[RRN]" in normalize(t) for t in texts) >= 3


def test_rrns_have_a_wrong_check_digit():
    rng = random.Random(1)
    for _ in range(200):
        number = rrn(rng).replace("-", "")
        weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
        check = (11 - sum(int(d) * w for d, w in zip(number, weights)) % 11) % 10
        assert int(number[-1]) != check
        assert "[RRN]" in normalize(f"주민번호 {number[:6]}-{number[6:]}")


def test_legitimate_notices_carry_real_sender_hosts_and_spam_does_not(rows):
    ham_hosts = Counter(h for r in rows if r.label == HAM for h in url_domains(r.flat_text))
    spam_hosts = Counter(h for r in rows if r.label == SPAM for h in url_domains(r.flat_text))
    assert sum(ham_hosts.values()) > 200
    merchants = {h for name in FOREIGN_MERCHANTS for h in url_domains(name)}  # card alerts print AMAZON.COM
    assert set(ham_hosts) <= {h.removeprefix("www.") for h in LEGIT_HOSTNAMES} | LEGIT_HOSTNAMES | merchants
    assert not (set(spam_hosts) & {h.removeprefix("www.") for h in LEGIT_HOSTNAMES if h not in ("open.kakao.com",)})
    assert len(spam_hosts) > 400
    delivery = [r.flat_text for r in rows if r.subtype in ("delivery_shipped", "delivery_done")]
    assert sum(bool(url_domains(t)) for t in delivery) > len(delivery) / 4  # deliveries with tracking links


def test_benign_twins_share_words_with_scams_but_not_the_script(rows):
    broken = [r.flat_text for r in rows if r.subtype == "personal_phone_broken_benign"]
    scam = [r.flat_text for r in rows if r.subtype == "family_impersonation"]
    assert any("액정" in t for t in broken) and any("액정" in t for t in scam)
    assert not any(MOBILE.search(t) or "계좌" in t or "주민번호" in t for t in broken)
    assert sum(bool(MOBILE.search(t)) or "카톡" in t for t in scam) > len(scam) / 3  # "add me on KakaoTalk"
    money = [r.flat_text for r in rows if r.subtype == "personal_money"]
    assert any("계좌" in t or "[ACCOUNT]" in normalize(t) for t in money)
    legit_fines = " ".join(r.flat_text for r in rows if r.subtype == "public_fine_notice")
    assert "과태료" in legit_fines and "efine.go.kr" in legit_fines


def test_every_subtype_renders_from_its_grammar():
    for name in SUBTYPES:
        for seed in range(30):
            row = render(name, random.Random(seed), random.Random(seed + 1))
            assert row.subtype == name and row.text and "{" not in row.text, (name, row.text)


def test_campaign_variants_share_wording_and_differ_in_slots():
    variants = campaign_variants("smishing_delivery", 8, seed=1)
    assert len({v.wording_id for v in variants}) == 1
    assert len({v.flat_text for v in variants}) == 8
    assert all(v.label == SPAM and v.synthetic for v in variants)
    assert campaign_variants("smishing_delivery", 8, seed=1) == variants

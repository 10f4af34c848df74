"""Exact dedupe by message id / report id, and near-duplicate campaigns."""

from __future__ import annotations

import polars as pl

from models.normalization import message_id, normalize, template_key
from tasks.ingest.campaigns import CampaignIndex
from tasks.ingest.dedupe import KnownIds, classify_reports


def _ids(*texts: str) -> pl.Series:
    return pl.Series([message_id(normalize(t)) for t in texts])


def test_classify_reports_new_duplicate_redelivered_and_conflicting():
    messages = _ids("a message", "a message", "another one", "a message", "third text", "fourth")
    reports = pl.Series(["r1", "r2", "r3", "r1", "r3", "r9"])
    status, known = classify_reports(messages, reports, KnownIds())
    assert status.to_list() == ["accepted", "duplicate", "accepted", "duplicate_report", "report_id_conflict", "accepted"]
    assert known.message_count == 3

    # A later batch (or run): everything is now known.
    status2, known2 = classify_reports(_ids("a message", "another one", "fresh", "other text"), pl.Series(["r1", "r7", "r8", "r3"]), known)
    assert status2.to_list() == ["duplicate_report", "duplicate", "accepted", "report_id_conflict"]
    assert known2.message_count == 4


def test_known_ids_from_frames_round_trip():
    ids = _ids("x", "y")
    known = KnownIds.from_frames(ids, pl.DataFrame({"report_id": ["r1"], "message_id": [ids[0]]}))
    status, _ = classify_reports(_ids("x", "z", "y"), pl.Series(["r1", "r2", "r1"]), known)
    assert status.to_list() == ["duplicate_report", "accepted", "report_id_conflict"]


SPAM_A = "[Web발신] 무료거부 0801234567 카지노 첫충 30% 매일 지급 http://casino.example/a"
SPAM_A2 = "[Web발신] 무료거부 0807654321 카지노 첫충 50% 매일 지급 http://casino.example/zz"
SPAM_A_NEAR = "[Web발신] 무료거부 0801234567 카지노 첫충 30% 매일매일 지급 http://casino.example/a"
HAM = "엄마 오늘 저녁에 늦을 것 같아요. 먼저 드세요"


def _assign(index: CampaignIndex, texts: list[str], run_id: str = "run") -> tuple[list[str], list[str], int]:
    norms = [normalize(t) for t in texts]
    ids = [message_id(n) for n in norms]
    campaigns, created = index.assign(pl.Series(ids), pl.Series([template_key(n) for n in norms]), run_id)
    return ids, campaigns.to_list(), created


def test_same_template_different_numbers_share_a_campaign_unrelated_do_not():
    assert normalize(SPAM_A) != normalize(SPAM_A2)
    index = CampaignIndex(threshold=0.7, num_perm=64)
    ids, campaigns, created = _assign(index, [SPAM_A, SPAM_A2, SPAM_A_NEAR, HAM])
    assert campaigns[0] == campaigns[1] == campaigns[2] == ids[0]  # first member's message id
    assert campaigns[3] == ids[3] != campaigns[0]
    assert created == 2


def test_campaign_ids_are_stable_across_runs(tmp_path):
    path = tmp_path / "campaigns.parquet"
    first = CampaignIndex(threshold=0.7, num_perm=64)
    ids, _, _ = _assign(first, [SPAM_A, HAM], run_id="run1")
    first.to_frame().write_parquet(path)

    reloaded = CampaignIndex.load(path, threshold=0.7, num_perm=64)
    assert len(reloaded) == 2 and reloaded.persisted_rows == 2
    _, campaigns, created = _assign(reloaded, [SPAM_A2, SPAM_A_NEAR, "완전히 새로운 주제의 문자입니다 내일 회의 자료 보내드려요"], run_id="run2")
    assert campaigns[:2] == [ids[0], ids[0]]
    assert created == 1


def test_rollback_forgets_templates_added_after_the_checkpoint():
    index = CampaignIndex(threshold=0.7, num_perm=64)
    _assign(index, [HAM])
    checkpoint = index.checkpoint()
    ids, _, _ = _assign(index, [SPAM_A])
    index.rollback(checkpoint)
    assert len(index) == 1
    ids2, campaigns, created = _assign(index, [SPAM_A2])
    assert created == 1 and campaigns == ids2  # SPAM_A's campaign is gone: SPAM_A2 starts its own


def test_vectorised_signatures_equal_datasketch_minhash():
    from tasks.ingest.campaigns import minhash, signatures

    keys = [template_key(normalize(t)) for t in (SPAM_A, HAM, "ab", "짧은", SPAM_A_NEAR)]
    batch = signatures(keys, num_perm=64)
    for key, row in zip(keys, batch):
        assert (row == minhash(key, 64).hashvalues).all()


def test_texts_without_letters_or_digits_never_share_a_campaign():
    contentless = ["🔥🔥🔥", "!!!", "😀😀", "...", "[PHONE]", "010-1234-5678 !!"]
    index = CampaignIndex(threshold=0.7, num_perm=64)
    ids, campaigns, created = _assign(index, [*contentless, SPAM_A, SPAM_A2])
    for message, campaign in zip(ids[: len(contentless)], campaigns[: len(contentless)]):
        assert campaign == message, "each its own campaign"
    assert campaigns[-1] == campaigns[-2] == ids[-2], "texts with content still group"
    assert created == len(contentless) + 1
    # ... and nothing later joins them: the same emoji text in a later run is not grouped with the earlier one.
    later, later_campaigns, _ = _assign(index, ["🔥🔥🔥🔥"], run_id="run2")
    assert later_campaigns == later
    # Grouping them is still possible on request.
    grouped = CampaignIndex(threshold=0.7, num_perm=64, group_contentless=True)
    _, grouped_campaigns, _ = _assign(grouped, ["🔥🔥", "!!!"])
    assert grouped_campaigns[0] == grouped_campaigns[1]


def test_links_to_different_sites_are_different_messages_and_campaigns():
    links = ["https://naver.me/xYz", "http://kb-secure-login.top/login", "bit.ly/3abc", "http://cj-delivery.xyz/t"]
    status, _ = classify_reports(_ids(*links), pl.Series([f"r{i}" for i in range(4)]), KnownIds())
    assert status.to_list() == ["accepted"] * 4, "every phishing host reaches the labellers"
    ids, campaigns, created = _assign(CampaignIndex(threshold=0.7, num_perm=64), links)
    assert campaigns == ids and created == 4

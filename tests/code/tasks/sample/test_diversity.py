"""Diversity metrics: distinct trigrams and near duplicates, digits and spacing aside."""

from __future__ import annotations

from tasks.sample.diversity import distinct_trigram_ratio, near_duplicate_flags, near_duplicate_share


def test_distinct_trigram_ratio_counts_repeats_and_masks_digits():
    assert distinct_trigram_ratio(["a b c d", "e f g h"]) == 1.0
    assert distinct_trigram_ratio(["a b c d", "a b c d"]) == 0.5
    assert distinct_trigram_ratio(["입금 12,000원 확인 바랍니다", "입금 98,500원 확인 바랍니다"]) == 0.5  # amounts are not variety


def test_near_duplicates_by_campaign_key():
    texts = [
        "[택배] 주소 불일치로 보관중입니다 확인 bit.ly/abc 010-1234-5678",
        "[택배]  주소불일치로 보관중 입니다 확인 bit.ly/zzz 010-9999-0000",  # same campaign, new link and number
        "오늘 저녁에 김치찌개 먹을래?",
        "내일 회의는 3시로 변경되었습니다",
    ]
    assert near_duplicate_flags(texts).tolist() == [True, True, False, False]
    assert near_duplicate_share(texts) == 0.5
    assert near_duplicate_share(["하나뿐"]) == 0.0

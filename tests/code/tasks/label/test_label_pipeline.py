"""run_labeling against the local LLM server through the real openai / google-genai / anthropic SDKs."""

from __future__ import annotations

import json
import logging
import time

import polars as pl
import pytest

from tasks.label.pipeline import run_labeling
from tasks.label.store import LabelStore, final_labels
from tests.support.llm_server import LLMServer, messages_frame, prompt_texts

TEXTS = [
    "바카라 첫충 30% 지급 [URL:bit.ly]",  # gambling
    "[Web발신] 인증번호 [482913]을 입력해 주세요",  # transactional
    "엄마 나 폰 고장나서 임시폰이야 [URL:me2.kr]",  # smishing
    "내일 점심 같이 먹을래?",  # personal
    "저금리 대출 한도 조회 [PHONE]",  # loan
    "(광고) 겨울 세일 최대 70% 할인",  # advertising
    "주식 리딩방 수익 보장 무료 입장",  # investment_scam
    "회의 자료 보내줄게",  # personal
    "19금 성인 만남 [URL:x.io]",  # adult
]


def _by_api(server: LLMServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in server.requests_for():
        counts[request.api] = counts.get(request.api, 0) + 1
    return counts


def test_three_providers_label_cache_and_rerun_for_free(config, llm_server, label_config):
    messages = messages_frame(TEXTS)
    result = run_labeling(config, messages, label_config=label_config, include_seed=False)

    assert result.status == "ok"
    assert result.decided == len(TEXTS) and result.review_queued == 0 and result.abstentions == 0
    # 9 messages, K=4 -> 3 requests per provider, on each SDK's own wire path.
    assert _by_api(llm_server) == {"openai": 3, "gemini": 3, "anthropic": 3}
    paths = {r.api: r.path for r in llm_server.requests_for()}
    assert paths["openai"] == "/v1/chat/completions"
    assert paths["anthropic"] == "/v1/messages"
    assert paths["gemini"].endswith("/models/gemini-2.5-flash:generateContent")
    # Structured output was requested in each API's own way.
    bodies = {r.api: r.json for r in llm_server.requests_for()}
    assert bodies["openai"]["response_format"]["type"] == "json_schema"
    assert bodies["anthropic"]["output_config"]["format"]["type"] == "json_schema"
    assert bodies["gemini"]["generationConfig"]["responseMimeType"] == "application/json"

    labels = final_labels(config, include_seed=False)
    by_text = dict(zip(TEXTS, labels.sort("message_id")["label"].to_list()))
    assert by_text["바카라 첫충 30% 지급 [URL:bit.ly]"] == "spam"
    assert by_text["내일 점심 같이 먹을래?"] == "ham"
    assert set(labels["label_source"]) == {"llm-ensemble"}
    categories = dict(zip(TEXTS, labels.sort("message_id")["category"].to_list()))
    assert categories["주식 리딩방 수익 보장 무료 입장"] == "investment_scam"

    # The ledger is the APIs' usage times the price table.
    usage = {u.provider: u for u in result.usage}
    assert usage["openai"].requests == 3 and usage["openai"].input_tokens > 0
    expected = usage["anthropic"].input_tokens * 1.0 / 1e6 + usage["anthropic"].output_tokens * 5.0 / 1e6
    assert usage["anthropic"].cost_usd == pytest.approx(expected)
    assert result.cost_usd == pytest.approx(sum(u.cost_usd for u in result.usage), abs=1e-6)
    with LabelStore.for_config(config) as store:
        ledger = store.cost_ledger()
    assert sorted(ledger["provider"].to_list()) == ["anthropic", "gemini", "openai"]

    sent = len(llm_server.requests_for())
    again = run_labeling(config, messages, label_config=label_config, include_seed=False)
    assert len(llm_server.requests_for()) == sent, "a re-run must not ask for finished work"
    assert again.requests == 0 and again.selected == 0 and again.cost_usd == 0


def test_cached_votes_are_reused_when_final_labels_are_missing(config, llm_server, label_config):
    """Votes are cached per (message, provider, model, prompt): losing the ensemble table costs nothing."""
    messages = messages_frame(TEXTS[:4])
    run_labeling(config, messages, label_config=label_config, include_seed=False)
    sent = len(llm_server.requests_for())
    with LabelStore.for_config(config) as store, store._tx() as conn:  # as if killed before voting
        conn.execute("DELETE FROM ensemble_labels")
    assert final_labels(config, include_seed=False).height == 0
    again = run_labeling(config, messages, label_config=label_config, include_seed=False)
    assert len(llm_server.requests_for()) == sent
    assert again.cache_hits == 12 and again.decided == 4


def test_campaign_members_take_the_representatives_label(config, llm_server, label_config):
    texts = ["카지노 가입머니 1만원 [URL:a.kr]", "카지노 가입머니 2만원 [URL:a.kr]", "카지노 가입머니 3만원", "밥 먹었어?"]
    messages = messages_frame(texts, ["casino", "casino", "casino", None])
    result = run_labeling(config, messages, label_config=label_config, include_seed=False)
    assert result.selected == 2 and result.decided == 2 and result.propagated == 2
    sent_texts = {t for r in llm_server.requests_for() for t in prompt_texts(r)}
    assert sent_texts == {texts[0], texts[3]}, "only campaign representatives are sent"
    labels = final_labels(config, include_seed=False).sort("message_id")
    assert labels["label"].to_list() == ["spam", "spam", "spam", "ham"]
    with LabelStore.for_config(config) as store:
        table = store.ensemble_table().sort("message_id")
    assert table["propagated_from"].to_list() == [None, messages["message_id"][0], messages["message_id"][0], None]

    # A new member of a labelled campaign is labelled from the stored representative, for free.
    grown = messages_frame([*texts, "카지노 가입머니 4만원"], ["casino", "casino", "casino", None, "casino"])
    before = len(llm_server.requests_for())
    later = run_labeling(config, grown, label_config=label_config, include_seed=False)
    assert later.propagated == 1 and len(llm_server.requests_for()) == before


def test_missing_and_malformed_answers_are_asked_again_once_then_abstain(config, llm_server, label_config):
    label_config = label_config.model_copy(update={"providers": label_config.providers[:1]})  # openai only
    messages = messages_frame(TEXTS[:4])
    llm_server.fail_next("openai", "drop_ids", drop=2)  # answers only m3, m4
    result = run_labeling(config, messages, label_config=label_config, include_seed=False)
    requests = llm_server.requests_for("openai")
    assert len(requests) == 2
    assert prompt_texts(requests[1]) == TEXTS[:2], "only the missing items are asked again"
    assert result.decided == 4 and result.abstentions == 0

    llm_server.clear()
    more = messages_frame(TEXTS[4:8], id_offset=100)
    llm_server.fail_next("openai", "malformed", times=2)
    result = run_labeling(config, more, label_config=label_config, include_seed=False)
    assert len(llm_server.requests_for("openai")) == 2
    assert result.abstentions == 4 and result.decided == 0
    assert result.usage[0].input_tokens > 0, "tokens of malformed answers are still paid for and counted"
    with LabelStore.for_config(config) as store:
        assert store.count("abstentions") == 4
        assert store.count("llm_votes") == 4, "abstentions are never cached"


def test_rate_limits_and_server_errors_are_retried(config, llm_server, label_config, caplog):
    llm_server.fail_next("openai", "rate_limit", retry_after_s=0)
    llm_server.fail_next("anthropic", "server_error")
    llm_server.fail_next("gemini", "server_error")
    result = run_labeling(config, messages_frame(TEXTS[:3]), label_config=label_config, include_seed=False)
    assert result.decided == 3 and result.abstentions == 0
    assert _by_api(llm_server) == {"openai": 2, "gemini": 2, "anthropic": 2}


@pytest.mark.slow
def test_timeouts_become_abstentions_that_the_next_run_retries(config, llm_server, label_config):
    providers = llm_server.provider_configs(timeout_s=0.5, sdk_max_retries=0)
    strict = label_config.model_copy(update={"providers": providers, "request_attempts": 1, "min_votes": 3})
    llm_server.fail_next("anthropic", "slow", delay_s=2.0)
    messages = messages_frame(TEXTS[:2])
    started = time.monotonic()
    first = run_labeling(config, messages, label_config=strict, include_seed=False)
    assert time.monotonic() - started < 2.0, "the request timeout bounds the wait"
    assert first.abstentions == 2 and first.decided == 0
    assert {u.provider: u.failed_requests for u in first.usage}["anthropic"] == 1
    llm_server.clear()
    second = run_labeling(config, messages, label_config=strict, include_seed=False)
    assert _by_api(llm_server) == {"anthropic": 1}, "errors are not cached; finished votes are"
    assert second.decided == 2
    with LabelStore.for_config(config) as store:
        assert store.open_review_items().height == 0, "a later decision closes the review item"


def test_failed_provider_is_asked_again_next_run_and_only_it(config, llm_server, label_config):
    strict = label_config.model_copy(update={"min_votes": 3, "request_attempts": 1})
    providers = llm_server.provider_configs(sdk_max_retries=0)
    strict = strict.model_copy(update={"providers": providers})
    llm_server.fail_next("openai", "server_error")
    messages = messages_frame(TEXTS[:3])
    first = run_labeling(config, messages, label_config=strict, include_seed=False)
    assert first.abstentions == 3 and first.review_queued == 3  # two votes < min_votes
    llm_server.clear()
    second = run_labeling(config, messages, label_config=strict, include_seed=False)
    assert _by_api(llm_server) == {"openai": 1}
    assert second.cache_hits == 6 and second.decided == 3
    assert final_labels(config, include_seed=False).height == 3


def test_disagreement_goes_to_review_not_to_final_labels(config, llm_server, label_config):
    llm_server.state.overrides["anthropic"]["세일"] = ("ham", "transactional", 0.6)
    messages = messages_frame(TEXTS)
    result = run_labeling(config, messages, label_config=label_config, include_seed=False)
    assert result.review_queued == 1 and result.decided == len(TEXTS) - 1
    advert_id = messages.filter(pl.col("text_for_llm").str.contains("세일"))["message_id"][0]
    assert advert_id not in final_labels(config, include_seed=False)["message_id"].to_list()
    with LabelStore.for_config(config) as store:
        queue = store.open_review_items()
    assert queue["message_id"].to_list() == [advert_id]
    assert queue["reason"][0] == "disagreement"
    votes = json.loads(queue["votes_json"][0])
    assert sorted(v["provider"] for v in votes) == ["anthropic", "gemini", "openai"]


def test_budget_cap_stops_cleanly_and_keeps_what_was_paid_for(config, llm_server, label_config, caplog):
    texts = [f"저금리 대출 상담 {i}번 고객님" for i in range(40)]
    messages = messages_frame(texts)
    one_provider = [label_config.providers[0].model_copy(update={"max_concurrency": 1})]
    probe = run_labeling(
        config, messages, label_config=label_config.model_copy(update={"providers": one_provider}), dry_run=True,
        include_seed=False,
    )
    per_request = probe.cost_usd / probe.requests
    budget = per_request * 3.5  # room for 3 of 10 requests
    capped = label_config.model_copy(update={"providers": one_provider, "budget_usd": budget})
    with caplog.at_level(logging.WARNING):
        result = run_labeling(config, messages, label_config=capped, include_seed=False)
    assert result.status == "budget_exhausted"
    assert "budget cap" in result.message and "budget cap" in caplog.text
    assert len(llm_server.requests_for()) == 3 == result.requests
    assert result.cost_usd <= budget
    assert result.decided == 12, "labels already paid for are kept"
    assert final_labels(config, include_seed=False).height == 12


def test_dry_run_estimates_without_calling_and_matches_real_usage(config, llm_server, label_config):
    messages = messages_frame(TEXTS)
    estimate = run_labeling(config, messages, label_config=label_config, dry_run=True, include_seed=False)
    assert estimate.status == "dry_run" and llm_server.requests_for() == []
    assert estimate.requests == 9
    real = run_labeling(config, messages, label_config=label_config, include_seed=False)
    assert estimate.input_tokens == pytest.approx(real.input_tokens, rel=0.1)
    assert estimate.cost_usd == pytest.approx(real.cost_usd, rel=0.35)


def test_providers_without_keys_are_skipped_and_none_means_no_run(config, llm_server, label_config, monkeypatch, caplog):
    for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    keyless = [p.model_copy(update={"api_key": None}) for p in label_config.providers]
    with caplog.at_level(logging.WARNING):
        none = run_labeling(
            config, messages_frame(TEXTS[:2]), label_config=label_config.model_copy(update={"providers": keyless}),
            include_seed=False,
        )
    assert none.status == "no_labelers" and llm_server.requests_for() == []
    assert "no labelers configured" in caplog.text
    assert "OPENAI_API_KEY" in none.providers_skipped["openai"]

    # One key from the environment is enough for that provider alone.
    from tests.support.llm_server import API_KEY

    monkeypatch.setenv("GEMINI_API_KEY", API_KEY)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        one = run_labeling(
            config, messages_frame(TEXTS[:2]), label_config=label_config.model_copy(update={"providers": keyless}),
            include_seed=False,
        )
    assert one.providers_used == ["gemini"] and _by_api(llm_server) == {"gemini": 1}
    assert "label provider openai skipped: no API key" in caplog.text
    assert API_KEY not in caplog.text


def test_rerun_reports_nothing_to_label(config, llm_server, label_config):
    messages = messages_frame(TEXTS[:2])
    run_labeling(config, messages, label_config=label_config, include_seed=False)
    again = run_labeling(config, messages, label_config=label_config, include_seed=False)
    assert again.status == "nothing_to_label" and again.requests == 0


def test_cascade_hook_and_per_run_cap(config, llm_server, label_config):
    messages = messages_frame(TEXTS)
    ids = messages["message_id"].to_list()
    # The champion is sure about the first 5 messages; no audit sample.
    scores = pl.DataFrame({"message_id": ids, "spam_probability": [0.99, 0.01, 0.995, 0.02, 0.98, 0.5, 0.6, 0.4, 0.55]})
    cascade = label_config.model_copy(
        update={"cascade_confidence": 0.95, "audit_fraction": 0.0, "max_messages_per_run": 3}
    )
    result = run_labeling(config, messages, label_config=cascade, champion_scores=scores, include_seed=False)
    assert result.skipped_confident == 5 and result.selected == 3 and result.deferred == 1
    sent = {t for r in llm_server.requests_for() for t in prompt_texts(r)}
    assert sent == set(TEXTS[5:8]), "confident messages are left to the champion; the cap keeps the earliest"
    follow_up = run_labeling(config, messages, label_config=cascade, champion_scores=scores, include_seed=False)
    assert follow_up.selected == 1 and follow_up.deferred == 0


def test_rate_limiter_spaces_request_starts():
    from tasks.label.engine import _RateLimiter

    limiter = _RateLimiter(requests_per_minute=600)  # one start per 0.1 s
    started = time.monotonic()
    for _ in range(4):
        limiter.wait()
    assert time.monotonic() - started >= 0.29
    unlimited = _RateLimiter(None)
    started = time.monotonic()
    for _ in range(100):
        unlimited.wait()
    assert time.monotonic() - started < 0.05

"""The cost levers of the label stage through the real SDKs: compact answers, routing, the cascade's user-report rule."""

from __future__ import annotations

import polars as pl

from models.label_prompt import PROMPT_VERSION, prompt_version
from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import run_labeling
from tasks.label.providers import parse_compact_answer
from tasks.label.selection import select_for_labelling
from tasks.label.store import final_labels
from tests.support.llm_server import LLMServer, messages_frame, prompt_texts

TEXTS = [
    "카지노 신규가입 첫충 20% [URL:vip.top]",
    "[카카오] 인증번호 551203 타인 노출 금지",
    "저금리 대출 한도 조회 [PHONE]",
    "오늘 저녁 뭐 먹을까",
    "(광고) 봄맞이 쿠폰 할인 이벤트",
    "코인 리딩방 수익 보장 무료 입장",
]


def test_compact_answers_parse_strictly_item_by_item():
    ids = ["m000001", "m000002", "m000003", "m000004"]
    text = '{"a": ["m000001s9g", "m000002h7t", "m000003s8t", "x", "m999999s9g", "m000004h6r", "m000004s9g"]}'
    votes, problems = parse_compact_answer(text, ids)
    assert {k: (v.label, v.category, v.confidence) for k, v in votes.items()} == {
        "m000001": ("spam", "gambling", 0.9),
        "m000002": ("ham", "transactional", 0.7),
    }
    # A ham category under a spam label, a malformed item, an unknown id and an id given twice are all refused.
    joined = " | ".join(problems)
    assert "category does not fit" in joined and "malformed" in joined and "unknown id" in joined
    assert "answered more than once" in joined and "2 id(s) missing" in joined


def test_compact_format_has_its_own_prompt_version_and_the_full_one_is_unchanged():
    assert prompt_version("full") == PROMPT_VERSION
    assert prompt_version("compact") != PROMPT_VERSION


def test_compact_answers_label_like_full_ones_with_fewer_output_tokens(config, tmp_path, llm_server, label_config):
    messages = messages_frame(TEXTS)
    full = run_labeling(config, messages, label_config=label_config, include_seed=False)
    compact_config = label_config.model_copy(update={"answer_format": "compact"})
    other = config.model_copy(update={"state_dir": tmp_path / "compact"})
    compact = run_labeling(other, messages, label_config=compact_config, include_seed=False)

    assert compact.status == full.status == "ok" and compact.decided == full.decided == len(TEXTS)
    assert compact.prompt_version == prompt_version("compact")
    columns = ["message_id", "label", "category"]
    assert final_labels(other, include_seed=False).sort("message_id").select(columns).equals(
        final_labels(config, include_seed=False).sort("message_id").select(columns)
    )
    assert compact.output_tokens * 3 < full.output_tokens
    requests = llm_server.requests_for("openai")[-2:]
    assert all('Answer with {"a": [' in r.json["messages"][1]["content"] for r in requests)
    assert requests[-1].json["response_format"]["json_schema"]["schema"]["required"] == ["a"]


def test_routing_asks_the_tiebreaker_only_where_the_voters_disagree(config, llm_server: LLMServer, label_config):
    # openai and gemini disagree on the loan message only; anthropic breaks the tie.
    llm_server.state.overrides["gemini"]["대출"] = ("ham", "personal", 0.9)
    routed = label_config.model_copy(update={"tiebreak_providers": ["anthropic"]})
    result = run_labeling(config, messages_frame(TEXTS), label_config=routed, include_seed=False)

    assert result.status == "ok" and result.escalated == 1 and result.decided == len(TEXTS) - 1
    anthropic = llm_server.requests_for("anthropic")
    assert len(anthropic) == 1 and prompt_texts(anthropic[0]) == ["저금리 대출 한도 조회 [PHONE]"]
    assert result.review_queued == 1  # 2 against 1 is still a disagreement for review (min_agreement 1.0)
    usage = {u.provider: u.requests for u in result.usage}
    assert usage == {"openai": 2, "gemini": 2, "anthropic": 1}


def test_a_tiebreaker_needs_two_voters_and_is_a_configured_provider(llm_server):
    import pytest

    with pytest.raises(ValueError, match="tiebreak_providers"):
        LabelConfig(providers=llm_server.provider_configs(), tiebreak_providers=["nobody"])


def test_routing_and_the_cascade_are_on_by_default(config, llm_server: LLMServer):
    """The measured levers are the defaults: anthropic breaks ties where it is configured, and a config without
    it has no tie-breaker rather than an error; the cascade waits for a champion at 0.9."""
    assert LabelConfig().tiebreak_providers == ["anthropic"] and LabelConfig().cascade_confidence == 0.9
    without_anthropic = [p for p in llm_server.provider_configs() if p.name != "anthropic"]
    assert LabelConfig(providers=without_anthropic).tiebreak_providers == []

    routed = LabelConfig(providers=llm_server.provider_configs(), batch_size=4, budget_usd=1.0)
    result = run_labeling(config, messages_frame(TEXTS), label_config=routed, include_seed=False)
    assert result.status == "ok" and result.escalated == 0 and result.decided == len(TEXTS)
    assert llm_server.requests_for("anthropic") == []


def test_cascade_sends_a_confident_champion_when_the_users_say_otherwise():
    messages = messages_frame(["new campaign text", "known spam text", "known ham text", "marked ham"]).with_columns(
        pl.Series("user_spam_reports", [3, 2, 0, 0]), pl.Series("user_ham_reports", [0, 0, 0, 2])
    )
    ids = messages["message_id"].to_list()
    scores = pl.DataFrame({"message_id": ids, "spam_probability": [0.01, 0.99, 0.02, 0.99]})
    empty = pl.DataFrame(schema={"message_id": pl.String})
    selection = select_for_labelling(messages, empty, champion_scores=scores, confidence=0.9, audit_fraction=0.0)
    # The champion is sure of all four; the users contradict it on the first (spam reports) and the last (ham marks).
    assert selection.contradicted_ids == [ids[0], ids[3]]
    assert sorted(selection.skipped_confident) == sorted([ids[1], ids[2]])
    assert selection.to_label["message_id"].to_list() == [ids[0], ids[3]]

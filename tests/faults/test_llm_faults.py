"""LLM provider faults through the real label pipeline and the official SDKs (tests/support/llm_server.py).

Each fault family leaves the label store consistent (every message with a vote is decided or queued for
review, votes exist only for ids that were sent), loses no message, and a re-run without faults asks for
exactly the (message, provider) pairs that have no vote yet, then finishes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tasks.label.pipeline import run_labeling
from tasks.label.store import final_labels
from tests.faults.support import closed_port, label_outcomes, pending_faults, scan_for, vote_pairs
from tests.support.llm_server import API_KEY, LLMServer, classify, messages_frame, prompt_texts

TEXTS = [
    "바카라 첫충 30% 지급 [URL:bit.ly]",
    "[Web발신] 인증번호 [482913]을 입력해 주세요",
    "저금리 대출 한도 조회 [PHONE]",
    "내일 점심 같이 먹을래?",
    "(광고) 겨울 세일 최대 70% 할인",
    "주식 리딩방 수익 보장 입장",
    "회의 자료 보내줄게",
    "19금 성인 만남 [URL:x.io]",
]
EXPECTED = {text: classify(text)[0] for text in TEXTS}
PROVIDERS = ("openai", "gemini", "anthropic")
BATCH = 4


@dataclass(frozen=True)
class Family:
    """Faults scripted before the first run; ``abstains``: whether some pair must end as an abstention."""

    script: Callable[[LLMServer], None]
    abstains: bool
    timeout_s: float = 5.0


def _script(*faults: tuple[str, str, int, dict]) -> Callable[[LLMServer], None]:
    def apply(server: LLMServer) -> None:
        for api, kind, times, options in faults:
            server.fail_next(api, kind, times=times, **options)

    return apply


# request_attempts=2 and no SDK retries: 4 faults on a provider exhaust both attempts of both its requests.
FAMILIES: dict[str, Family] = {
    "429 storm": Family(
        _script(("openai", "rate_limit", 4, {"retry_after_s": 0}), ("gemini", "rate_limit", 1, {"retry_after_s": 0})),
        abstains=True,
    ),
    "5xx": Family(_script(("anthropic", "server_error", 4, {}), ("gemini", "server_error", 1, {})), abstains=True),
    "timeouts": Family(_script(("gemini", "slow", 4, {"delay_s": 2.0})), abstains=True, timeout_s=0.5),
    "slow responses": Family(
        _script(("openai", "slow", 2, {"delay_s": 0.4}), ("anthropic", "slow", 1, {"delay_s": 0.4})), abstains=False
    ),
    "malformed / partial JSON": Family(_script(("openai", "malformed", 4, {})), abstains=True),
    "missing and unknown ids": Family(
        _script(("anthropic", "drop_ids", 1, {"drop": 2}), ("gemini", "bad_ids", 1, {"drop": 3})), abstains=False
    ),
}


def _sent_pairs(server: LLMServer, id_by_text: dict[str, str]) -> list[tuple[str, str]]:
    return [(id_by_text[text], request.api) for request in server.requests_for() for text in prompt_texts(request)]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_fault_family_leaves_store_consistent_and_rerun_asks_only_for_missing_votes(
    family, config, llm_server, label_config, fault_ledger, caplog
):
    spec = FAMILIES[family]
    providers = llm_server.provider_configs(sdk_max_retries=0, timeout_s=spec.timeout_s)
    # min_votes=3: any abstention routes the message to review, so the re-run must ask again.
    strict = label_config.model_copy(update={"providers": providers, "min_votes": 3, "batch_size": BATCH})
    messages = messages_frame(TEXTS)
    ids = messages["message_id"].to_list()
    id_by_text = dict(zip(TEXTS, ids))
    expected_by_id = {id_by_text[t]: label for t, label in EXPECTED.items()}
    spec.script(llm_server)
    scripted = pending_faults(llm_server)

    with caplog.at_level(logging.DEBUG):
        first = run_labeling(config, messages, label_config=strict, include_seed=False)
    injected = scripted - pending_faults(llm_server)
    assert injected == scripted, "every scripted fault reached the client"
    assert first.status == "ok"

    sent = _sent_pairs(llm_server, id_by_text)
    assert {mid for mid, _ in sent} <= set(ids), "only our texts went out"
    votes = vote_pairs(config.state_dir)
    assert votes <= {(m, p) for m in ids for p in PROVIDERS}, "no vote for an id that was not sent"
    voted = {m for m, _ in votes}
    outcomes = label_outcomes(config.state_dir)
    assert set(outcomes) == voted, "every message with a vote is decided or waits for review; none vanished"
    assert first.decided + first.review_queued == len(voted)
    assert first.abstentions == len(ids) * len(PROVIDERS) - len(votes), "each pair voted or abstained"
    assert (first.abstentions > 0) is spec.abstains
    decided_first = {m for m, state in outcomes.items() if state == "decided"}
    labels = dict(final_labels(config, include_seed=False).select("message_id", "label").iter_rows())
    assert set(labels) == decided_first
    assert all(labels[m] == expected_by_id[m] for m in labels), "faults never change a label"

    llm_server.clear()
    second = run_labeling(config, messages, label_config=strict, include_seed=False)
    missing = {(m, p) for m in ids for p in PROVIDERS} - votes
    resent = _sent_pairs(llm_server, id_by_text)
    assert sorted(resent) == sorted(missing), "the re-run asks exactly the pairs without a vote, once each"
    per_provider = {p: sum(1 for _, q in missing if q == p) for p in PROVIDERS}
    assert second.requests == sum(math.ceil(n / BATCH) for n in per_provider.values())
    assert len(vote_pairs(config.state_dir)) == len(ids) * len(PROVIDERS)
    assert set(label_outcomes(config.state_dir).values()) == {"decided"}
    final = dict(final_labels(config, include_seed=False).select("message_id", "label").iter_rows())
    assert final == expected_by_id, "after the re-run every message has its label"

    leaks = scan_for([API_KEY], [config.state_dir], [caplog.text, repr(first.summary()), repr(second.summary())])
    leaks += [f"body of {r.api}" for r in llm_server.requests_for() if API_KEY in r.body]
    assert leaks == []
    fault_ledger.record(
        "llm", family, faults_injected=injected, rows_in=len(ids), rows_accounted=len(final), leaks=len(leaks)
    )


def test_one_provider_down_for_the_whole_run(config, llm_server, label_config, fault_ledger, caplog):
    """Connection refused for anthropic throughout: the other two still vote, every message is decided."""
    providers = llm_server.provider_configs(sdk_max_retries=1)
    dead = f"http://127.0.0.1:{closed_port()}"
    providers = [p.model_copy(update={"base_url": dead}) if p.name == "anthropic" else p for p in providers]
    lenient = label_config.model_copy(update={"providers": providers, "batch_size": BATCH})
    messages = messages_frame(TEXTS)
    ids = messages["message_id"].to_list()
    with caplog.at_level(logging.WARNING):
        first = run_labeling(config, messages, label_config=lenient, include_seed=False)
    usage = {u.provider: u for u in first.usage}
    requests_down = usage["anthropic"].failed_requests
    assert requests_down == math.ceil(len(ids) / BATCH), "every anthropic batch failed, none crashed the run"
    assert usage["anthropic"].requests == 0 and usage["anthropic"].cost_usd == 0
    assert first.abstentions == len(ids)
    assert {api for api in (r.api for r in llm_server.requests_for())} == {"openai", "gemini"}
    assert first.decided == len(ids), "two agreeing votes decide (min_votes=1)"
    assert "anthropic" in caplog.text and "APIConnectionError" in caplog.text

    llm_server.clear()
    again = run_labeling(config, messages, label_config=lenient, include_seed=False)
    assert again.status == "nothing_to_label" and llm_server.requests_for() == []
    final = dict(final_labels(config, include_seed=False).select("message_id", "label").iter_rows())
    assert final == {m: EXPECTED[t] for m, t in zip(ids, TEXTS)}

    # Strict voting instead: the same outage routes messages to review rather than deciding on 2 votes.
    strict_state = config.model_copy(update={"state_dir": config.state_dir.parent / "strict"})
    strict = lenient.model_copy(update={"min_votes": 3})
    routed = run_labeling(strict_state, messages, label_config=strict, include_seed=False)
    assert routed.decided == 0 and routed.review_queued == len(ids)
    assert set(label_outcomes(strict_state.state_dir).values()) == {"review"}

    leaks = scan_for([API_KEY], [config.state_dir, strict_state.state_dir], [caplog.text])
    assert leaks == []
    fault_ledger.record(
        "llm",
        "one provider down (connection refused)",
        faults_injected=requests_down + {u.provider: u for u in routed.usage}["anthropic"].failed_requests,
        rows_in=len(ids) * 2,
        rows_accounted=len(final) + routed.review_queued,
        leaks=len(leaks),
    )

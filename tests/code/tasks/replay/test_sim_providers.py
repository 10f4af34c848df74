"""The replay's simulated providers, through the real SDKs: accuracy, correlated errors, abstentions, failures."""

from __future__ import annotations

import random

import pytest

from models.label_prompt import prompt_version
from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import run_labeling
from tasks.label.store import LabelStore
from tasks.replay.llm_server import LLMServer, Simulation, SimProvider, truth_key
from tests.support.llm_server import messages_frame


def _texts(n: int) -> list[tuple[str, str]]:
    rng = random.Random(5)
    rows = []
    for i in range(n):
        label = "spam" if i % 2 else "ham"
        rows.append((f"message {i} {rng.randrange(10**9)} " + ("win money now" if label == "spam" else "see you soon"), label))
    return rows


def test_each_provider_errs_at_its_rate_and_errors_are_correlated(config):
    rows = _texts(400)
    providers = [
        SimProvider("openai", "openai", "m1", 0.4, 1.6, accuracy=0.90, abstain_rate=0.0, fail_rate=0.0),
        SimProvider("gemini", "gemini", "m2", 0.3, 2.5, accuracy=0.90, abstain_rate=0.0, fail_rate=0.0),
        SimProvider("anthropic", "anthropic", "m3", 1.0, 5.0, accuracy=0.95, abstain_rate=0.05, fail_rate=0.15),
    ]
    simulation = Simulation(providers, correlation=0.6, seed=3)
    for text, label in rows:
        simulation.add_truth(text, label, "advertising" if label == "spam" else "personal")
    with LLMServer(simulation) as server:
        label_config = LabelConfig(
            providers=server.provider_configs(), tiebreak_providers=[], batch_size=40, budget_usd=None,
            backoff_base_s=0.01, backoff_max_s=0.05, answer_format="compact", request_attempts=4,
        )
        messages = messages_frame([t for t, _ in rows])
        result = run_labeling(config, messages, label_config=label_config, include_seed=False)
        failed = sum(u.failed_requests for u in result.usage)
        statuses = [r for r in server.requests_for("anthropic")]
    assert simulation.unknown == 0
    truth = dict(zip(messages["message_id"].to_list(), [label for _, label in rows]))
    with LabelStore.for_config(config) as store:
        votes = store.cached_votes(list(truth), [(p.name, p.model) for p in providers], prompt_version("compact"))
    wrong = {p.name: {m for m, v in votes.items() if p.name in v and v[p.name].label != truth[m]} for p in providers}
    answered = {p.name: sum(1 for v in votes.values() if p.name in v) for p in providers}
    assert answered["openai"] == answered["gemini"] == 400
    assert 0.85 <= 1 - len(wrong["openai"]) / 400 <= 0.95 and 0.85 <= 1 - len(wrong["gemini"]) / 400 <= 0.95
    assert 0.92 <= 1 - len(wrong["anthropic"]) / answered["anthropic"] <= 0.98
    # Abstentions: about 5% of anthropic's items are left out (asked again, then recorded).
    assert 8 <= 400 - answered["anthropic"] <= 40 and result.abstentions >= 8
    # Correlated: with independent errors openai and gemini would share ~0.1 * 0.1 * 400 = 4 mistakes.
    assert len(wrong["openai"] & wrong["gemini"]) >= 12
    # Failed requests happened (500/429) and were retried by the SDK and the pipeline: nothing was lost to them.
    assert len(statuses) > answered["anthropic"] // 40 and failed <= 1


def test_truth_key_ignores_whitespace_and_the_long_tail():
    assert truth_key("a  b\n c" + "x" * 300) == truth_key("a b c" + "x" * 250)
    with pytest.raises(ValueError):
        Simulation([SimProvider("a", "openai", "m", 0, 0), SimProvider("b", "openai", "m", 0, 0)])

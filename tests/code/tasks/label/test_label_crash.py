"""A labelling process killed with SIGKILL loses only its in-flight request."""

from __future__ import annotations

import sys

import pytest

from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import run_labeling
from tasks.label.store import LabelStore, final_labels
from tests.support.llm_server import API_KEY, messages_frame, prompt_texts
from tests.support.processes import CHILD_ENV, kill_when_ready

CHILD = """
import sys
import polars as pl
from spamloop.config import load_config
from spamloop.settings.label import LabelConfig
from tasks.label.pipeline import run_labeling

state_dir, config_json, messages_path = sys.argv[1:4]
run_labeling(
    load_config(state_dir=state_dir),
    pl.read_parquet(messages_path),
    label_config=LabelConfig.model_validate_json(config_json),
    include_seed=False,
)
"""

TEXTS = ["카지노 1", "대출 2", "점심 3", "택배 4", "회의 5", "토토 6"]


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_asks_only_for_unfinished_batches(config, llm_server, tmp_path):
    openai_only = llm_server.provider_configs(api_key=None, max_concurrency=1)[:1]
    label_config = LabelConfig(providers=openai_only, batch_size=2, budget_usd=None)
    messages = messages_frame(TEXTS)
    messages_path = tmp_path / "messages.parquet"
    messages.write_parquet(messages_path)
    llm_server.fail_next("openai", "none")  # request 1 is answered at once
    llm_server.fail_next("openai", "slow", delay_s=30.0)  # request 2 is in flight when the kill comes

    env = {**CHILD_ENV, "OPENAI_API_KEY": API_KEY}
    kill_when_ready(
        [sys.executable, "-c", CHILD, str(config.state_dir), label_config.model_dump_json(), str(messages_path)],
        lambda: len(llm_server.requests_for()) >= 2,  # request 2 is in flight
        timeout_s=120,
        env=env,
    )

    with LabelStore.for_config(config) as store:
        assert store.count("llm_votes") == 2, "the answered batch was cached before the kill"
        assert store.count("ensemble_labels") == 0
    llm_server.clear()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", API_KEY)
        result = run_labeling(config, messages, label_config=label_config, include_seed=False)
    resent = [t for r in llm_server.requests_for() for t in prompt_texts(r)]
    assert sorted(resent) == sorted(TEXTS[2:]), "only the unfinished messages are asked again"
    assert result.cache_hits == 2 and result.decided == 6
    assert final_labels(config, include_seed=False).height == 6

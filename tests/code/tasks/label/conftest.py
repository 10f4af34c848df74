"""Fixtures for the label stage: a local LLM server and a LabelConfig whose providers point at it."""

from __future__ import annotations

import pytest

from spamloop.settings.label import LabelConfig
from tests.support.llm_server import LLMServer


@pytest.fixture
def label_config(llm_server: LLMServer) -> LabelConfig:
    """Three providers on the local server, each voting on every message (routing off: test_label_levers turns it
    on), 4 messages per request, fast backoff, $1 budget."""
    return LabelConfig(
        providers=llm_server.provider_configs(),
        tiebreak_providers=[],
        batch_size=4,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        budget_usd=1.0,
    )

"""The local wire-format LLM server for tests: the product's ``tasks/replay/llm_server.py`` plus test data helpers.

The server itself lives in the product (``spamloop replay`` starts it as its simulated providers); tests import
it from here, with ``messages_frame`` for small snapshot-shaped frames.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from tasks.replay.llm_server import (  # noqa: F401 - re-exported for the tests
    API_KEY,
    INJECTION_MARKERS,
    KEYWORD_RULES,
    Fault,
    LLMServer,
    RecordedRequest,
    ServerState,
    Simulation,
    SimProvider,
    _prompt_parts,
    classify,
    prompt_texts,
)


def messages_frame(
    texts: list[str], campaigns: list[str | None] | None = None, id_offset: int = 0
) -> pl.DataFrame:
    """Messages in the snapshot schema whose texts are already PII-free (text_for_llm = text).

    ``campaigns`` names a campaign per message (None: its own); the first member is the representative.
    """
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [f"{i:016x}" for i in range(id_offset + 1, id_offset + len(texts) + 1)]
    names = campaigns or [None] * len(texts)
    first_of: dict[str, str] = {}
    campaign_ids = []
    is_rep = []
    for message_id, name in zip(ids, names):
        key = name if name is not None else message_id
        is_rep.append(key not in first_of)
        first_of.setdefault(key, message_id)
        campaign_ids.append(first_of[key])
    return pl.DataFrame(
        {
            "message_id": ids,
            "text": texts,
            "text_norm": texts,
            "text_model": texts,
            "text_for_llm": texts,
            "url_domains": [[] for _ in texts],
            "lang": ["ko"] * len(texts),
            "campaign_id": campaign_ids,
            "is_campaign_rep": is_rep,
            "first_seen_at": [start + timedelta(minutes=i) for i in range(len(texts))],
            "report_count": [1] * len(texts),
            "user_spam_reports": [0] * len(texts),
            "user_ham_reports": [0] * len(texts),
            "is_synthetic": [False] * len(texts),
            "ingest_run_id": ["test"] * len(texts),
        },
        schema_overrides={"url_domains": pl.List(pl.String)},
    )

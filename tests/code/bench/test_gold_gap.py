"""bench/gold_gap.py's contact-share rewrite: only SMS-like hams change, about the asked share, and the text contract
reads the added number as a phone number."""

from __future__ import annotations

import numpy as np
import polars as pl

from bench.gold_gap import with_contact_lines
from models.normalization import model_text


def test_with_contact_lines_gives_a_share_of_the_sms_like_hams_one_phone_number_and_leaves_the_rest_alone():
    n = 2_000
    frame = pl.DataFrame({
        "message_id": [f"{i:016x}" for i in range(n)],
        "text": [f"message {i}" if i % 2 else f"메시지 {i}" for i in range(n)],
        "lang": ["en" if i % 2 else "ko" for i in range(n)],
        "corpus": [("ko_chatbot_ham", "ko_synthetic_sms", "uci_sms_spam", "ko_synthetic_sms")[i % 4] for i in range(n)],
    })
    is_spam = np.asarray([i % 5 == 0 for i in range(n)])
    unchanged, none = with_contact_lines(frame, is_spam, 0.0)
    assert none == 0 and unchanged == frame["text"].to_list()
    texts, changed = with_contact_lines(frame, is_spam, 0.2)
    moved = [i for i in range(n) if texts[i] != frame["text"][i]]
    assert len(moved) == changed
    eligible = [i for i in range(n) if not is_spam[i] and frame["corpus"][i] != "ko_chatbot_ham"]
    assert set(moved) <= set(eligible)  # never spam, never a chatbot question
    assert 0.15 <= changed / len(eligible) <= 0.25
    for i in moved:
        assert texts[i].startswith(frame["text"][i]) and "[PHONE]" not in texts[i]
        assert model_text(texts[i]).count("[PHONE]") == 1
    assert with_contact_lines(frame, is_spam, 0.2) == (texts, changed)  # deterministic

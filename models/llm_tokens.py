"""LLM token counts for dry-run estimates and budget reservations (label) and simulated usage (replay).

tiktoken's cl100k_base is used when its BPE file is already on disk (``TIKTOKEN_CACHE_DIR`` or
tiktoken's default cache): tiktoken downloads it otherwise, and runs must not reach the network.
Without it a deterministic approximation is used, calibrated on cl100k's behaviour: ASCII words
of ~4 characters per token, digit groups of up to 3, one token per Hangul syllable (cl100k needs
1-2), one per other symbol. Billing never uses this: the ledger takes the APIs' own usage fields.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

_APPROX_PIECES = re.compile(r"[A-Za-z]+|\d{1,3}|[\uac00-\ud7a3]|\s+|[^\sA-Za-z\d\uac00-\ud7a3]")
# sha1 of the cl100k_base URL: the file name tiktoken caches it under.
_CL100K_CACHE_NAME = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"


def _approx_count(text: str) -> int:
    count = 0
    for piece in _APPROX_PIECES.findall(text):
        if piece[0].isspace():
            # cl100k folds a single space into the next word; longer runs cost a token.
            count += 0 if len(piece) == 1 else 1
        elif piece[0].isascii() and piece[0].isalpha():
            count += max(1, (len(piece) + 3) // 4)
        else:
            count += 1
    return count


def _cached_tiktoken() -> Callable[[str], int] | None:
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    candidates = [Path(cache_dir)] if cache_dir else []
    candidates.append(Path(tempfile.gettempdir()) / "data-gym-cache")
    if not any((d / _CL100K_CACHE_NAME).is_file() for d in candidates):
        return None
    try:
        import tiktoken

        encoding = tiktoken.get_encoding("cl100k_base")
    except Exception:  # a corrupt cache must not stop a run; fall back to the approximation
        return None
    return lambda text: len(encoding.encode(text, disallowed_special=()))


@functools.lru_cache(maxsize=1)
def _counter() -> tuple[str, Callable[[str], int]]:
    exact = _cached_tiktoken()
    if exact is not None:
        return "tiktoken-cl100k", exact
    return "approx-cl100k", _approx_count


def count_tokens(text: str) -> int:
    """Tokens of ``text`` (cl100k_base if available offline, else the documented approximation)."""
    return _counter()[1](text)


def token_counter_name() -> str:
    """Which counter ``count_tokens`` uses: 'tiktoken-cl100k' or 'approx-cl100k'."""
    return _counter()[0]

"""Batch scoring: spam probabilities from a registered pyfunc model, checked, as label and evaluate both need them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def spam_scores(model: Any, texts: Sequence[str], batch_size: int) -> np.ndarray:
    """Spam probabilities from a pyfunc model whose predict takes raw texts; checks shape and range."""
    parts = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start : start + batch_size])
        output = np.asarray(model.predict(batch), dtype=np.float64)
        if output.ndim == 2 and output.shape[1] == 1:
            output = output[:, 0]
        if output.shape != (len(batch),):
            raise ValueError(f"model returned shape {output.shape} for {len(batch)} texts; expected one spam probability each")
        parts.append(output)
    scores = np.concatenate(parts) if parts else np.zeros(0)
    if scores.size and (np.isnan(scores).any() or scores.min() < 0 or scores.max() > 1):
        raise ValueError("model scores must be probabilities in [0, 1]")
    return scores

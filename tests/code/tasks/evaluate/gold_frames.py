"""Small gold-like frames with known counts, and models that flag exactly the rows a test chooses."""

from __future__ import annotations

import numpy as np
import polars as pl

from tasks.evaluate.metrics import GoldBootstrap, GoldMeasurement

Block = tuple[str, str]  # (lang, label)


def gold_frame(
    sizes: dict[Block, int], category_group: dict[Block, str] | None = None, synthetic: dict[Block, int] | None = None
) -> pl.DataFrame:
    """Rows block by block in the order given; every slice column present (no URL, nothing obfuscated).
    ``synthetic`` makes the LAST k rows of a block synthetic (the rest is real)."""
    category_group, synthetic = category_group or {}, synthetic or {}
    rows = []
    for (lang, label), size in sizes.items():
        group = category_group.get((lang, label), "smishing" if label == "spam" else "personal")
        first_synthetic = size - synthetic.get((lang, label), 0)
        rows += [
            {"lang": lang, "label": label, "category_group": group, "is_synthetic": i >= first_synthetic} for i in range(size)
        ]
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        message_id=pl.Series([f"m{i:05d}" for i in range(frame.height)]),
        has_url=pl.lit(False),
        is_obfuscated=pl.lit(False),
    )


def first_rows_flagged(frame: pl.DataFrame, flagged: dict[Block, int | range]) -> np.ndarray:
    """Flags the first k rows of each (lang, label) block, or the given positions within it: models built with
    counts nest (the first k-1 rows within the first k)."""
    flags = np.zeros(frame.height, dtype=bool)
    lang, label = frame["lang"].to_numpy(), frame["label"].to_numpy()
    for (block_lang, block_label), which in flagged.items():
        rows = np.flatnonzero((lang == block_lang) & (label == block_label))
        flags[rows[:which] if isinstance(which, int) else rows[list(which)]] = True
    return flags


def scores_from_flags(flags: np.ndarray, seed: int = 0) -> np.ndarray:
    """Scores >= 0.5 exactly where flagged (spread, so PR-AUC is defined and not trivially 1)."""
    spread = np.random.default_rng(seed).random(flags.size) * 0.45
    return np.where(flags, 0.5 + spread, spread)


def measure(bootstrap: GoldBootstrap, flags: np.ndarray) -> GoldMeasurement:
    return bootstrap.measure(scores_from_flags(flags), 0.5, pr_auc_scopes=["all"])

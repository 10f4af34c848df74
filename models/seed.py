"""Seed labels from the bundled labelled corpora (``data/seed/*.tsv``).

Seed labels are the lowest-priority labels in the store (human > llm-ensemble > seed); label, train and evaluate
all read them. The gold/evaluation set is chosen from the seed messages by a fixed rule (models/gold_rule.py);
those messages never appear in the raw-log sample, so no stage ever trains on them by way of ingest.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from models.normalization import normalize_frame

SEED_LABEL_SOURCE = "seed"
LABELS = ("ham", "spam")
# Corpora made by the synthetic generator (tasks/sample/synth_ko_v2.py); everything else under data/seed is real,
# licensed data.
SYNTHETIC_CORPORA = frozenset({"ko_synthetic_sms"})
SEED_LABEL_SCHEMA: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "text": pl.String(),
    "text_norm": pl.String(),
    "text_model": pl.String(),
    "label": pl.String(),
    "label_source": pl.String(),
    "category": pl.String(),
    "subtype": pl.String(),
    "lang": pl.String(),
    "is_synthetic": pl.Boolean(),
    "corpus": pl.String(),
}


def read_seed_tsv(path: Path) -> pl.DataFrame:
    """One seed TSV as strings: ``label``, ``category`` and ``subtype`` (null when the file has none), ``text``.

    The files contain no tab or newline inside a text and quotes are literal, so quoting is off.
    """
    frame = pl.read_csv(path, separator="\t", quote_char=None, infer_schema=False, encoding="utf8")
    missing = {"label", "text"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: missing columns {sorted(missing)}")
    for optional in ("category", "subtype"):
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(optional))
    bad_labels = frame.filter(~pl.col("label").is_in(LABELS))
    if bad_labels.height:
        raise ValueError(f"{path.name}: labels outside {LABELS}: {bad_labels['label'].unique().to_list()[:5]}")
    return frame.select("label", "category", "subtype", "text")


def load_seed_labels(seed_dir: Path) -> pl.DataFrame:
    """Every labelled row of ``seed_dir/*.tsv`` (files in name order), normalised, one row per message.

    Columns: ``message_id, text, text_norm, text_model, label, label_source ("seed"), category, subtype, lang,
    is_synthetic, corpus`` (corpus = file stem). Rows whose texts normalise to the same message keep the first one; a
    message given both labels (by different rows) is dropped, since neither label can be trusted.
    """
    paths = sorted(Path(seed_dir).glob("*.tsv"))
    if not paths:
        raise FileNotFoundError(f"no seed TSV files in {seed_dir}")
    frames = [
        read_seed_tsv(path).with_columns(
            pl.lit(path.stem).alias("corpus"),
            pl.lit(path.stem in SYNTHETIC_CORPORA).alias("is_synthetic"),
        )
        for path in paths
    ]
    rows = normalize_frame(pl.concat(frames, how="vertical"), text_col="text")
    label_counts = rows.group_by("message_id").agg(pl.col("label").n_unique().alias("n_labels"))
    conflicting = label_counts.filter(pl.col("n_labels") > 1).select("message_id")
    rows = rows.join(conflicting, on="message_id", how="anti", maintain_order="left")
    rows = rows.unique(subset="message_id", keep="first", maintain_order=True)
    return rows.with_columns(pl.lit(SEED_LABEL_SOURCE).alias("label_source")).select(
        [pl.col(name).cast(dtype) for name, dtype in SEED_LABEL_SCHEMA.items()]
    )

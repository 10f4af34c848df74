"""Training-set assembly: snapshot messages joined with final labels, or the bundled seed labels on their own."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, Field

from models.label_prompt import PROMPT_VERSION
from models.seed import load_seed_labels
from tasks.train.splits import drop_gold_holdout

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEED_DIR = REPO_ROOT / "data" / "seed"
LABELS = ("ham", "spam")
# What the trainer reads. Raw ``text`` is deliberately absent: it may hold PII and never leaves ingest.
# ``text_model`` is what both models read; ``text_norm`` (no URL hosts) only keys campaigns for the splits.
TRAINING_COLUMNS: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "text_norm": pl.String(),
    "text_model": pl.String(),
    "label": pl.String(),
    "lang": pl.String(),
    "campaign_id": pl.String(),
    "label_source": pl.String(),
    "is_synthetic": pl.Boolean(),
    # The label's category (models/categories.py), null when unknown: the operating threshold can hold the target
    # ham FPR on the transactional notices on their own (TrainConfig.threshold_rule).
    "category": pl.String(),
}


class DatasetLineage(BaseModel):
    """Where a training frame came from; logged to MLflow as the dataset name, digest and tags."""

    source: str = Field(description='"snapshot", "seed" or "given" (a frame passed in by the caller).')
    name: str = Field(description="Dataset name in MLflow.")
    digest: str = Field(description="Snapshot id, or a content digest over (message_id, label) pairs.")
    snapshot_id: str | None = Field(default=None, description="Ingest snapshot the messages came from, if any.")
    prompt_version: str = Field(default="none", description='Labelling prompt version of LLM labels, or "none".')


def content_digest(frame: pl.DataFrame) -> str:
    """Order-independent digest of the (message_id, label) pairs: changes whenever a row or a label does."""
    pairs = sorted(zip(frame["message_id"].to_list(), frame["label"].to_list(), strict=True))
    hasher = hashlib.sha256()
    for message_id, label in pairs:
        hasher.update(f"{message_id}\t{label}\n".encode())
    return hasher.hexdigest()[:16]


def to_training_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Select/cast TRAINING_COLUMNS (missing optional ones become null/false); validate labels and ids."""
    for required in ("message_id", "text_norm", "text_model", "label", "lang"):
        if required not in frame.columns:
            raise ValueError(f"training frame lacks column {required!r}")
    defaults: dict[str, pl.Expr] = {
        "campaign_id": pl.lit(None, pl.String),
        "label_source": pl.lit("unknown", pl.String),
        "is_synthetic": pl.lit(False, pl.Boolean),
        "category": pl.lit(None, pl.String),
    }
    selected = frame.select(
        [
            (pl.col(name) if name in frame.columns else defaults[name]).cast(dtype).alias(name)
            for name, dtype in TRAINING_COLUMNS.items()
        ]
    ).with_columns(pl.col("is_synthetic").fill_null(False))
    bad_labels = selected.filter(~pl.col("label").is_in(LABELS) | pl.col("label").is_null())
    if bad_labels.height:
        raise ValueError(f"{bad_labels.height} rows have a label outside {LABELS}")
    if selected["message_id"].n_unique() != selected.height:
        raise ValueError("message_id must be unique in a training frame")
    return selected.filter(pl.col("text_model").str.strip_chars().str.len_chars() > 0)


def assemble_training_set(messages: pl.DataFrame, final_labels: pl.DataFrame) -> pl.DataFrame:
    """Labelled snapshot messages, gold holdout (and its campaigns) removed.

    Inner join on message_id: a message without a final label is never assumed ham. final_labels already
    applied the human > llm-ensemble > seed priority, so each message has at most one label.
    """
    labels = final_labels.select("message_id", "label", "label_source", *(["category"] if "category" in final_labels.columns else []))
    carried = ("label", "label_source", "category") if "category" in labels.columns else ("label", "label_source")
    joined = messages.drop([name for name in carried if name in messages.columns]).join(
        labels, on="message_id", how="inner"
    )
    return drop_gold_holdout(to_training_columns(joined))


def training_set_from_seed(seed_labels: pl.DataFrame) -> pl.DataFrame:
    """The bundled seed corpora as a training frame (gold holdout removed): the path used before any ingest."""
    return drop_gold_holdout(to_training_columns(seed_labels))


def load_seed_frame(seed_dir: Path | None = None) -> pl.DataFrame:
    """All bundled seed labels, gold holdout included (the bench evaluates on it; training must drop it)."""
    return load_seed_labels(seed_dir or DEFAULT_SEED_DIR)


def _prompt_version_for(labels: pl.DataFrame) -> str:
    if "llm-ensemble" not in labels["label_source"].to_list():
        return "none"
    return PROMPT_VERSION


def load_training_data(config: Any, seed_dir: Path | None = None) -> tuple[pl.DataFrame, DatasetLineage]:
    """Every labelled message: the newest snapshot's messages with final labels, plus the seed corpora.

    A message in both keeps the snapshot's label (final_labels already ranks human > llm-ensemble > seed).
    Gold messages and every training row sharing a gold campaign (template key) are removed, then asserted absent.
    """
    from models.gold import assert_disjoint_from_gold, drop_gold_overlap, load_gold
    from tasks.ingest.snapshot import latest_snapshot_id, load_snapshot

    seed_dir = seed_dir or getattr(config, "seed_dir", None)
    frame = training_set_from_seed(load_seed_frame(seed_dir))
    snapshot_id = latest_snapshot_id(config)
    if snapshot_id is not None:
        from tasks.label.store import final_labels

        labelled = assemble_training_set(load_snapshot(config, snapshot_id), final_labels(config, seed_dir=seed_dir))
        seed_only = frame.filter(~pl.col("message_id").is_in(labelled["message_id"].implode()))
        frame = pl.concat([labelled, seed_only], how="vertical_relaxed")
    gold = load_gold(config.evaluate.gold_version, config.evaluate.gold_dir)
    frame = drop_gold_overlap(frame, gold)
    assert_disjoint_from_gold(frame, gold)
    if snapshot_id is None:
        lineage = DatasetLineage(source="seed", name="seed", digest=content_digest(frame))
    else:
        lineage = DatasetLineage(
            source="snapshot",
            name=f"snapshot-{snapshot_id}+seed",
            digest=content_digest(frame),
            snapshot_id=snapshot_id,
            prompt_version=_prompt_version_for(frame),
        )
    logger.info("training frame: %d rows (%s), gold %s overlap removed", frame.height, lineage.name, gold.version)
    return frame, lineage
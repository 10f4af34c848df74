"""Champion scoring for the labelling cascade: the model on phones scores the unlabelled messages first.

The label flow cuts the messages into chunks and scores each chunk in its own task (a Dask worker when
configured); each chunk loads the champion once. The scores feed ``select_for_labelling``: messages the
champion is sure of are not sent to the LLMs (except a stable audit sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from models.scoring import spam_scores
from tasks.label.engine import process_label

SCORE_COLUMN = "spam_probability"


@dataclass
class ScoredChunk:
    """One chunk's scores (``message_id``, ``spam_probability``) and the process that computed them."""

    scores: pl.DataFrame
    process: str


def unlabelled_texts(messages: pl.DataFrame, labelled_ids: set[str]) -> pl.DataFrame:
    """``message_id, text`` of the snapshot messages without a final label (the only ones worth scoring)."""
    # text_model is PII-free and model_text leaves it unchanged, so workers never see raw text.
    column = "text_model" if "text_model" in messages.columns else "text"
    frame = messages.unique(subset="message_id", keep="first", maintain_order=True)
    return frame.filter(~pl.col("message_id").is_in(list(labelled_ids))).select("message_id", pl.col(column).alias("text"))


def chunks(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """Consecutive slices of at most ``size`` rows."""
    return [frame.slice(start, size) for start in range(0, frame.height, size)]


def score_chunk(tracking_uri: str, model_uri: str, chunk: pl.DataFrame, batch_size: int = 256) -> ScoredChunk:
    """Load the model (raw texts in, spam probabilities out) and score one chunk of ``message_id, text``."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    model = mlflow.pyfunc.load_model(model_uri)
    scores = spam_scores(model, chunk["text"].to_list(), batch_size)
    frame = pl.DataFrame({"message_id": chunk["message_id"], SCORE_COLUMN: pl.Series(scores, dtype=pl.Float64)})
    return ScoredChunk(frame, process_label())

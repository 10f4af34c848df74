"""Deterministic train/dev splits that keep whole near-duplicate campaigns together."""

from __future__ import annotations

import hashlib

import polars as pl

from models.gold_rule import is_gold_holdout
from models.normalization import template_key

SPLIT_TRAIN = "train"
SPLIT_DEV = "dev"


def hash_unit(key: str, seed: int) -> float:
    """A stable number in [0, 1) from a key and a seed (sha256; independent of PYTHONHASHSEED and row order)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def with_campaign_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``campaign_key``: rows of one near-duplicate campaign share it.

    A row's key is its ingest ``campaign_id``; a row without one (seed rows never ingested) takes the campaign_id
    of a row with the same ``template_key`` (numbers, punctuation and case aside), else its template key, else its
    message id. Keyed by message id, the fill-ins of one template straddled train and dev, so dev measured
    memorised templates while the gold set holds out whole templates (and thresholds chosen there were too low).
    """
    templates = [template_key(text) or None for text in frame["text_norm"].to_list()]
    keyed = frame.with_columns(pl.Series("_template", templates, dtype=pl.String))
    campaign = pl.col("campaign_id") if "campaign_id" in frame.columns else pl.lit(None, pl.String)
    keyed = keyed.with_columns(campaign.cast(pl.String).alias("_campaign"))
    campaign_of_template = (
        keyed.filter(pl.col("_campaign").is_not_null() & pl.col("_template").is_not_null())
        .group_by("_template")
        .agg(pl.col("_campaign").min().alias("_template_campaign"))
    )
    keyed = keyed.join(campaign_of_template, on="_template", how="left", maintain_order="left")
    key = pl.coalesce(
        pl.col("_campaign"), pl.col("_template_campaign"), pl.lit("template:") + pl.col("_template"), pl.col("message_id")
    )
    return keyed.with_columns(key.alias("campaign_key")).drop("_template", "_campaign", "_template_campaign")


def drop_gold_holdout(frame: pl.DataFrame) -> pl.DataFrame:
    """Remove gold-holdout messages and every member of a campaign that contains one.

    A campaign sibling of a gold message is a near-copy of it: training on it would leak the gold set.
    """
    keyed = with_campaign_key(frame)
    gold_mask = pl.Series([is_gold_holdout(message_id) for message_id in keyed["message_id"].to_list()], dtype=pl.Boolean)
    gold_campaigns = keyed.filter(gold_mask)["campaign_key"].unique()
    return keyed.filter(~pl.col("campaign_key").is_in(gold_campaigns.implode())).drop("campaign_key")


def assert_no_gold(frame: pl.DataFrame) -> None:
    """Raise if any row is a gold-holdout message. Called right before the encoder and the baseline are fit."""
    leaked = [message_id for message_id in frame["message_id"].to_list() if is_gold_holdout(message_id)]
    if leaked:
        raise AssertionError(f"{len(leaked)} gold-holdout messages in a training split (first: {leaked[0]})")


def assign_splits(frame: pl.DataFrame, dev_fraction: float, seed: int) -> pl.DataFrame:
    """Add ``split`` ("train" | "dev") by hashing each row's campaign key: deterministic, order-free, campaign-whole."""
    keyed = with_campaign_key(frame)
    buckets = [hash_unit(key, seed) for key in keyed["campaign_key"].to_list()]
    split = pl.Series("split", [SPLIT_DEV if bucket < dev_fraction else SPLIT_TRAIN for bucket in buckets], dtype=pl.String)
    return keyed.with_columns(split).drop("campaign_key")


def deterministic_subsample(frame: pl.DataFrame, rows: int, seed: int) -> pl.DataFrame:
    """The ``rows`` rows with the smallest hash of message_id: the same rows every time, whatever the input order."""
    if frame.height <= rows:
        return frame
    order = pl.Series("_order", [hash_unit(message_id, seed + 1) for message_id in frame["message_id"].to_list()])
    return frame.with_columns(order).sort("_order").head(rows).drop("_order")


def oversample_languages(
    texts: list[str], labels: list[int], langs: list[str], max_factor: int
) -> tuple[list[str], list[int]]:
    """Repeat rows of smaller languages (up to ``max_factor`` times) so no language is drowned out.

    The bundled corpus is ~3/4 Korean; without this, the English quarter gets too few updates for a
    from-scratch encoder to catch up with a character n-gram baseline. Deterministic: whole repeats only.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    indices = oversample_indices(langs, max_factor)
    return [texts[i] for i in indices], [labels[i] for i in indices]


def oversample_indices(langs: list[str], max_factor: int) -> list[int]:
    """Row indices of :func:`oversample_languages` (so per-row extras such as teacher scores follow their row)."""
    if max_factor <= 1 or not langs:
        return list(range(len(langs)))
    counts: dict[str, int] = {}
    for lang in langs:
        counts[lang] = counts.get(lang, 0) + 1
    largest = max(counts.values())
    repeats = {lang: max(1, min(max_factor, round(largest / count))) for lang, count in counts.items()}
    return [index for index, lang in enumerate(langs) for _ in range(repeats[lang])]

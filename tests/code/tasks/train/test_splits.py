"""Splits are deterministic by id, keep campaigns whole, and never let the gold holdout into training."""

from __future__ import annotations

import polars as pl
import pytest

from models.gold_rule import is_gold_holdout
from spamloop.settings.train import TrainConfig
from tasks.train.dataset import assemble_training_set, content_digest, training_set_from_seed
from tasks.train.pipeline import split_frame
from tasks.train.splits import assert_no_gold, assign_splits, drop_gold_holdout


def _campaign_frame(seed_sample: pl.DataFrame) -> pl.DataFrame:
    """Fixture rows with every 5 consecutive (by id) spam messages forming one campaign."""
    ordered = seed_sample.sort("message_id").with_row_index("row")
    campaign = (
        pl.when(pl.col("label") == "spam")
        .then(pl.lit("camp-") + (pl.col("row") // 5).cast(pl.String))
        .otherwise(pl.lit(None, pl.String))
    )
    return ordered.with_columns(campaign.alias("campaign_id")).drop("row")


def test_assignment_is_deterministic_and_order_free(seed_sample):
    first = assign_splits(seed_sample, dev_fraction=0.2, seed=7)
    shuffled = assign_splits(seed_sample.sample(fraction=1.0, shuffle=True, seed=3), dev_fraction=0.2, seed=7)
    by_id = dict(zip(first["message_id"], first["split"], strict=True))
    assert all(by_id[mid] == split for mid, split in zip(shuffled["message_id"], shuffled["split"], strict=True))
    dev_share = (first["split"] == "dev").mean()
    assert 0.12 < dev_share < 0.28
    other_seed = assign_splits(seed_sample, dev_fraction=0.2, seed=8)
    assert other_seed["split"].to_list() != first["split"].to_list()


def test_campaigns_stay_in_one_split(seed_sample):
    frame = _campaign_frame(seed_sample)
    split = assign_splits(frame, dev_fraction=0.3, seed=1)
    per_campaign = split.filter(pl.col("campaign_id").is_not_null()).group_by("campaign_id").agg(pl.col("split").n_unique())
    assert per_campaign.height > 20
    assert per_campaign["split"].max() == 1
    assert set(split.filter(pl.col("campaign_id").is_not_null())["split"]) == {"train", "dev"}


def _fill_ins(seed_sample: pl.DataFrame, templates: int, per_template: int) -> pl.DataFrame:
    """``per_template`` texts per seed text that differ only in a number, as one template's fill-ins do; no campaign_id."""
    from models.normalization import message_id

    bases = seed_sample.filter(pl.col("text_norm").str.len_chars() > 20).head(templates)
    rows = [
        {"message_id": message_id(f"{text} {1000 + 37 * copy}"), "text_norm": f"{text} {1000 + 37 * copy}", "label": label, "lang": lang}
        for text, label, lang in bases.select("text_norm", "label", "lang").iter_rows()
        for copy in range(per_template)
    ]
    return pl.DataFrame(rows).with_columns(pl.lit(None, pl.String).alias("campaign_id"))


def test_fill_ins_of_one_template_stay_in_one_split_without_a_campaign_id(seed_sample):
    frame = _fill_ins(seed_sample, templates=60, per_template=4)
    split = assign_splits(frame, dev_fraction=0.3, seed=1)
    splits_per_template = split.with_columns(pl.col("text_norm").str.replace(r" \d+$", "").alias("base")).group_by("base").agg(
        pl.col("split").n_unique()
    )
    assert splits_per_template.height == 60
    assert splits_per_template["split"].max() == 1
    assert set(split["split"]) == {"train", "dev"}


def test_a_seed_row_follows_the_ingest_campaign_of_its_template(seed_sample):
    frame = _fill_ins(seed_sample, templates=60, per_template=2)
    # The first fill-in of each template was ingested (has a campaign id, hashed apart from its template); the second not.
    ingested = pl.int_range(pl.len()) % 2 == 0
    frame = frame.with_columns(
        pl.when(ingested).then(pl.lit("campaign-") + pl.col("message_id")).otherwise(None).alias("campaign_id")
    )
    split = assign_splits(frame, dev_fraction=0.5, seed=3)
    pairs = split["split"].to_list()
    assert all(pairs[i] == pairs[i + 1] for i in range(0, len(pairs), 2))


def test_gold_ids_and_their_campaigns_are_dropped(seed_sample):
    frame = _campaign_frame(seed_sample)
    gold_ids = [mid for mid in frame["message_id"] if is_gold_holdout(mid)]
    assert gold_ids, "fixture should contain gold-holdout rows"
    gold_campaigns = set(frame.filter(pl.col("message_id").is_in(gold_ids))["campaign_id"].drop_nulls())
    assert gold_campaigns, "fixture should contain a campaign with a gold member"
    kept = drop_gold_holdout(frame)
    assert not any(is_gold_holdout(mid) for mid in kept["message_id"])
    assert not set(kept["campaign_id"].drop_nulls()) & gold_campaigns
    assert kept.height == frame.filter(
        ~pl.col("message_id").is_in(gold_ids) & ~pl.col("campaign_id").is_in(list(gold_campaigns)).fill_null(False)
    ).height


def test_split_frame_never_trains_on_gold(seed_sample):
    train_split, dev_split = split_frame(_campaign_frame(seed_sample), TrainConfig(dev_fraction=0.25), seed=13)
    for split in (train_split, dev_split):
        assert not any(is_gold_holdout(mid) for mid in split["message_id"])
    assert not set(train_split["message_id"]) & set(dev_split["message_id"])
    assert not set(train_split["campaign_id"].drop_nulls()) & set(dev_split["campaign_id"].drop_nulls())


def test_assert_no_gold_raises_on_a_gold_row(seed_sample):
    gold_row = seed_sample.filter(pl.col("message_id").map_elements(is_gold_holdout, return_dtype=pl.Boolean)).head(1)
    assert gold_row.height == 1
    assert_no_gold(drop_gold_holdout(seed_sample))
    with pytest.raises(AssertionError, match="gold-holdout"):
        assert_no_gold(pl.concat([drop_gold_holdout(seed_sample), gold_row]))


def test_assemble_training_set_inner_joins_and_drops_gold(seed_sample):
    messages = seed_sample.select("message_id", "text", "text_norm", "text_model", "lang", "is_synthetic").with_columns(
        pl.lit(None, pl.String).alias("campaign_id")
    )
    labelled = seed_sample.head(400)
    final_labels = labelled.select(
        "message_id", "label", pl.lit("llm-ensemble").alias("label_source"), "category", pl.lit(0.9).alias("confidence")
    )
    assembled = assemble_training_set(messages, final_labels)
    expected_ids = {mid for mid in labelled["message_id"] if not is_gold_holdout(mid)}
    assert set(assembled["message_id"]) == expected_ids  # unlabelled messages are not treated as ham
    assert "text" not in assembled.columns  # raw text (possible PII) never enters training
    assert set(assembled["label_source"]) == {"llm-ensemble"}
    by_id = dict(zip(labelled["message_id"], labelled["label"], strict=True))
    assert all(by_id[mid] == label for mid, label in zip(assembled["message_id"], assembled["label"], strict=True))


def test_seed_path_and_digest(seed_sample):
    frame = training_set_from_seed(seed_sample)
    assert frame.height < seed_sample.height
    assert content_digest(frame) == content_digest(frame.reverse())
    flipped = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("spam")).otherwise(pl.col("label")).alias("label")
    )
    if frame["label"][0] == "spam":
        flipped = flipped.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("ham")).otherwise(pl.col("label")).alias("label"))
    assert content_digest(flipped) != content_digest(frame)


def test_oversample_languages_repeats_the_smaller_language_up_to_the_cap():
    from tasks.train.splits import oversample_languages

    texts = [f"ko{i}" for i in range(9)] + ["en0", "en1"]
    labels = [0] * 9 + [1, 0]
    langs = ["ko"] * 9 + ["en"] * 2
    out_texts, out_labels = oversample_languages(texts, labels, langs, max_factor=3)
    assert out_texts.count("en0") == 3 and out_texts.count("ko0") == 1
    assert out_labels[out_texts.index("en0")] == 1 and len(out_texts) == len(out_labels) == 9 + 6
    assert oversample_languages(texts, labels, langs, max_factor=1) == (texts, labels)

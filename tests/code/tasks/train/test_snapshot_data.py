"""load_training_data picks the newest snapshot joined with final labels (human beats seed), gold removed."""

from __future__ import annotations

import hashlib

import polars as pl

from models.gold import assert_disjoint_from_gold, gold_keys, load_gold
from models.gold_rule import is_gold_holdout
from models.normalization import NORMALIZATION_VERSION, template_key
from tasks.ingest.snapshot import SnapshotPart, write_snapshot
from tasks.label.store import LabelStore
from tasks.train.dataset import content_digest, load_training_data
from tests.conftest import REPO_ROOT

SEED_DIR = REPO_ROOT / "data" / "seed"


def test_snapshot_path_uses_final_labels_and_drops_gold(config, seed_sample):
    # A message part as norm-v1 wrote it, without text_model: loading derives it from the stored raw text.
    messages = seed_sample.select(
        "message_id", "text", "text_norm", "lang", "is_synthetic", pl.col("message_id").alias("campaign_id")
    )
    part_path = config.paths.corpus / "messages" / "part-test.parquet"
    part_path.parent.mkdir(parents=True, exist_ok=True)
    messages.write_parquet(part_path)
    part = SnapshotPart(
        path=str(part_path.relative_to(config.state_dir)),
        sha256=hashlib.sha256(part_path.read_bytes()).hexdigest(),
        rows=messages.height,
    )
    manifest, _ = write_snapshot(config, [part], [], NORMALIZATION_VERSION, {"messages": messages.height})

    # A reviewer flips ten ham messages to spam: human beats the seed label.
    flipped = seed_sample.filter(pl.col("label") == "ham").sort("message_id").head(10)["message_id"].to_list()
    with LabelStore.for_config(config) as store:
        store.put_human_verdicts([{"message_id": mid, "label": "spam", "reviewer": "t"} for mid in flipped], "review.csv")

    frame, lineage = load_training_data(config, seed_dir=SEED_DIR)
    assert lineage.source == "snapshot" and lineage.snapshot_id == manifest.snapshot_id
    assert lineage.digest == content_digest(frame)
    assert lineage.prompt_version == "none"
    assert "text" not in frame.columns
    assert not any(is_gold_holdout(mid) for mid in frame["message_id"])
    # Snapshot messages with labels, plus the rest of the seed corpora; never a gold message or gold campaign.
    gold = load_gold(config.evaluate.gold_version)
    gold_ids, gold_templates = gold_keys(gold)
    snapshot_ids = {mid for mid in seed_sample["message_id"] if not is_gold_holdout(mid) and mid not in gold_ids}
    template_of = dict(zip(seed_sample["message_id"], (template_key(t) for t in seed_sample["text_norm"]), strict=True))
    dropped = snapshot_ids - set(frame["message_id"])
    assert dropped == {mid for mid in snapshot_ids if template_of[mid] in gold_templates}, "only gold-campaign siblings dropped"
    assert len(dropped) < 0.1 * len(snapshot_ids)
    assert frame.height > len(snapshot_ids), "seed corpora beyond the snapshot are included"
    assert_disjoint_from_gold(frame, gold)
    by_id = {row["message_id"]: row for row in frame.iter_rows(named=True)}
    for mid in flipped:
        if mid in by_id:
            assert by_id[mid]["label"] == "spam" and by_id[mid]["label_source"] == "human"
    assert {"seed", "human"} == set(frame["label_source"])
    # Each label's category comes along (the threshold's ham groups read it); the reviewers here gave none.
    category_by_id = dict(zip(seed_sample["message_id"], seed_sample["category"], strict=True))
    kept = [row for mid, row in by_id.items() if mid in category_by_id and mid not in flipped]
    assert kept and all(row["category"] == category_by_id[row["message_id"]] for row in kept)
    assert any(row["category"] is not None for row in kept), "the sample's synthetic rows carry categories"
    assert all(by_id[mid]["category"] is None for mid in flipped if mid in by_id)
    model_text_by_id = dict(zip(seed_sample["message_id"], seed_sample["text_model"], strict=True))
    with_links = [row for row in by_id.values() if "[URL:" in row["text_norm"] and row["message_id"] in model_text_by_id]
    assert with_links, "the sample has messages with links"
    for row in with_links:
        assert row["text_model"] == model_text_by_id[row["message_id"]] != row["text_norm"]


def test_a_part_written_under_an_older_text_contract_is_read_under_this_one(config):
    # norm-v3 wrote a link read out in Korean as it stood; norm-v4 reads it as a link. Training must see v4's text.
    from models.normalization import model_text, normalize_frame
    from tasks.ingest.snapshot import load_snapshot

    texts = ["카지노 가입 win77 쩜 컴 바로가기", "내일 봐"]
    messages = normalize_frame(pl.DataFrame({"text": texts}), text_col="text").select(
        "message_id", "text", "text_norm", "text_model", "lang", pl.lit(False).alias("is_synthetic"), pl.col("message_id").alias("campaign_id")
    ).with_columns(pl.Series("text_model", ["카지노 가입 win77 쩜 컴 바로가기", "내일 봐"]))  # as norm-v3 stored it
    part_path = config.paths.corpus / "messages" / "part-v3.parquet"
    part_path.parent.mkdir(parents=True, exist_ok=True)
    messages.write_parquet(part_path)
    part = SnapshotPart(path=str(part_path.relative_to(config.state_dir)), sha256=hashlib.sha256(part_path.read_bytes()).hexdigest(), rows=2)
    write_snapshot(config, [part], [], "norm-v3", {"messages": 2})
    loaded = load_snapshot(config)
    assert loaded["text_model"].to_list() == [model_text(text) for text in texts] == ["카지노 가입 [URL] win77·com 바로가기", "내일 봐"]
    assert loaded["message_id"].to_list() == messages["message_id"].to_list()

"""A gold version with the deployment's own verified traffic: deduplicated, one row per campaign, digest-checked,
never rewritten, kept out of training with its campaigns, and shown per source on the model card."""

from __future__ import annotations

import shutil

import numpy as np
import polars as pl
import pytest

from models.gold import (
    GOLD_SCHEMA,
    PROJECT_ROOT,
    GoldSetIntegrityError,
    assert_disjoint_from_gold,
    drop_gold_overlap,
    gold_paths,
    load_gold,
)
from models.seed import load_seed_labels
from tasks.evaluate.gold import CANDIDATE_COLUMNS, GoldBuildRefused, build_gold, select_gold_rows
from tasks.evaluate.metrics import GoldBootstrap
from tasks.evaluate.pipeline import gold_sources_section, model_card
from tasks.ingest.snapshot import load_snapshot
from tasks.label.review import import_verdicts
from tasks.label.store import LabelStore
from tests.code.tasks.evaluate.own_traffic import id_of, own_messages, tiny_seed_dir, write_own_snapshot, write_verdicts


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory):
    return tiny_seed_dir(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def verified(config, tmp_path):
    """The snapshot of own messages, with verdicts imported through review: parcel and its campaign copy (review),
    dinner and coupon (audit). ``unverified`` and ``school`` have no human verdict."""
    messages = own_messages()
    snapshot_id = write_own_snapshot(config, messages)
    with LabelStore.for_config(config) as store:
        store.put_audit_sample(
            [{"message_id": id_of(messages, k), "label": label} for k, label in (("dinner", "ham"), ("coupon", "spam"))], "audit.csv"
        )
    verdicts = [
        (id_of(messages, "parcel"), "spam", "phishing_link"),
        (id_of(messages, "parcel_copy"), "spam", "phishing_link"),
        (id_of(messages, "dinner"), "ham", "personal"),
        (id_of(messages, "coupon"), "spam", None),
    ]
    import_verdicts(config, write_verdicts(tmp_path / "verdicts.csv", verdicts), messages=load_snapshot(config), snapshot_id=snapshot_id)
    with LabelStore.for_config(config) as store:
        return messages, snapshot_id, store.gold_candidates()


def _bundled_text_candidate(seed_dir, candidates: pl.DataFrame) -> pl.DataFrame:
    """A verified candidate whose text is already a bundled gold row (a user forwarded a known message)."""
    bundled = select_gold_rows(load_seed_labels(seed_dir), "v2").row(0, named=True)
    row = candidates.row(0, named=True) | {"message_id": "feedfacefeedface", "text": bundled["text"], "campaign_id": "feedfacefeedface", "label": bundled["label"]}
    return pl.concat([candidates, pl.DataFrame([row], schema=candidates.schema)])


def test_gold_with_own_rows_is_deduplicated_digest_checked_and_never_rewritten(verified, seed_dir, tmp_path):
    messages, snapshot_id, candidates = verified
    offered = _bundled_text_candidate(seed_dir, candidates)
    manifest = build_gold("v3", seed_dir, tmp_path / "gold", own_candidates=offered, require_own_traffic=True)

    own = manifest.own_traffic
    assert own is not None and own.rows == 3 and own.candidates == 5
    assert own.by_source == {"own:review": 1, "own:audit": 2}
    # parcel_copy is in parcel's ingest campaign; the forwarded text is already a bundled gold row.
    assert own.dropped == {"duplicate_candidate": 0, "in_bundled": 1, "campaign_sibling": 1}
    assert own.snapshot_ids == [snapshot_id]
    assert manifest.counts["source"]["own:audit"] == 2 and manifest.counts["corpus"]["own_traffic"] == 3

    gold = load_gold("v3", tmp_path / "gold")
    frame = gold.frame
    assert frame.schema == pl.Schema(GOLD_SCHEMA) and frame["message_id"].is_unique().all()
    assert frame["message_id"].to_list() == sorted(frame["message_id"].to_list())
    rows = {row["text"]: row for row in frame.filter(pl.col("source").str.starts_with("own:")).iter_rows(named=True)}
    text_of = dict(messages.select("key", "text").iter_rows())
    # One of the campaign's two verified members (the earlier verified, then the lower message id).
    parcel_texts = {text_of["parcel"], text_of["parcel_copy"]}
    assert len(parcel_texts & set(rows)) == 1 and set(rows) - parcel_texts == {text_of["dinner"], text_of["coupon"]}
    parcel = rows[(parcel_texts & set(rows)).pop()]
    # The raw text is kept (so it can be normalised again); slices come from it and the reviewer's category.
    assert (parcel["source"], parcel["corpus"], parcel["category_group"], parcel["has_url"]) == ("own:review", "own_traffic", "smishing", True)
    assert (parcel["reviewer"], parcel["snapshot_id"]) == ("jiyoon", snapshot_id) and parcel["verified_at"]
    assert parcel["campaign_id"] == id_of(messages, "parcel")
    assert rows[text_of["coupon"]]["category_group"] == "other_spam"
    # The bundled rows are the rule's rows, unchanged, with their corpus as source.
    bundled = frame.filter(~pl.col("source").str.starts_with("own:"))
    expected = select_gold_rows(load_seed_labels(seed_dir), "v2")
    assert bundled.drop("source").equals(expected.drop("source")) and (bundled["source"] == bundled["corpus"]).all()

    # Deterministic: the same candidates give the same bytes; an existing version is never rewritten.
    again = build_gold("v3", seed_dir, tmp_path / "again", own_candidates=offered)
    assert (again.sha256, again.content_sha256) == (manifest.sha256, manifest.content_sha256)
    with pytest.raises(FileExistsError):
        build_gold("v3", seed_dir, tmp_path / "gold", own_candidates=offered)
    parquet, _ = gold_paths("v3", tmp_path / "gold")
    frame.with_columns(pl.when(pl.col("source") == "own:audit").then(pl.lit("spam")).otherwise("label").alias("label")).write_parquet(parquet)
    with pytest.raises(GoldSetIntegrityError, match="digest mismatch"):
        load_gold("v3", tmp_path / "gold")


def test_gold_is_campaign_disjoint_from_a_training_frame(verified, seed_dir, tmp_path):
    messages, _, candidates = verified
    build_gold("v3", seed_dir, tmp_path, own_candidates=candidates)
    gold = load_gold("v3", tmp_path)
    # A training frame as the loader builds it: snapshot rows (with their ingest campaign) and seed rows.
    training = pl.concat(
        [messages.select("message_id", "text_norm", "campaign_id"), load_seed_labels(seed_dir).select("message_id", "text_norm", pl.lit(None, pl.String).alias("campaign_id"))]
    )
    with pytest.raises(AssertionError, match="3 ingest campaigns"):
        assert_disjoint_from_gold(training, gold)
    kept = drop_gold_overlap(training, gold)
    assert_disjoint_from_gold(kept, gold)
    kept_own = set(kept["message_id"]) & set(messages["message_id"])
    # parcel_copy never entered gold (a campaign sibling) and still leaves training with its campaign.
    assert kept_own == {id_of(messages, "school"), id_of(messages, "unverified")}


def test_build_refuses_without_own_rows_and_users_messages_in_the_bundled_folder(verified, seed_dir, tmp_path):
    _, _, candidates = verified
    empty = pl.DataFrame(schema=candidates.schema)
    with pytest.raises(GoldBuildRefused, match="no verified own-traffic rows .*0 candidates.*allow-no-own-traffic"):
        build_gold("v3", seed_dir, tmp_path / "a", own_candidates=empty, require_own_traffic=True)
    only_bundled = _bundled_text_candidate(seed_dir, empty.head(0).vstack(candidates.head(1))).tail(1)
    with pytest.raises(GoldBuildRefused, match=r"1 candidates, left out: .*'in_bundled': 1"):
        build_gold("v3", seed_dir, tmp_path / "a", own_candidates=only_bundled, require_own_traffic=True)
    assert not (tmp_path / "a").exists(), "a refused build writes nothing"
    allowed = build_gold("v3", seed_dir, tmp_path / "a", own_candidates=empty)
    assert allowed.own_traffic is not None and allowed.own_traffic.rows == 0

    bundled_dir = PROJECT_ROOT / "data" / "gold"
    with pytest.raises(GoldBuildRefused, match="may not go into the project's bundled"):
        build_gold("v97", seed_dir, bundled_dir, own_candidates=candidates)
    assert not any(bundled_dir.glob("gold-v97*"))
    with pytest.raises(ValueError, match="unknown source"):
        build_gold("v3", seed_dir, tmp_path / "b", own_candidates=candidates.with_columns(pl.lit("vendor").alias("source")))
    assert set(CANDIDATE_COLUMNS) <= set(candidates.columns)


def test_training_loader_drops_the_new_gold_rows_and_campaigns(config, verified, seed_dir, tmp_path):
    from tasks.train.dataset import load_training_data

    messages, _, candidates = verified
    with LabelStore.for_config(config) as store:  # the LLMs labelled one message nobody verified
        store.put_ensemble(
            [{"message_id": id_of(messages, "unverified"), "label": "ham", "category": "personal", "confidence": 0.9, "n_votes": 3}],
            prompt_version="label-v1-test", run_id="r1",
        )
    before, _ = load_training_data(config, seed_dir=seed_dir)
    own_ids = {id_of(messages, k) for k in ("parcel", "parcel_copy", "dinner", "coupon", "unverified")}
    assert own_ids <= set(before["message_id"]), "verified messages train the model until a gold version holds them"

    shutil.rmtree(tmp_path / "gold", ignore_errors=True)
    build_gold("v3", seed_dir, tmp_path / "gold", own_candidates=candidates, require_own_traffic=True)
    switched = config.model_copy(update={"evaluate": config.evaluate.model_copy(update={"gold_version": "v3", "gold_dir": tmp_path / "gold"})})
    after, _ = load_training_data(switched, seed_dir=seed_dir)
    assert set(after["message_id"]) & own_ids == {id_of(messages, "unverified")}
    gold = load_gold("v3", tmp_path / "gold")
    assert_disjoint_from_gold(after, gold)
    assert not set(after["message_id"]) & set(gold.frame["message_id"])


def test_model_card_shows_own_share_and_per_source_metrics(verified, seed_dir, tmp_path, gold):
    _, _, candidates = verified
    build_gold("v3", seed_dir, tmp_path, own_candidates=candidates)
    own_gold = load_gold("v3", tmp_path)
    truth = np.asarray(own_gold.is_spam)
    rng = np.random.default_rng(3)
    scores = np.where(truth, rng.beta(8, 1, truth.size), rng.beta(1, 15, truth.size))
    is_own = own_gold.frame["source"].str.starts_with("own:").to_numpy()
    scores[is_own & ~truth] = 0.9  # the one own ham (dinner) is flagged
    scores[is_own & truth] = 0.9
    bootstrap = GoldBootstrap(own_gold.frame, n_resamples=200, seed=1)
    section = gold_sources_section(own_gold, scores, 0.5, bootstrap)
    n = own_gold.frame.height
    assert f"Own traffic: 3 of {n:,} messages ({3 / n:.1%})." in section
    # own:audit: the spam caught and the ham flagged (F1 2/3), the ham FPR as 1 of 1 with its interval.
    audit_row = next(line for line in section.splitlines() if line.startswith("| own:audit |"))
    assert audit_row.startswith("| own:audit | 2 | 1 | 1 | 0.6667 [") and audit_row.endswith("| 1.0000 (1/1) [1.000, 1.000] |")
    assert "| own:review | 1 | 1 | 0 | 1.0000 [1.000, 1.000] | – |" in section
    corpora = set(own_gold.frame["corpus"]) - {"own_traffic"}
    assert all(f"| {corpus} | " in section for corpus in corpora)
    # The informational slice: own rows only, no gate of its own.
    measured = bootstrap.measure(scores, 0.5)
    assert measured.slices["source_own"]["n"] == 3 and measured.slices["source_own"]["ham_fpr"] == 1.0

    # A bundled-only gold says its gates judge on the bundled corpora alone, and the card carries the section.
    bundled = gold_sources_section(gold, np.zeros(gold.frame.height), 0.5, GoldBootstrap(gold.frame, 200, 1))
    assert f"Own traffic: 0 of {gold.frame.height:,} messages (0.0%): every gate judges" in bundled
    card = model_card(
        "m", "runs:/x/model", "x", {"snapshot_id": "s", "dataset_source": "seed", "dataset_digest": "d"}, 0.5, own_gold,
        measured.overall, measured.slices, _no_behaviour(), [], "pass", None, measured.intervals(), "", section,
    )
    assert card.index("## Metrics on the gold set") < card.index("## Gold by source") < card.index("## Gates")


def _no_behaviour():
    from tasks.evaluate.behavioural import BehaviouralReport

    return BehaviouralReport.model_construct(pass_rates={}, counts={}, intervals={})

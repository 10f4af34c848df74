"""Human verdicts become gold candidates: review-queue verdicts (own:review) and a blind, human-verified audit
sample of LLM-labelled messages (own:audit), each with its provenance and the raw text its gold row needs."""

from __future__ import annotations

import csv

import polars as pl

from tasks.ingest.snapshot import load_snapshot
from tasks.label.review import export_audit_sample, export_review_queue, import_verdicts
from tasks.label.store import LabelStore, final_labels
from tests.code.tasks.evaluate.own_traffic import id_of, own_messages, write_own_snapshot, write_verdicts


def _read_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_review_verdicts_become_candidates_with_provenance(config, tmp_path):
    messages = own_messages()
    snapshot_id = write_own_snapshot(config, messages)
    parcel, dinner = id_of(messages, "parcel"), id_of(messages, "dinner")
    with LabelStore.for_config(config) as store:
        store.put_review_items(
            [
                {"message_id": mid, "reason": "disagreement", "text_for_llm": text, "votes": [], "label": "spam"}
                for mid, text in messages.filter(pl.col("message_id").is_in([parcel, dinner]))
                .select("message_id", "text_for_llm")
                .iter_rows()
            ],
            run_id="r1",
        )
    exported = tmp_path / "review.csv"
    assert export_review_queue(config, exported) == 2
    # Reviewers see the PII-free text only: the link shows its domain, never the path.
    assert "cj-redeliv.top/a8" not in exported.read_text(encoding="utf-8")
    filled = write_verdicts(
        tmp_path / "filled.csv", [(parcel, "spam", "phishing_link"), (dinner, "ham", "personal"), ("ffffffffffffffff", "ham", None)]
    )

    report = import_verdicts(config, filled, messages=load_snapshot(config), snapshot_id=snapshot_id)
    assert report.imported == 3 and report.candidates == {"own:review": 2, "own:audit": 0}
    assert report.without_text == 1, "a verdict on a message the snapshot lacks is a label, not a gold candidate"
    with LabelStore.for_config(config) as store:
        candidates = store.gold_candidates()
    assert candidates["message_id"].to_list() == sorted([parcel, dinner])
    row = candidates.filter(pl.col("message_id") == parcel).row(0, named=True)
    raw = messages.filter(pl.col("key") == "parcel").row(0, named=True)
    assert (row["source"], row["label"], row["category"], row["reviewer"]) == ("own:review", "spam", "phishing_link", "jiyoon")
    assert (row["text"], row["snapshot_id"], row["campaign_id"]) == (raw["text"], snapshot_id, raw["campaign_id"])
    assert row["verified_at"] and row["source_file"] == "filled.csv" and row["is_synthetic"] is False

    # A later import replaces the verdict and its candidate; without the snapshot it leaves no stale candidate.
    import_verdicts(config, write_verdicts(tmp_path / "again.csv", [(dinner, "spam", "advertising")]), messages=load_snapshot(config), snapshot_id=snapshot_id)
    import_verdicts(config, write_verdicts(tmp_path / "blind.csv", [(parcel, "ham", None)]))
    with LabelStore.for_config(config) as store:
        candidates = store.gold_candidates()
    assert candidates.select("message_id", "label").rows() == [(dinner, "spam")]
    labels = dict(final_labels(config, include_seed=False).select("message_id", "label").iter_rows())
    assert labels[parcel] == "ham" and labels[dinner] == "spam"


def _llm_labels(config, messages: pl.DataFrame) -> None:
    """What a label run leaves: four representatives decided by the LLMs, one propagated member, one under review."""
    decided = {"dinner": ("ham", "personal"), "coupon": ("spam", "advertising"), "school": ("ham", "transactional"),
               "unverified": ("ham", "personal")}
    rows = [
        {"message_id": id_of(messages, key), "label": label, "category": category, "confidence": 0.9, "agreement": 1.0, "n_votes": 3}
        for key, (label, category) in decided.items()
    ]
    rows.append({"message_id": id_of(messages, "parcel"), "label": "spam", "n_votes": 3, "needs_review": True, "review_reason": "disagreement"})
    rows.append({"message_id": id_of(messages, "parcel_copy"), "label": "spam", "propagated_from": id_of(messages, "parcel")})
    with LabelStore.for_config(config) as store:
        store.put_ensemble(rows, prompt_version="label-v1-test", run_id="r1")


def test_audit_sample_is_blind_stable_and_its_verdicts_are_audit_candidates(config, tmp_path):
    messages = own_messages()
    snapshot_id = write_own_snapshot(config, messages)
    _llm_labels(config, messages)
    snapshot = load_snapshot(config)

    first = tmp_path / "audit.csv"
    assert export_audit_sample(config, first, snapshot, size=2, seed=13) == 2
    rows = _read_csv(first)
    assert {r["reason"] for r in rows} == {"audit"}
    # Blind: no LLM verdict or vote in the file; PII-free text only.
    assert all(r["ensemble_label"] == r["ensemble_category"] == r["votes"] == r["label"] == "" for r in rows)
    texts = dict(snapshot.select("message_id", "text_for_llm").iter_rows())
    assert all(r["text_for_llm"] == texts[r["message_id"]] for r in rows)
    sampled = [r["message_id"] for r in rows]
    # Stable: a re-export repeats the unverified sample; a bigger one adds to it, never the propagated member or
    # the message under review.
    assert export_audit_sample(config, tmp_path / "again.csv", snapshot, size=2, seed=13) == 2
    assert [r["message_id"] for r in _read_csv(tmp_path / "again.csv")] == sampled
    assert export_audit_sample(config, tmp_path / "all.csv", snapshot, size=10, seed=13) == 4
    everything = [r["message_id"] for r in _read_csv(tmp_path / "all.csv")]
    assert everything[:2] == sampled
    assert set(everything) == {id_of(messages, k) for k in ("dinner", "coupon", "school", "unverified")}

    llm_label = {id_of(messages, k): v for k, v in (("dinner", "ham"), ("coupon", "spam"), ("school", "ham"), ("unverified", "ham"))}
    disagree = sampled[0]
    verdicts = [(disagree, "spam" if llm_label[disagree] == "ham" else "ham", None), (sampled[1], llm_label[sampled[1]], None)]
    report = import_verdicts(config, write_verdicts(tmp_path / "audited.csv", verdicts, reviewer="minho"), messages=snapshot, snapshot_id=snapshot_id)
    assert report.candidates == {"own:review": 0, "own:audit": 2}
    assert (report.audit_verified, report.audit_agreed) == (2, 1)
    with LabelStore.for_config(config) as store:
        candidates = store.gold_candidates()
        remaining = store.audit_population()["message_id"].to_list()
    assert set(candidates["source"]) == {"own:audit"} and set(candidates["reviewer"]) == {"minho"}
    assert dict(candidates.select("message_id", "llm_label").iter_rows()) == {m: llm_label[m] for m in sampled}
    assert not set(sampled) & set(remaining), "a verified message leaves the audit population"
    labels = final_labels(config, include_seed=False).filter(pl.col("message_id") == disagree).row(0, named=True)
    assert (labels["label"], labels["label_source"]) == (verdicts[0][1], "human")

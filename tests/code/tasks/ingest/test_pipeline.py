"""run_ingest end to end on the fixture logs: counts, snapshot, incremental skip, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tasks.ingest.pipeline as pipeline
from models.schemas import MESSAGES_SCHEMA, QUARANTINE_SCHEMA, REPORTS_SCHEMA
from tasks.ingest.errors import CountsMismatchError, NoSnapshotError
from tasks.ingest.ledger import read_ledger
from tasks.ingest.pipeline import FileCounts, render_ingest_markdown, run_ingest
from tasks.ingest.snapshot import latest_snapshot_id, load_snapshot, load_snapshot_reports, read_manifest

# Expected per fixture file (see fixtures/logs): read = accepted + duplicate + quarantined.
EXPECTED = {
    "bad.jsonl": (14, 1, 0, 13),
    "good.jsonl": (6, 3, 3, 0),
    "reports.csv": (7, 5, 0, 2),
}


def _counts(result) -> dict[str, tuple[int, int, int, int]]:
    return {Path(f.uri).name: (f.counts.read, f.counts.accepted, f.counts.duplicate, f.counts.quarantined) for f in result.files_ingested}


def test_first_run_counts_reconcile_and_snapshot_matches_contract(ingest_config):
    result = run_ingest(ingest_config)
    assert _counts(result) == EXPECTED
    assert (result.read, result.accepted, result.duplicate, result.quarantined) == (27, 9, 3, 15)
    assert result.read == result.accepted + result.duplicate + result.quarantined
    assert sum(result.reasons.values()) == result.quarantined
    assert result.reasons["report_id_conflict"] == 1 and result.reasons["csv_broken_quote"] == 1
    assert result.new_messages == result.accepted == 9

    messages = load_snapshot(ingest_config)
    assert dict(messages.schema) == MESSAGES_SCHEMA
    assert messages.height == 9 and messages["message_id"].n_unique() == 9
    # exactly one representative per campaign, and it is the campaign's first member
    reps = messages.group_by("campaign_id").agg(pl.col("is_campaign_rep").sum().alias("reps"))
    assert reps["reps"].to_list() == [1] * reps.height
    assert messages.filter(pl.col("is_campaign_rep"))["message_id"].sort().to_list() == reps["campaign_id"].sort().to_list()
    parcel = messages.filter(pl.col("text_norm").str.contains("택배가 주소불명"))
    assert parcel["report_count"].to_list() == [3] and parcel["user_spam_reports"].to_list() == [3]
    ham = messages.filter(pl.col("text_norm").str.starts_with("엄마"))
    assert ham["report_count"].to_list() == [1]  # the re-delivered report r004 is not a second report
    casino = messages.filter(pl.col("text_norm").str.contains("카지노"))
    assert casino.height == 2 and casino["campaign_id"].n_unique() == 1

    reports = load_snapshot_reports(ingest_config)
    assert dict(reports.schema) == REPORTS_SCHEMA
    assert reports.height == result.accepted + result.duplicate
    assert sorted(reports["status"].unique()) == ["accepted", "duplicate", "duplicate_report"]

    manifest = read_manifest(ingest_config)
    assert manifest.snapshot_id == result.snapshot_id == latest_snapshot_id(ingest_config)
    assert [p.rows for p in manifest.parts] == [9]
    on_disk = json.loads(Path(result.snapshot_path).read_text())
    assert set(on_disk) >= {"snapshot_id", "created_at", "normalization_version", "parts", "counts"}

    quarantine = pl.read_parquet(result.quarantine_path)
    assert dict(quarantine.schema) == QUARANTINE_SCHEMA
    assert quarantine.height == 15
    assert not quarantine["excerpt"].drop_nulls().str.contains(r"\d{3,4}-\d{4}").any()  # no raw phone number
    assert (quarantine["excerpt"].drop_nulls().str.len_chars() <= 200).all()


def test_second_run_skips_ingested_files_and_new_file_dedupes_against_corpus(ingest_config, log_dir):
    first = run_ingest(ingest_config)
    again = run_ingest(ingest_config)
    assert again.files_ingested == [] and len(again.files_skipped) == 3
    assert again.read == 0 and again.snapshot_id == first.snapshot_id

    (log_dir / "later.jsonl").write_text(
        json.dumps({"report_id": "n1", "received_at": "2026-11-23T01:00:00Z", "text": "내일 점심 같이 해요", "user_verdict": "ham"})
        + "\n"
        + json.dumps({"report_id": "r001", "received_at": "2026-11-23T01:00:00Z", "text": "전혀 다른 문장입니다", "user_verdict": "spam"})
        + "\n"
        + json.dumps({"report_id": "n3", "received_at": "2026-11-23T01:00:00Z", "text": "새 메시지 입니다 다음주 월요일", "user_verdict": ""})
        + "\n"
        + json.dumps(
            {"report_id": "n4", "received_at": "2026-11-23T02:00:00Z", "text": "[Web발신] 무료 거부 080-111-2222 카지노 첫충 70% http://casino.example/z"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    third = run_ingest(ingest_config)
    assert [Path(f.uri).name for f in third.files_ingested] == ["later.jsonl"]
    assert (third.read, third.accepted, third.duplicate, third.quarantined) == (4, 2, 1, 1)
    assert third.reasons == {"report_id_conflict": 1}  # r001 came in run 1 with another text
    assert third.snapshot_id != first.snapshot_id
    corpus = load_snapshot(ingest_config)
    assert corpus.height == 11
    casino = corpus.filter(pl.col("text_norm").str.contains("카지노")).sort("first_seen_at")
    # the run-3 variant joins the campaign started in run 1 and is not its representative
    assert casino["campaign_id"].to_list() == [casino["message_id"][0]] * 3
    assert casino["is_campaign_rep"].to_list() == [True, False, False]
    assert third.new_campaigns == 1  # only "새 메시지 ..." starts a campaign
    assert load_snapshot(ingest_config, first.snapshot_id).height == 9
    assert len(read_ledger(ingest_config.paths.ingest_ledger)) == 4
    assert third.files_skipped and len(third.files_skipped) == 3


def test_changed_file_is_ingested_again(ingest_config, log_dir):
    run_ingest(ingest_config)
    with (log_dir / "good.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"report_id": "r100", "received_at": "2026-11-23T01:00:00Z", "text": "추가된 줄"}) + "\n")
    result = run_ingest(ingest_config)
    assert [Path(f.uri).name for f in result.files_ingested] == ["good.jsonl"]
    # the six old rows are now known: five duplicates/re-deliveries, one new message
    assert (result.read, result.accepted, result.duplicate) == (7, 1, 6)


def test_parquet_sources_including_wrong_schema_and_corrupt(ingest_config, log_dir):
    pq.write_table(
        pa.table(
            {
                "report_id": ["pq1", "pq2"],
                "received_at": ["2026-11-20T09:00:00+09:00", "2026-11-20T09:00:00+09:00"],
                "text": ["파케이 메시지 하나", "파케이 메시지 둘"],
                "user_verdict": ["ham", None],
            }
        ),
        log_dir / "a.parquet",
    )
    pq.write_table(pa.table({"id": [1, 2, 3, 4], "body": ["a", "b", "c", "d"]}), log_dir / "b_wrong.parquet")
    (log_dir / "c_corrupt.parquet").write_bytes(b"not parquet")
    result = run_ingest(ingest_config)
    counts = _counts(result)
    assert counts["a.parquet"] == (2, 2, 0, 0)
    assert counts["b_wrong.parquet"] == (4, 0, 0, 4)
    assert counts["c_corrupt.parquet"] == (1, 0, 0, 1)
    assert result.reasons["parquet_schema_mismatch"] == 4 and result.reasons["unreadable_file"] == 1


def test_failure_mid_run_leaves_nothing_visible(ingest_config, monkeypatch):
    calls = {"n": 0}
    real = pipeline.classify_reports

    def fail_on_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash in the middle of the run")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "classify_reports", fail_on_third_batch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_ingest(ingest_config)
    paths = ingest_config.paths
    assert not paths.ingest_ledger.exists()
    assert latest_snapshot_id(ingest_config) is None
    assert list((paths.corpus / "messages").glob("*")) == []
    assert list((paths.corpus / "reports").glob("*")) == []
    assert not (paths.corpus / "campaigns.parquet").exists()
    assert list(paths.quarantine.glob("*")) == []
    assert list(paths.tmp.glob("*")) == []
    with pytest.raises(NoSnapshotError):
        load_snapshot(ingest_config)

    monkeypatch.setattr(pipeline, "classify_reports", real)
    assert _counts(run_ingest(ingest_config)) == EXPECTED  # a clean rerun ingests everything


def test_failure_before_the_commit_point_publishes_nothing(ingest_config, monkeypatch):
    def broken_record(*args, **kwargs):
        raise OSError("disk full while writing the commit record")

    monkeypatch.setattr(pipeline, "record_commit", broken_record)
    with pytest.raises(OSError):
        run_ingest(ingest_config)
    paths = ingest_config.paths
    assert not paths.ingest_ledger.exists()
    assert latest_snapshot_id(ingest_config) is None
    assert [p.name for p in paths.corpus.rglob("*") if p.is_file()] == [], "no part, campaign index or temp file stays"
    assert list(paths.quarantine.iterdir()) == []
    monkeypatch.undo()
    second = run_ingest(ingest_config)  # nothing of the failed run is known: everything is read again
    assert _counts(second) == EXPECTED


def test_failure_after_the_commit_point_is_finished_by_the_next_run(ingest_config, monkeypatch):
    import tasks.ingest.commit as commit

    real_write = commit.write_text_atomic

    def snapshot_write_fails(path, text):
        if path.parent == ingest_config.paths.snapshots:
            raise OSError("disk full while writing the snapshot")
        real_write(path, text)

    monkeypatch.setattr(commit, "write_text_atomic", snapshot_write_fails)
    with pytest.raises(OSError):
        run_ingest(ingest_config)
    assert latest_snapshot_id(ingest_config) is None and not ingest_config.paths.ingest_ledger.exists()
    assert commit.commit_record_path(ingest_config).exists(), "the committed run's record waits for the next run"
    monkeypatch.undo()
    second = run_ingest(ingest_config)
    assert second.read == 0 and len(second.files_skipped) == 3, "the next run finished the commit: files are known"
    assert not commit.commit_record_path(ingest_config).exists()
    assert load_snapshot_reports(ingest_config).height == 12 and load_snapshot(ingest_config).height == 9
    assert len(read_ledger(ingest_config.paths.ingest_ledger)) == 3
    quarantined = sum(pl.read_parquet(p).height for p in ingest_config.paths.quarantine.glob("*.parquet"))
    assert quarantined == 15


def test_counts_that_do_not_reconcile_raise():
    with pytest.raises(CountsMismatchError, match="read 5"):
        FileCounts(read=5, accepted=2, duplicate=1, quarantined=1, reasons={"x": 1}).check("test")
    FileCounts(read=4, accepted=2, duplicate=1, quarantined=1, reasons={"x": 1}).check("test")


def test_markdown_summary_has_counts_and_no_message_text(ingest_config):
    result = run_ingest(ingest_config)
    markdown = render_ingest_markdown(result)
    assert "| 27 | 9 | 3 | 15 |" in markdown
    assert "`csv_broken_quote` | 1" in markdown and "reports.csv" in markdown
    assert "택배" not in markdown and "010-" not in markdown


def test_small_batches_give_the_same_corpus(ingest_config, config, tmp_path):
    big = run_ingest(ingest_config)
    small_config = ingest_config.model_copy(
        update={"state_dir": tmp_path / "state-small", "ingest": ingest_config.ingest.model_copy(update={"batch_rows": 100})}
    )
    # batch_rows has a floor of 100: make many rows so several batches really happen.
    source = Path(ingest_config.ingest.source)
    lines = [json.dumps({"report_id": f"m{i}", "received_at": "2026-11-20T00:00:00Z", "text": f"반복 메시지 {i % 37} 번 내용"}) for i in range(450)]
    (source / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    small = run_ingest(small_config)
    extra = run_ingest(ingest_config)
    assert (small.read, small.accepted, small.duplicate, small.quarantined) == (
        big.read + extra.read,
        big.accepted + extra.accepted,
        big.duplicate + extra.duplicate,
        big.quarantined + extra.quarantined,
    )
    columns = ["message_id", "campaign_id", "is_campaign_rep", "report_count"]
    assert load_snapshot(small_config).select(columns).sort("message_id").equals(load_snapshot(ingest_config).select(columns).sort("message_id"))
    assert extra.accepted == 37  # texts differ in a digit: 37 messages...
    many = load_snapshot(ingest_config).filter(pl.col("text_norm").str.starts_with("반복"))
    assert many["campaign_id"].n_unique() == 1  # ...of one template, so one campaign
    assert many["report_count"].sum() == 450

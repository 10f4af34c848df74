"""The bundled sample logs: ingest does exactly what data/sample/bad_logs/EXPECTED.json says, row by row."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tasks.ingest.pipeline import run_ingest
from tasks.ingest.snapshot import load_snapshot, load_snapshot_reports
from tests.conftest import REPO_ROOT

BAD_LOGS = REPO_ROOT / "data" / "sample" / "bad_logs"
RAW_LOGS = REPO_ROOT / "data" / "sample" / "raw_logs"


def _with_source(config, source: Path):
    return config.model_copy(update={"ingest": config.ingest.model_copy(update={"source": str(source)})})


@pytest.mark.skipif(not (BAD_LOGS / "EXPECTED.json").exists(), reason="sample bad logs not built")
def test_bad_logs_match_expected_json_line_by_line(config):
    expected = json.loads((BAD_LOGS / "EXPECTED.json").read_text(encoding="utf-8"))
    bad_config = _with_source(config, BAD_LOGS)
    result = run_ingest(bad_config)
    quarantine = pl.read_parquet(result.quarantine_path)
    reports = load_snapshot_reports(bad_config)
    assert {Path(f.uri).name for f in result.files_ingested} == set(expected["files"])
    for file in result.files_ingested:
        want = expected["files"][Path(file.uri).name]
        assert (file.counts.read, file.counts.accepted, file.counts.duplicate, file.counts.quarantined) == (
            want["physical_rows"], want["accepted"], want["duplicate"], want["quarantined"]
        ), file.uri
        assert file.counts.reasons == want["reasons"], file.uri
        outcome = {
            str(row): reason
            for row, reason in quarantine.filter(pl.col("source_uri") == file.uri).select("source_row", "reason").iter_rows()
        }
        outcome |= {str(row): status for row, status in reports.filter(pl.col("source_uri") == file.uri).select("source_row", "status").iter_rows()}
        for line, status in want.get("lines", {}).items():
            assert outcome.get(line) == status, f"{file.uri} line {line}"
    totals = expected["totals"]
    assert (result.read, result.quarantined, result.reasons) == (totals["physical_rows"], totals["quarantined"], totals["reasons"])


@pytest.mark.slow
@pytest.mark.skipif(not RAW_LOGS.exists(), reason="sample raw logs not built")
def test_raw_sample_logs_ingest_cleanly(config):
    raw_config = _with_source(config, RAW_LOGS)
    result = run_ingest(raw_config)
    assert result.read == result.accepted + result.duplicate + result.quarantined
    assert result.read > 0 and result.accepted > 0
    assert result.quarantined == 0, result.reasons  # the good sample has no bad rows
    messages = load_snapshot(raw_config)
    assert messages.height == result.accepted
    assert messages["is_campaign_rep"].sum() == messages["campaign_id"].n_unique()

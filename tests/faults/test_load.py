"""bench/load.py at a small scale: a generated week flows through ingest and champion scoring, every row
reconciled, memory bounded. Throughput is reported by the bench itself, never asserted here."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

ROWS = 50_000
# Generous: ingest holds one 50k-row batch (~200 MiB, docs/ingest.md); scoring one batch plus the model.
MAX_GROWTH_MIB = 1_024


def test_small_week_streams_through_ingest_and_scoring_within_bounded_memory(tmp_path, fault_ledger):
    from bench.load import run_load

    figures = run_load(ROWS, users=5_000, work=tmp_path, chunk_rows=10_000, score_batch=10_000, fit_rows=3_000)
    generated, ingest, score = figures["generated"], figures["ingest"], figures["score"]
    assert generated["rows"] == ROWS and generated["files"] == 14
    assert ingest["read"] == ROWS == ingest["accepted"] + ingest["duplicate"] + ingest["quarantined"]
    assert ingest["quarantined"] == generated["bad_rows"], "exactly the damaged rows are quarantined"
    assert score["messages"] == ingest["accepted"], "every new message was scored"
    assert score["reports"] == ingest["accepted"] + ingest["duplicate"], "every report got its message's score"
    assert figures["reconciled"]
    assert ingest["peak_above_baseline_mib"] < MAX_GROWTH_MIB
    assert score["peak_above_baseline_mib"] < MAX_GROWTH_MIB
    fault_ledger.record(
        "load", f"{ROWS:,} generated reports through ingest + champion scoring (bench/load.py)",
        bad_inputs=generated["bad_rows"], rows_in=ROWS,
        rows_accounted=ingest["accepted"] + ingest["duplicate"] + ingest["quarantined"],
    )

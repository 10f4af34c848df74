"""Ingest integrity under attack: kill -9 at every point of the commit, file names that are not UTF-8.

Every crash case ends with the state one clean run leaves: the same report, message and quarantine rows,
the same ledger lines, no orphan part and no pending commit. The killed runs are forked from one
forkserver that has imported the ingest code once (a fresh interpreter per case would cost seconds each).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
from pathlib import Path

import polars as pl
import pytest

from tasks.ingest.commit import COMMIT_POINTS, commit_record_path
from tasks.ingest.ledger import read_ledger
from tasks.ingest.sources import from_b64
from tests.code.tasks.ingest.conftest import FIXTURE_LOGS

# A Latin-1 file name: not valid UTF-8, as files copied from old Windows shares often are.
NON_UTF8_NAME = b"caf\xe9-\xff-reports.jsonl"
NON_UTF8_ROWS = [
    {"report_id": "n8-1", "received_at": "2026-11-20T09:00:00+09:00", "text": "이름이 깨진 파일의 정상 메시지"},
    {"report_id": "n8-2", "received_at": "yesterday", "text": "이름이 깨진 파일의 잘못된 시각"},
]


def write_source(folder: Path) -> Path:
    """The fixture logs (accepted, duplicate and quarantined rows, campaigns) plus one file with a non-UTF-8 name."""
    shutil.copytree(FIXTURE_LOGS, folder)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in NON_UTF8_ROWS)
    with open(os.path.join(os.fsencode(folder), NON_UTF8_NAME), "wb") as handle:
        handle.write(lines.encode("utf-8"))
    return folder


def ingest_config(state_dir: Path, source: Path):
    from spamloop.config import load_config

    return load_config(state_dir=state_dir, ingest={"source": str(source)})


def state_counts(config) -> dict[str, object]:
    """What a run leaves, in numbers: rows of every kind, ledger lines, files, leftovers."""
    from tasks.ingest.snapshot import latest_manifest, load_snapshot, load_snapshot_reports

    paths = config.paths
    manifest = latest_manifest(config)
    parts = sorted(p.relative_to(paths.corpus).as_posix() for p in paths.corpus.rglob("*.parquet"))
    return {
        "messages": 0 if manifest is None else load_snapshot(config).height,
        "reports": 0 if manifest is None else load_snapshot_reports(config).height,
        "quarantine": sum(pl.read_parquet(p).height for p in paths.quarantine.glob("*.parquet")),
        "quarantine_files": len(list(paths.quarantine.iterdir())),
        "ledger": sorted((e.uri, e.read, e.accepted, e.duplicate, e.quarantined) for e in read_ledger(paths.ingest_ledger)),
        "part_files": len(parts),
        "campaigns": pl.read_parquet(paths.corpus / "campaigns.parquet").height if (paths.corpus / "campaigns.parquet").exists() else 0,
        "snapshots": len(list(paths.snapshots.glob("*.json"))),
        "pending_commit": commit_record_path(config).exists(),
        "leftovers": sorted(p.name for p in paths.root.rglob("*.tmp")) + sorted(p.name for p in paths.tmp.iterdir()),
    }


def _killed_at(state_dir: str, source: str, point: str) -> None:
    """Child process: ingest, and SIGKILL this process when the commit sequence passes ``point``."""
    import tasks.ingest.commit as commit
    from tasks.ingest.pipeline import run_ingest

    def hook(reached: str) -> None:
        if reached == point:
            os.kill(os.getpid(), signal.SIGKILL)

    commit.step_hook = hook
    run_ingest(ingest_config(Path(state_dir), Path(source)))
    os._exit(3)  # never reached the point


def kill_at(state_dir: Path, source: Path, point: str) -> None:
    context = multiprocessing.get_context("forkserver")
    child = context.Process(target=_killed_at, args=(str(state_dir), str(source), point))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -signal.SIGKILL, f"the child was not killed at {point!r} (exit {child.exitcode})"


@pytest.fixture(scope="module")
def forkserver():
    multiprocessing.set_forkserver_preload(["tasks.ingest.pipeline", __name__])


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, forkserver):
    """One uninterrupted run: the counts every crash case must end with, and the points its commit passed."""
    import tasks.ingest.commit as commit
    from tasks.ingest.pipeline import run_ingest

    root = tmp_path_factory.mktemp("clean")
    source = write_source(root / "logs")
    config = ingest_config(root / "state", source)
    passed: list[str] = []
    commit.step_hook = passed.append
    try:
        result = run_ingest(config)
    finally:
        commit.step_hook = None
    return source, result, state_counts(config), passed


def test_clean_run_passes_every_commit_point(clean_run):
    _, result, counts, passed = clean_run
    assert passed == list(COMMIT_POINTS), "the crash cases below cover every point"
    assert counts["pending_commit"] is False and counts["leftovers"] == []
    assert counts["reports"] == result.accepted + result.duplicate and counts["quarantine"] == result.quarantined


@pytest.mark.parametrize("point", COMMIT_POINTS)
def test_kill_at_every_commit_point_then_rerun_gives_the_clean_runs_state(point, clean_run, tmp_path, fault_ledger):
    from tasks.ingest.pipeline import run_ingest

    source, clean_result, clean_counts, _ = clean_run
    config = ingest_config(tmp_path / "state", source)
    kill_at(config.state_dir, source, point)
    committed = COMMIT_POINTS.index(point) >= COMMIT_POINTS.index("recorded")
    assert commit_record_path(config).exists() == (committed and point != "done")

    rerun = run_ingest(config)
    assert state_counts(config) == clean_counts
    # Killed before the commit point: nothing was visible, so the re-run reads every file again; after it, the
    # re-run first finished the commit and then found every file in the ledger.
    assert rerun.read == (0 if committed else clean_result.read)
    fault_ledger.record(
        "process death", f"kill -9 at ingest commit point '{point}', then re-run", faults_injected=1,
        rows_in=clean_result.read, rows_accounted=clean_counts["reports"] + clean_counts["quarantine"],
    )


def test_kill_during_the_recovery_of_a_killed_commit(clean_run, tmp_path, fault_ledger):
    from tasks.ingest.pipeline import run_ingest

    source, clean_result, clean_counts, _ = clean_run
    config = ingest_config(tmp_path / "state", source)
    kill_at(config.state_dir, source, "recorded")
    kill_at(config.state_dir, source, "renamed-reports")  # the next run dies while finishing that commit
    run_ingest(config)
    assert state_counts(config) == clean_counts
    fault_ledger.record(
        "process death", "kill -9 while finishing a killed run's ingest commit", faults_injected=2,
        rows_in=clean_result.read, rows_accounted=clean_counts["reports"] + clean_counts["quarantine"],
    )


def test_orphan_parts_of_a_run_that_never_committed_are_removed_not_counted(clean_run, tmp_path, fault_ledger):
    """What the ingest before the commit record could leave: parts renamed into place, no snapshot, no ledger."""
    from tasks.ingest.pipeline import run_ingest

    source, clean_result, clean_counts, _ = clean_run
    config = ingest_config(tmp_path / "state", source)
    paths = config.paths
    run_ingest(config)
    for folder in (paths.corpus / "messages", paths.corpus / "reports"):
        shutil.copy(next(folder.glob("part-*.parquet")), folder / "part-20261101T000000Z-dead00.parquet")
    shutil.copy(next(paths.quarantine.glob("*.parquet")), paths.quarantine / "20261101T000000Z-dead00.parquet")
    again = run_ingest(config)
    assert again.read == 0
    assert state_counts(config) == clean_counts
    fault_ledger.record("process death", "orphan parts of a run killed before its commit", faults_injected=3)


def test_non_utf8_file_name_is_ingested_once_and_recorded_losslessly(clean_run, tmp_path, fault_ledger):
    from tasks.ingest.pipeline import render_ingest_markdown, run_ingest
    from tasks.ingest.snapshot import load_snapshot_reports

    source, clean_result, clean_counts, _ = clean_run
    config = ingest_config(tmp_path / "state", source)
    first = run_ingest(config)
    first.model_dump_json()  # the result is serialisable (Prefect stores it)
    render_ingest_markdown(first)
    entry = next(e for e in read_ledger(config.paths.ingest_ledger) if "caf" in e.uri)
    exact = os.path.join(os.fsencode(source.resolve()), NON_UTF8_NAME)
    assert entry.uri == exact.decode("utf-8", errors="backslashreplace") and "\\xe9" in entry.uri
    assert entry.uri_b64 is not None and from_b64(entry.uri_b64) == exact
    assert (entry.read, entry.accepted, entry.quarantined) == (2, 1, 1)
    assert entry.uri in set(load_snapshot_reports(config)["source_uri"])
    again = run_ingest(config)
    assert again.read == 0 and state_counts(config) == clean_counts, "every later run skips it: reports never grow"
    fault_ledger.record(
        "bad input", "file name that is not UTF-8 (ingested once, ledger keeps its bytes)", bad_inputs=1,
        rows_in=entry.read, rows_accounted=entry.accepted + entry.duplicate + entry.quarantined,
    )


# --- memory: one huge record ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_200_mb_line_is_quarantined_with_peak_memory_under_300_mb(tmp_path, fault_ledger):
    """In a fresh process (bench/ingest.py's child): its RSS high-water mark (VmHWM), imports included, stays under 300 MB."""
    from bench.ingest import run_long_line

    figures = run_long_line(200, tmp_path)
    assert figures["line_bytes"] >= 200_000_000
    assert (figures["read"], figures["accepted"], figures["quarantined"]) == (3, 2, 1)
    assert figures["reasons"] == {"record_too_large": 1}
    assert figures["max_rss_mib"] * 1.048576 < 300, f"peak {figures['max_rss_mib']:.0f} MiB"
    fault_ledger.record(
        "bad input", f"one 200 MB JSONL line (peak RSS {figures['max_rss_mib']:.0f} MiB)", bad_inputs=1,
        rows_in=figures["read"], rows_accounted=figures["accepted"] + figures["quarantined"],
    )


def test_csv_field_over_128_kib_gets_a_clear_reason(tmp_path, fault_ledger):
    from tasks.ingest.pipeline import run_ingest

    source = tmp_path / "logs"
    source.mkdir()
    header = "report_id,received_at,text,user_verdict\n"
    rows = [
        f"f1,2026-11-20T09:00:00+09:00,{'광고 ' * 30_000},spam\n",  # 210 KB field, under the 1 MiB record cap
        f"f2,2026-11-20T09:00:00+09:00,{'x' * 1_100_000},spam\n",  # over the record cap
        "f3,2026-11-20T09:00:00+09:00,정상 메시지,ham\n",
    ]
    (source / "wide.csv").write_text(header + "".join(rows), encoding="utf-8")
    result = run_ingest(ingest_config(tmp_path / "state", source))
    assert result.reasons == {"text_too_long": 1, "record_too_large": 1} and result.accepted == 1
    fault_ledger.record(
        "bad input", "CSV field over 128 KiB / record over the byte cap", bad_inputs=2,
        rows_in=result.read, rows_accounted=result.accepted + result.duplicate + result.quarantined,
    )


# --- nothing outside the source folder ----------------------------------------------------------------

OUTSIDE_MARKER = "OUTSIDE-SECRET-7f3a9c"


def _outside_files(folder: Path) -> Path:
    """A folder next to the source holding log-shaped files that must never be read."""
    folder.mkdir(parents=True)
    row = {"report_id": "outside-1", "received_at": "2026-11-20T09:00:00+09:00", "text": f"{OUTSIDE_MARKER} 바깥 파일"}
    (folder / "secret.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "passwd").write_text(f"root:x:0:0:{OUTSIDE_MARKER}:/root:/bin/bash\n", encoding="utf-8")
    return folder


def test_symlinks_out_of_the_source_folder_are_quarantined_and_never_read(tmp_path, fault_ledger):
    from tasks.ingest.pipeline import run_ingest
    from tests.faults.support import scan_for

    outside = _outside_files(tmp_path / "outside")
    source = tmp_path / "logs"
    source.mkdir()
    shutil.copy(FIXTURE_LOGS / "good.jsonl", source / "good.jsonl")
    (source / "passwd.csv").symlink_to(outside / "passwd")  # absolute target
    (source / "up.jsonl").symlink_to(Path("..") / "outside" / "secret.jsonl")  # relative, through ..
    (source / "linked").symlink_to(outside, target_is_directory=True)  # a symlinked folder
    (source / "latest.jsonl").symlink_to("good.jsonl")  # inside the folder: read
    os.mkfifo(source / "pipe.jsonl")  # would block a reader for ever

    config = ingest_config(tmp_path / "state", source)
    result = run_ingest(config)
    quarantine = pl.read_parquet(result.quarantine_path)
    rejected = {Path(uri).name: (row, reason) for uri, row, reason in quarantine.select("source_uri", "source_row", "reason").iter_rows()}
    assert rejected == {
        "passwd.csv": (0, "outside_source_root"),
        "up.jsonl": (0, "outside_source_root"),
        "linked": (0, "outside_source_root"),
        "pipe.jsonl": (0, "unreadable_file"),
    }
    assert "outside the source folder" in quarantine.filter(pl.col("source_uri").str.ends_with("up.jsonl"))["detail"][0]
    by_file = {Path(f.uri).name: f.counts for f in result.files_ingested}
    assert by_file["latest.jsonl"].read == by_file["good.jsonl"].read == 6, "a symlink inside the folder is read"
    leaks = scan_for([OUTSIDE_MARKER], [config.state_dir])
    assert leaks == [], leaks
    assert run_ingest(config).read == 0, "rejected entries are in the ledger: not quarantined again every run"
    fault_ledger.record(
        "bad input", "symlinks out of the source (absolute, .., folder) + FIFO", bad_inputs=4,
        rows_in=result.read, rows_accounted=result.accepted + result.duplicate + result.quarantined, leaks=len(leaks),
    )


def test_symlink_swapped_in_after_discovery_is_refused_at_open(tmp_path, fault_ledger):
    from tasks.ingest.pipeline import IngestRun
    from tasks.ingest.sources import discover_sources
    from tests.faults.support import scan_for

    outside = _outside_files(tmp_path / "outside")
    source = tmp_path / "logs"
    source.mkdir()
    shutil.copy(FIXTURE_LOGS / "good.jsonl", source / "a.jsonl")
    (source / "sub").mkdir()
    shutil.copy(FIXTURE_LOGS / "good.jsonl", source / "sub" / "b.jsonl")
    config = ingest_config(tmp_path / "state", source)
    run = IngestRun(config)
    try:
        sources = discover_sources(config)
        (source / "a.jsonl").unlink()
        (source / "a.jsonl").symlink_to(outside / "secret.jsonl")  # the file itself
        shutil.rmtree(source / "sub")
        (source / "sub").symlink_to(outside, target_is_directory=True)  # a folder on its path
        (outside / "b.jsonl").write_text((outside / "secret.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
        results = [run.ingest_file(found) for found in sources]
        result = run.finalise()
    except BaseException:
        run.abort()
        raise
    assert [(r.counts.read, r.counts.quarantined, r.counts.reasons) for r in results] == [(1, 1, {"outside_source_root": 1})] * 2
    leaks = scan_for([OUTSIDE_MARKER], [config.state_dir])
    assert leaks == []
    fault_ledger.record(
        "bad input", "symlink swapped in between discovery and read", faults_injected=2, bad_inputs=2,
        rows_in=result.read, rows_accounted=result.accepted + result.duplicate + result.quarantined, leaks=len(leaks),
    )


# --- encodings and compression ---------------------------------------------------------------------


def test_utf16_csv_compressed_files_and_unknown_compression(tmp_path, fault_ledger):
    import gzip
    import lzma

    import pyarrow as pa

    from tasks.ingest.pipeline import run_ingest

    def line(i: int) -> dict[str, str]:
        return {"report_id": f"enc-{i}", "received_at": "2026-11-20T09:00:00+09:00", "text": f"인코딩 메시지 {i}번 확인"}

    source = tmp_path / "logs"
    source.mkdir()
    csv_text = "report_id,received_at,text\r\n" + "".join(f"{r['report_id']},{r['received_at']},{r['text']}\r\n" for r in map(line, range(4)))
    (source / "a-excel.csv").write_bytes(csv_text.encode("utf-16"))  # BOM + UTF-16 LE, as Excel saves it
    jsonl = "".join(json.dumps(line(i), ensure_ascii=False) + "\n" for i in range(10, 14)).encode()
    (source / "b-gzip-named-plain.jsonl").write_bytes(gzip.compress(jsonl))
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write("".join(json.dumps(line(i), ensure_ascii=False) + "\n" for i in range(20, 23)).encode())
    (source / "c-zstd.jsonl.zst").write_bytes(sink.getvalue().to_pybytes())
    (source / "d-xz.jsonl").write_bytes(lzma.compress(jsonl))
    big = "".join(json.dumps(line(i), ensure_ascii=False) + "\n" for i in range(30, 3_030)).encode()
    packed = gzip.compress(big)
    (source / "e-cut.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])

    result = run_ingest(ingest_config(tmp_path / "state", source))
    by_file = {Path(f.uri).name: f.counts for f in result.files_ingested}
    assert (by_file["a-excel.csv"].read, by_file["a-excel.csv"].accepted) == (4, 4), "every UTF-16 row, none lost to the header"
    assert (by_file["b-gzip-named-plain.jsonl"].read, by_file["b-gzip-named-plain.jsonl"].accepted) == (4, 4)
    assert (by_file["c-zstd.jsonl.zst"].read, by_file["c-zstd.jsonl.zst"].accepted) == (3, 3)
    assert by_file["d-xz.jsonl"].reasons == {"compressed": 1} and by_file["d-xz.jsonl"].read == 1
    cut = by_file["e-cut.jsonl.gz"]
    assert cut.reasons == {"unreadable_file": 1} and 500 < cut.accepted < 3_000
    fault_ledger.record(
        "bad input", "UTF-16 CSV, gzip/zstd under any name, xz, truncated gzip", bad_inputs=5,
        rows_in=result.read, rows_accounted=result.accepted + result.duplicate + result.quarantined,
    )


# --- timestamps -------------------------------------------------------------------------------------


def test_timestamps_out_of_range_are_quarantined_and_the_corpus_stays_usable(tmp_path, fault_ledger):
    from tasks.ingest.pipeline import run_ingest
    from tasks.ingest.snapshot import load_snapshot, load_snapshot_reports

    stamps = {
        "year-1": ("0001-01-01T00:00:00+00:00", "timestamp_too_old"),
        "epoch": ("1970-01-01T00:00:00Z", "timestamp_too_old"),
        "y1999": ("1999-12-31T23:59:59+00:00", "timestamp_too_old"),
        "y9999": ("9999-12-31T23:59:59+00:00", "future_timestamp"),
        "ok": ("2026-11-20T09:00:00+09:00", "accepted"),
    }
    source = tmp_path / "logs"
    source.mkdir()
    rows = [{"report_id": key, "received_at": ts, "text": f"시각 시험 {key}"} for key, (ts, _) in stamps.items()]
    (source / "times.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config = ingest_config(tmp_path / "state", source)
    result = run_ingest(config)
    assert result.reasons == {"timestamp_too_old": 3, "future_timestamp": 1} and result.accepted == 1
    # What broke before: date columns of the corpus as Python values.
    assert [ts.year for ts in load_snapshot_reports(config)["received_at"].to_list()] == [2026]
    assert [ts.year for ts in load_snapshot(config)["first_seen_at"].to_list()] == [2026]
    fault_ledger.record(
        "bad input", "timestamps out of range (year 1, 1970, 9999)", bad_inputs=4,
        rows_in=result.read, rows_accounted=result.accepted + result.duplicate + result.quarantined,
    )

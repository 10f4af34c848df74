"""Local discovery and opening: bytes names, no symlink followed out of the root, compressed suffixes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.ingest.errors import SourceRejectedError
from tasks.ingest.sources import discover_local, file_format, from_b64, open_local

PATTERNS = ["*.jsonl", "*.csv", "*.parquet", "*.jsonl.gz", "*.csv.zst"]


def test_file_format_looks_through_a_compression_suffix():
    assert file_format("a.jsonl.gz") == "jsonl" and file_format("b.CSV.zst") == "csv" and file_format("c.gz") is None


def test_open_local_refuses_dotdot_absolute_and_symlinks(tmp_path: Path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.jsonl").write_text("{}\n")
    (tmp_path / "outside.jsonl").write_text("secret\n")
    (root / "link.jsonl").symlink_to(tmp_path / "outside.jsonl")
    (root / "inner.jsonl").symlink_to(root / "sub" / "a.jsonl")
    raw_root = os.fsencode(root)
    with open_local(raw_root, b"sub/a.jsonl") as handle:
        assert handle.read() == b"{}\n"
    for relative in (b"../outside.jsonl", b"sub/../../outside.jsonl", b"/etc/passwd", b"link.jsonl", b"inner.jsonl"):
        with pytest.raises(SourceRejectedError) as refused:
            with open_local(raw_root, relative):
                pass
        assert refused.value.reason == "outside_source_root", relative


def test_discover_local_names_are_bytes_and_links_are_classified(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    raw = os.path.join(os.fsencode(root), b"\xff\xfe.jsonl")
    with open(raw, "wb") as handle:
        handle.write(b"{}\n")
    (root / "x.csv.zst").write_bytes(b"")
    (tmp_path / "out").mkdir()
    (root / "away").symlink_to(tmp_path / "out", target_is_directory=True)
    (root / "notes.txt").symlink_to("/etc/passwd")  # not a log name, not a folder: ignored
    found = {Path(s.uri).name: s for s in discover_local(root, PATTERNS)}
    assert set(found) == {"\\xff\\xfe.jsonl", "x.csv.zst", "away"}
    assert from_b64(found["\\xff\\xfe.jsonl"].uri_b64) == raw
    assert found["away"].rejection == "outside_source_root" and found["away"].size == 0
    assert found["x.csv.zst"].rejection is None and found["x.csv.zst"].format == "csv"

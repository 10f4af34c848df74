"""Publish test fixtures: small synthetic bundles (real layout, passing parity report) and a SeaweedFS server."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from models.normalization import NORMALIZATION_VERSION
from tasks.export.bundle import write_bundle_index, write_json
from tasks.export.parity import FileParity, build_report
from tasks.publish.stores import FileStore, S3Store

MODEL_NAME = "spam-encoder"


def make_bundle(root: Path, version: str, payload: bytes = b"", passed: bool = True) -> Path:
    """A bundle folder with the real layout and index; model bytes depend on ``payload`` and ``version``."""
    bundle = root / version
    (bundle / "spam_fp16.mlpackage" / "Data").mkdir(parents=True)
    (bundle / "spam_fp32.tflite").write_bytes(b"TFL3" + version.encode() + payload + bytes(range(256)) * 40)
    (bundle / "spam_fp16.mlpackage" / "Data" / "weight.bin").write_bytes(b"w" * 1000 + version.encode())
    (bundle / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n안녕\n", encoding="utf-8")
    write_json(bundle / "labels.json", {"id2label": {"0": "ham", "1": "spam"}, "spam_label_id": 1, "threshold": 0.7})
    fp32 = FileParity(file="spam_fp32.tflite", kind="tflite_fp32", passed=passed, max_abs_diff=1e-7 if passed else 0.2,
                      problems=[] if passed else ["spam_fp32.tflite: max |Δ| 2.000e-01 > 1.0e-04"])
    report = build_report(10, 0.7, 0, [fp32])
    write_json(bundle / "parity_report.json", json.loads(report.model_dump_json()))
    write_bundle_index(
        bundle,
        {
            "name": MODEL_NAME,
            "version": version,
            "threshold": 0.7,
            "labels": {"0": "ham", "1": "spam"},
            "max_seq_len": 64,
            "seq_lengths": [32, 64],
            "normalization_version": NORMALIZATION_VERSION,
            "models": {"tflite_fp32": "spam_fp32.tflite", "coreml_fp16": "spam_fp16.mlpackage"},
            "min_app_version": "3.2.0",
            "parity": {"passed": report.passed, "summary": report.summary()},
        },
    )
    return bundle


@pytest.fixture
def bundles(tmp_path: Path):
    """Factory: bundles(version, payload=b"", passed=True) -> bundle folder."""
    root = tmp_path / "bundles"
    root.mkdir()
    return lambda version, payload=b"", passed=True: make_bundle(root, version, payload, passed)


class BarrierOnManifestRead:
    """Mixin: every read of the manifest waits at a barrier, so racing publishes all read the same etag."""

    barrier: threading.Barrier

    def read(self, key: str):  # noqa: ANN201
        found = super().read(key)  # type: ignore[misc]
        if key.endswith("manifest.json"):
            self.barrier.wait(timeout=30)
        return found


class RacingFileStore(BarrierOnManifestRead, FileStore):
    pass


class RacingS3Store(BarrierOnManifestRead, S3Store):
    pass

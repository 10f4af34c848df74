"""The export flow through Prefect: a small export (fp32 only, one signature) into <state>/exports/."""

from __future__ import annotations

import pytest

from models.ondevice import verify_bundle
from spamloop.settings.export import ExportConfig
from tests.code.tasks.export import tiny_bundle

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_export_flow_places_a_verified_bundle(prefect_harness, config, tiny_model_dir):
    from flows.export import export
    from models.candidate import Candidate

    candidate = Candidate(name="flow-1", model_dir=tiny_model_dir, threshold=0.5, max_seq_len=32, metrics={"dev_f1": 0.5})
    result = export(
        candidate=candidate,
        eval_texts=tiny_bundle.eval_texts()[:80],
        config=config,
        export_config=ExportConfig(seq_lengths=[32], int8=False, coreml=False),
    )
    assert result.report.passed, result.report.reasons
    assert result.bundle_dir == config.paths.root / "exports" / "flow-1"
    index = verify_bundle(result.bundle_dir)
    assert index["seq_lengths"] == [32] and index["models"] == {"tflite_fp32": "spam_fp32.tflite"}

"""Publish test fixtures: small synthetic bundles (real layout, passing parity report), the registry record
(``Release``) each publish needs, and real registry versions made by the evaluate stage's registration code."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from models.normalization import NORMALIZATION_VERSION
from models.parity import FileParity, build_report
from models.release import Release, gates_sha256
from tasks.export.bundle import write_bundle_index, write_json
from tasks.publish.stores import FileStore, S3Store

MODEL_NAME = "spam-encoder"
REGISTERED_MODEL = "spamloop-sms-spam"


def run_id_of(version: str) -> str:
    """The training run id a synthetic bundle records (bundle.json mlflow_run_id) unless told otherwise."""
    return f"run-{version}"


def release_for(bundle: Path, verdict: str = "pass", registry_version: str = "1") -> Release:
    """The registry record of ``bundle`` as a passing (or ``verdict``) version: what the store-level tests
    publish with. The registry lookup that produces it in production is tested in test_release_gate.py."""
    index = json.loads((bundle / "bundle.json").read_text(encoding="utf-8"))
    return Release(
        registered_model=REGISTERED_MODEL,
        version=registry_version,
        run_id=index.get("mlflow_run_id"),
        verdict=verdict,
        gates_sha256="0" * 64,
        failed_gates=[] if verdict == "pass" else ["floor_spam_f1"],
        review="approved" if verdict == "pass" else "not-eligible",
    )


def publish_released(bundle: Path, store, config=None, report=None, app_check=None):  # noqa: ANN001, ANN201
    """publish_bundle with the bundle's passing registry record: the store-level tests' publish. The synthetic
    bundles hold no real model, so no app check by default (test_app_check.py runs it on a real bundle)."""
    from tasks.publish.publish import publish_bundle

    return publish_bundle(bundle, store, config, report, release=release_for(bundle), app_check=app_check)


def rollback_released(store, name: str, version: str, config=None):  # noqa: ANN001, ANN201
    """rollback to a published ``version`` with its (passing) registry record."""
    from tasks.publish.publish import published_bundle_index, rollback

    try:
        run_id = published_bundle_index(store, name, version)[0].get("mlflow_run_id")
    except Exception:  # noqa: BLE001 - never published: let rollback itself say so
        run_id = None
    release = Release(registered_model=REGISTERED_MODEL, version="1", run_id=run_id, verdict="pass", gates_sha256=None)
    return rollback(store, name, version, config, release=release)


def make_bundle(
    root: Path, version: str, payload: bytes = b"", passed: bool = True, mlflow_run_id: str | None = None
) -> Path:
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
            "mlflow_run_id": mlflow_run_id or run_id_of(version),
            "parity": {"passed": report.passed, "summary": report.summary()},
        },
    )
    return bundle


def real_bundle(root: Path, version: str, mlflow_run_id: str) -> Path:
    """A copy of the tiny exported bundle (a real model the app check can run) as ``version`` of ``mlflow_run_id``."""
    import shutil

    from models.ondevice import read_bundle_index
    from tests.code.tasks.export import tiny_bundle

    export = tiny_bundle.tiny_export()
    bundle = root / version
    shutil.copytree(export.bundle_dir, bundle)
    index = read_bundle_index(bundle)
    (bundle / "bundle.json").unlink()
    metadata = {key: value for key, value in index.items() if key not in ("format", "created_at", "files")}
    write_bundle_index(bundle, {**metadata, "version": version, "mlflow_run_id": mlflow_run_id})
    return bundle


@pytest.fixture
def bundles(tmp_path: Path):
    """Factory: bundles(version, payload=b"", passed=True, mlflow_run_id=None) -> bundle folder."""
    root = tmp_path / "bundles"
    root.mkdir()
    return lambda version, payload=b"", passed=True, mlflow_run_id=None: make_bundle(root, version, payload, passed, mlflow_run_id)


def gate_rows(verdict: str) -> list[dict]:
    """A small gate table as the evaluate stage stores it (GateResult.model_dump rows)."""
    return [
        {"name": "floor_spam_f1", "group": "floor", "verdict": verdict, "reason": "spam_f1 0.80 vs >= 0.90", "value": 0.8, "limit": 0.9},
        {"name": "slice_transactional_ham_ham_fpr", "group": "slice", "verdict": "pass", "reason": "ok", "value": 0.01, "limit": 0.03},
        {"name": "regression_spam_f1", "group": "regression", "verdict": "skipped", "reason": "skipped: no champion", "value": None, "limit": None},
    ]


def register_run(tracking_uri: str, name: str, verdict: str) -> tuple[str, str]:
    """Log a small real pyfunc model in a new training run and register it exactly as the evaluate stage does
    (tasks.evaluate.registry.register_candidate with the gate table); returns (run id, registry version)."""
    import mlflow

    from models.registry import registry_client
    from tasks.evaluate.registry import register_candidate

    class ConstantSpamModel(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input: list[str], params=None) -> list[float]:  # noqa: ANN001
            return [0.5] * len(model_input)

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("spamloop-publish-tests")
    with mlflow.start_run(run_name=f"train-{verdict}") as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=ConstantSpamModel(), pip_requirements=["mlflow"])
    rows = gate_rows(verdict)
    tags = {"threshold": "0.7", "training_run_id": run.info.run_id}
    outcome = register_candidate(
        registry_client(tracking_uri), tracking_uri, name, info.model_uri, verdict, tags, f"card ({verdict})", gate_rows=rows
    )
    return run.info.run_id, outcome.version


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


def register_passing_version_of_run(tracking_uri: str, name: str, run_id: str) -> str:
    """A passing registry version for a bundle whose training run lives elsewhere (the tiny export's fixed run id):
    the version and the tags the evaluate stage records, without the run. Returns the version."""
    from models.registry import registry_client

    client = registry_client(tracking_uri)
    client.create_registered_model(name)
    version = str(client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version)
    rows = gate_rows("pass")
    for key, value in {"verdict": "pass", "gates_sha256": gates_sha256(rows), "review": "approved"}.items():
        client.set_model_version_tag(name, version, key, value)
    return version

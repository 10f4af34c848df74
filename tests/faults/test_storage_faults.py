"""S3 and MLflow outages: a clear error, nothing half-committed, and the re-run completes.

S3 is a real SeaweedFS server; "unreachable" is a closed port, and a link that dies mid-run is a TCP
forwarder (tests/faults/support.CuttableProxy) that is cut at a chosen request. MLflow "down" is a closed
port in front of a SQLite registry that is then read directly.
"""

from __future__ import annotations

import logging
import os
import uuid
from unittest import mock
from urllib.parse import urlparse

import pytest

from spamloop.settings.export import PublishConfig
from spamloop.settings.storage import S3Config
from tasks.ingest.errors import IngestError, S3AccessError, S3UnavailableError
from tasks.ingest.ledger import read_ledger
from tasks.ingest.pipeline import run_ingest
from tasks.ingest.snapshot import latest_manifest, load_snapshot_reports
from tests.code.tasks.ingest.conftest import FIXTURE_LOGS
from tests.faults.support import CuttableProxy, closed_port, scan_for

pytestmark = [pytest.mark.s3, pytest.mark.slow]

FIXTURE_ROWS = 27  # bad.jsonl 14 + good.jsonl 6 + reports.csv 7 (tests/code/tasks/ingest/test_pipeline.py)


def _upload_logs(s3_server, bucket: str, prefix: str) -> list[str]:
    client = s3_server.client()
    names = sorted(path.name for path in FIXTURE_LOGS.iterdir())
    for name in names:
        client.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=(FIXTURE_LOGS / name).read_bytes())
    return names


def _ingest_config(config, source: str, **s3: object):
    return config.model_copy(
        update={"ingest": config.ingest.model_copy(update={"source": source}), "s3": S3Config(**s3)}
    )


def _assert_nothing_committed(config) -> None:
    assert latest_manifest(config) is None, "no snapshot from a failed run"
    assert read_ledger(config.paths.ingest_ledger) == [], "no ledger entry from a failed run"
    assert list(config.paths.tmp.glob("download-*")) == [] and list(config.paths.tmp.glob("run-*")) == []
    assert not any(config.paths.corpus.rglob("*.parquet")), "no corpus part from a failed run"


@pytest.mark.parametrize("outage", ["unreachable", "bad credentials", "link dies mid-run"])
def test_s3_outage_at_ingest_commits_nothing_and_rerun_ingests_everything(outage, config, s3_server, bucket, fault_ledger):
    names = _upload_logs(s3_server, bucket, "logs")
    source = f"s3://{bucket}/logs"
    good = s3_server.s3_config()
    proxy = None
    if outage == "unreachable":
        broken = {**good, "endpoint_url": f"http://127.0.0.1:{closed_port()}"}
        expected_error, expected_text = S3UnavailableError, "unavailable"
    elif outage == "bad credentials":
        broken = {**good, "secret_access_key": "wrong-" + uuid.uuid4().hex}
        expected_error, expected_text = S3AccessError, "rejected the credentials"
    else:  # listing works, the link dies while the second file downloads
        parsed = urlparse(s3_server.endpoint_url)
        proxy = CuttableProxy(parsed.hostname, parsed.port, cut_on=f"GET /{bucket}/logs/{names[1]}".encode())
        broken = {**good, "endpoint_url": proxy.url}
        expected_error, expected_text = S3UnavailableError, "unavailable"
    try:
        with pytest.raises(expected_error) as caught:
            run_ingest(_ingest_config(config, source, **broken))
    finally:
        if proxy is not None:
            proxy.close()
    assert isinstance(caught.value, IngestError)
    message = str(caught.value)
    assert expected_text in message and ("127.0.0.1" in message)
    leaks = scan_for([good["secret_access_key"], broken["secret_access_key"]], [config.state_dir], [message])
    if proxy is not None:
        assert proxy.cut_done.is_set(), "the link was cut during the download, after the listing"
        assert f"download s3://{bucket}/logs/{names[1]}" in message
    _assert_nothing_committed(config)

    result = run_ingest(_ingest_config(config, source, **good))
    assert len(result.files_ingested) == len(names)
    assert result.read == FIXTURE_ROWS == result.accepted + result.duplicate + result.quarantined
    assert load_snapshot_reports(config).height == result.accepted + result.duplicate
    leaks += scan_for([good["secret_access_key"]], [config.state_dir])
    assert leaks == []
    fault_ledger.record(
        "s3", f"ingest: {outage}", faults_injected=1, rows_in=FIXTURE_ROWS,
        rows_accounted=result.accepted + result.duplicate + result.quarantined, leaks=len(leaks),
    )


@pytest.mark.parametrize("outage", ["unreachable", "link dies mid-upload"])
def test_s3_outage_at_publish_leaves_the_manifest_and_rerun_publishes(outage, s3_server, bucket, tmp_path, caplog, fault_ledger):
    from tasks.publish.publish import PublishError, read_manifest
    from tasks.publish.stores import ObjectStoreError, S3Store
    from tests.code.tasks.publish.conftest import MODEL_NAME, make_bundle, publish_released

    good = S3Store(bucket, "apps", S3Config(**s3_server.s3_config()), PublishConfig())
    publish_released(make_bundle(tmp_path, "v1"), good)
    before = read_manifest(good, MODEL_NAME)
    bundle = make_bundle(tmp_path, "v2")
    proxy = None
    if outage == "unreachable":
        endpoint = f"http://127.0.0.1:{closed_port()}"
    else:  # the manifest was read and some files uploaded when the link dies
        parsed = urlparse(s3_server.endpoint_url)
        proxy = CuttableProxy(parsed.hostname, parsed.port, cut_on=b"/apps/models/spam-encoder/v2/vocab.txt")
        endpoint = proxy.url
    broken = S3Store(bucket, "apps", S3Config(**s3_server.s3_config(endpoint_url=endpoint, max_attempts=1)), PublishConfig())
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises((PublishError, ObjectStoreError)) as caught:
            publish_released(bundle, broken)
    finally:
        if proxy is not None:
            proxy.close()
    message = str(caught.value)
    assert "127.0.0.1" in message or "still points at v1" in message, message
    if proxy is not None:
        assert isinstance(caught.value, PublishError) and "the manifest still points at v1" in message
    after = read_manifest(good, MODEL_NAME)
    assert after[1] == before[1] and after[0].version == "v1", "manifest untouched"
    for entry in after[0].files:
        assert good.sha256_of(entry.key) == entry.sha256
    leaks = scan_for([s3_server.secret_access_key], [], [message, caplog.text])
    assert leaks == []

    rerun = publish_released(bundle, good)
    assert rerun.version == "v2" and rerun.previous_version == "v1"
    assert all(good.sha256_of(entry.key) == entry.sha256 for entry in rerun.files)
    fault_ledger.record(
        "s3", f"publish: {outage}", faults_injected=1, rows_in=len(rerun.files), rows_accounted=len(rerun.files), leaks=0
    )


# --- MLflow ---------------------------------------------------------------------------------------------

# Bounded client retries so a down server fails in seconds; mlflow's defaults retry for ~4 minutes (see below).
FAST_FAIL_ENV = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


def _registry_state(tracking_uri: str) -> dict[str, object]:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    versions = sorted((v.name, v.version) for v in client.search_model_versions())
    experiments = client.search_experiments()
    runs = client.search_runs([e.experiment_id for e in experiments]) if experiments else []
    return {"versions": versions, "runs": sorted((r.info.run_id, r.info.status) for r in runs)}


def test_mlflow_down_at_run_start_fails_clearly_and_registers_nothing(config, monkeypatch, tmp_path, fault_ledger):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from models.candidate import Candidate
    from spamloop.settings.evaluate import EvaluateConfig
    from spamloop.settings.train import TrainConfig
    from tasks.evaluate.pipeline import run_evaluation
    from tasks.train.pipeline import run_training
    from tests.faults.support import TRAIN_SETTINGS, training_frame

    # The registry behind the server: one model version registered before the outage.
    backend = f"sqlite:///{tmp_path / 'backend' / 'mlflow.db'}"
    (tmp_path / "backend").mkdir()
    seed_client = MlflowClient(tracking_uri=backend, registry_uri=backend)
    # As `mlflow server --artifacts-destination` would: artifacts in a folder of the server, not ./mlruns.
    seed_client.create_experiment(config.mlflow_experiment, artifact_location=(tmp_path / "artifacts").as_uri())
    seed_client.create_registered_model("spam-encoder")
    seed_client.create_model_version("spam-encoder", source=(tmp_path / "model").as_uri())
    before = _registry_state(backend)

    for name, value in FAST_FAIL_ENV.items():
        monkeypatch.setenv(name, value)
    dead = f"http://127.0.0.1:{closed_port()}"
    down = config.model_copy(update={"mlflow_tracking_uri": dead})
    train_config = TrainConfig(**{**TRAIN_SETTINGS, "epochs": 1})
    frame = training_frame()
    with pytest.raises(MlflowException) as training_error:
        run_training(down, train_config, frame)
    assert dead in str(training_error.value) and "Connection refused" in str(training_error.value)
    assert not list(config.paths.runs.glob("*/checkpoints")), "training never started without tracking"
    assert not (config.paths.mlflow_dir / "mlflow.db").exists(), "no silent fallback to a local store"

    with pytest.raises(MlflowException) as evaluation_error:
        run_evaluation(down, EvaluateConfig(), Candidate(run_id="none", model_uri="models:/spam-encoder/1", threshold=0.5))
    assert dead in str(evaluation_error.value)
    assert _registry_state(backend) == before, "no run, no version, no alias from the failed runs"

    # The server is back (same backend): the re-run completes and registers nothing half-way.
    back = config.model_copy(update={"mlflow_tracking_uri": backend})
    result = run_training(back, train_config, frame)
    after = _registry_state(backend)
    assert after["versions"] == before["versions"]
    assert [status for _, status in after["runs"]] == ["FINISHED", "FINISHED"], "encoder run and its baseline child"
    assert result.run_id in {run_id for run_id, _ in after["runs"]}
    fault_ledger.record("mlflow", "tracking server down at run start", faults_injected=2, rows_in=0, rows_accounted=0)


def test_down_tracking_server_costs_under_a_minute_of_retries_by_default(config):
    from mlflow.environment_variables import MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR, MLFLOW_HTTP_REQUEST_MAX_RETRIES

    from spamloop.runtime import prepare_runtime

    with mock.patch.dict(os.environ):
        for name in FAST_FAIL_ENV:
            os.environ.pop(name, None)
        prepare_runtime(config)
        retries, factor = MLFLOW_HTTP_REQUEST_MAX_RETRIES.get(), MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR.get()
    # urllib3 sleeps factor * 2**(n-1) before retry n (connection refused counts as a retry).
    budget_s = sum(factor * 2 ** (n - 1) for n in range(1, retries + 1))
    assert budget_s <= 60, f"{retries} retries with backoff factor {factor}: ~{budget_s:.0f} s before the error"

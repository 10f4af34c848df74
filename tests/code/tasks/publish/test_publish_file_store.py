"""Publishing to the default folder store: manifest last, immutability, parity refusal, rollback, races."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from models.ondevice import sha256_file
from models.parity import ParityGateError
from models.reference_client import download_from_manifest
from spamloop.settings.export import PublishConfig
from tasks.publish.publish import PublishConflictError, PublishError, read_manifest
from tasks.publish.stores import FileStore, PreconditionFailedError, open_store
from tests.code.tasks.publish.conftest import MODEL_NAME, RacingFileStore, publish_released, rollback_released


def test_publish_writes_versioned_files_and_manifest(bundles, tmp_path):
    store = FileStore(tmp_path / "store")
    bundle = bundles("v1")
    manifest = publish_released(bundle, store)
    assert manifest.version == "v1" and manifest.previous_version is None
    assert manifest.threshold == 0.7 and manifest.min_app_version == "3.2.0" and manifest.urls_expire_at is None
    assert manifest.files[0].path == "bundle.json"
    local = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {f.path for f in manifest.files} == local
    for entry in manifest.files:
        stored = tmp_path / "store" / entry.key
        assert entry.key == f"models/{MODEL_NAME}/v1/{entry.path}"
        assert sha256_file(stored) == entry.sha256 == sha256_file(bundle / entry.path)
        assert entry.url == stored.resolve().as_uri()
    on_disk = json.loads((tmp_path / "store" / "models" / MODEL_NAME / "manifest.json").read_text())
    assert on_disk["version"] == "v1"
    # the app side: download through the manifest's URLs, every file checked
    downloaded = download_from_manifest((tmp_path / "store" / "models" / MODEL_NAME / "manifest.json").as_uri(),
                                        tmp_path / "cache")
    assert sha256_file(downloaded / "spam_fp32.tflite") == sha256_file(bundle / "spam_fp32.tflite")
    # no temp or lock files left behind
    assert not [p for p in (tmp_path / "store").rglob("*") if p.name.endswith((".tmp", ".lock"))]


def test_rerun_is_idempotent_and_next_version_points_back(bundles, tmp_path):
    store = FileStore(tmp_path / "store")
    publish_released(bundles("v1"), store)
    second = bundles("v2")
    first_run = publish_released(second, store)
    assert first_run.version == "v2" and first_run.previous_version == "v1"
    rerun = publish_released(second, store)  # same version again: files reused, manifest rewritten
    assert rerun.version == "v2" and rerun.previous_version == "v1"
    assert rerun.published_at >= first_run.published_at


def test_failing_parity_is_refused(bundles, tmp_path):
    store = FileStore(tmp_path / "store")
    with pytest.raises(ParityGateError, match="max"):
        publish_released(bundles("bad", passed=False), store)
    assert read_manifest(store, MODEL_NAME) is None
    assert not (tmp_path / "store" / "models").exists()


def test_same_version_with_other_bytes_is_refused(bundles, tmp_path):
    store = FileStore(tmp_path / "store")
    publish_released(bundles("v1"), store)
    other_root = tmp_path / "other"
    other_root.mkdir()
    from tests.code.tasks.publish.conftest import make_bundle

    changed = make_bundle(other_root, "v1", payload=b"different weights")
    with pytest.raises(PublishError, match="already exists with different content"):
        publish_released(changed, store)
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"
    assert sha256_file(tmp_path / "store" / "models" / MODEL_NAME / "v1" / "spam_fp32.tflite") != sha256_file(
        changed / "spam_fp32.tflite"
    )


def test_rollback(bundles, tmp_path):
    store = FileStore(tmp_path / "store")
    publish_released(bundles("v1"), store)
    publish_released(bundles("v2"), store)
    manifest = rollback_released(store, MODEL_NAME, "v1")
    assert manifest.version == "v1" and manifest.previous_version == "v2"
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"
    with pytest.raises(PublishError, match="never published"):
        rollback_released(store, MODEL_NAME, "v9")
    (tmp_path / "store" / "models" / MODEL_NAME / "v2" / "vocab.txt").unlink()
    with pytest.raises(PublishError, match="vocab.txt: missing"):
        rollback_released(store, MODEL_NAME, "v2")
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"


def test_concurrent_publishes_one_wins(bundles, tmp_path):
    store = RacingFileStore(tmp_path / "store")
    store.barrier = threading.Barrier(1)
    publish_released(bundles("v1"), store)
    store.barrier = threading.Barrier(2)  # both racers read the v1 etag before either writes
    candidates = [bundles("v2"), bundles("v3")]
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(publish_released, bundle, store) for bundle in candidates]
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result().version)
        except PublishConflictError as exc:
            outcomes.append(exc)
    store.barrier = threading.Barrier(1)
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if isinstance(o, PublishConflictError)]
    assert len(winners) == 1 and len(losers) == 1
    manifest, _ = read_manifest(store, MODEL_NAME)
    assert manifest.version == winners[0] and manifest.previous_version == "v1"
    for entry in manifest.files:  # the winner's files are complete and intact
        assert sha256_file(tmp_path / "store" / entry.key) == entry.sha256


def test_conditional_write_many_threads(tmp_path):
    store = FileStore(tmp_path / "store")
    etag = store.put_conditional("k.json", b"base", None)
    with pytest.raises(PreconditionFailedError):
        store.put_conditional("k.json", b"x", None)

    def attempt(number: int) -> bool:
        try:
            store.put_conditional("k.json", f"writer {number}".encode(), etag)
            return True
        except PreconditionFailedError:
            return False

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count(True) == 1
    assert store.read("k.json")[0] == f"writer {results.index(True)}".encode()


def test_default_store_is_under_the_state_folder(config):
    store = open_store(PublishConfig(), config.s3, config.paths.root)
    assert isinstance(store, FileStore) and store.root == (config.paths.root / "published").resolve()
    assert isinstance(open_store(PublishConfig(target="file:///tmp/x-spamloop"), config.s3, Path("/")), FileStore)
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        open_store(PublishConfig(target="ftp://x"), config.s3, config.paths.root)

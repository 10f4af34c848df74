"""Publishing to a real S3-compatible server (SeaweedFS with credentials checked on every request)."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import EndpointConnectionError

from models.ondevice import sha256_file
from models.reference_client import ReferenceClient
from spamloop.settings.export import PublishConfig
from spamloop.settings.storage import S3Config
from tasks.publish.publish import (
    PublishConflictError,
    PublishError,
    manifest_key,
    read_manifest,
)
from tasks.publish.stores import ObjectStoreError, S3Store, open_store
from tests.code.tasks.export import tiny_bundle
from tests.code.tasks.publish.conftest import MODEL_NAME, RacingS3Store, publish_released, rollback_released

pytestmark = [pytest.mark.s3, pytest.mark.slow]

PREFIX = "apps/sms"


def _store(s3_server, bucket: str, cls=S3Store, **publish) -> S3Store:
    return cls(bucket, PREFIX, S3Config(**s3_server.s3_config()), PublishConfig(**publish))


def test_publish_and_download_over_presigned_urls(s3_server, bucket, tmp_path, caplog):
    export = tiny_bundle.tiny_export()
    assert export.bundle_dir is not None
    store = _store(s3_server, bucket)
    store.check_conditional_writes()  # SeaweedFS honours IfNoneMatch/IfMatch
    with caplog.at_level(logging.DEBUG):
        manifest = publish_released(export.bundle_dir, store)
    assert manifest.version == tiny_bundle.VERSION and manifest.urls_expire_at is not None
    secret = s3_server.secret_access_key
    raw_manifest, etag = store.read(manifest_key(MODEL_NAME, PublishConfig()))
    assert secret not in raw_manifest.decode() and secret not in caplog.text
    # objects sit under the prefix with verified SHA256 checksums
    client = s3_server.client()
    for entry in manifest.files:
        head = client.head_object(Bucket=bucket, Key=f"{PREFIX}/{entry.key}", ChecksumMode="ENABLED")
        assert head["ContentLength"] == entry.size and head.get("ChecksumSHA256")
    # the app: fetch the manifest over HTTP, then every file via its presigned URL, check sha256, run the model
    manifest_url = store.url(manifest_key(MODEL_NAME, PublishConfig()))
    assert json.loads(urllib.request.urlopen(manifest_url, timeout=10).read())["version"] == tiny_bundle.VERSION
    client_remote = ReferenceClient.from_manifest_url(manifest_url, cache_dir=tmp_path / "app-cache")
    downloaded = tmp_path / "app-cache" / MODEL_NAME / tiny_bundle.VERSION
    for entry in manifest.files:
        assert sha256_file(downloaded / entry.path) == entry.sha256
    texts = tiny_bundle.eval_texts()[:50]
    expected = ReferenceClient(export.bundle_dir).predict(texts)
    assert client_remote.predict(texts) == expected
    # a tampered presigned URL is rejected by the server
    tampered = manifest.files[1].url.replace("Signature=", "Signature=AAAA")
    if tampered == manifest.files[1].url:
        tampered = manifest.files[1].url[:-4] + "0000"
    with pytest.raises(urllib.error.HTTPError) as rejected:
        urllib.request.urlopen(tampered, timeout=10)
    assert rejected.value.code == 403


def test_wrong_secret_fails_clearly_and_changes_nothing(s3_server, bucket, bundles):
    good = _store(s3_server, bucket)
    publish_released(bundles("v1"), good)
    bad = S3Store(bucket, PREFIX, S3Config(**s3_server.s3_config(secret_access_key="not-the-secret")), PublishConfig())
    with pytest.raises(ObjectStoreError, match="SignatureDoesNotMatch|AccessDenied|403"):
        publish_released(bundles("v2"), bad)
    assert read_manifest(good, MODEL_NAME)[0].version == "v1"


def test_failure_mid_upload_leaves_manifest_then_rerun_publishes(s3_server, bucket, bundles):
    store = _store(s3_server, bucket)
    publish_released(bundles("v1"), store)
    _, etag_before = read_manifest(store, MODEL_NAME)
    puts = {"count": 0}

    def drop_third_put(**_kwargs):
        puts["count"] += 1
        if puts["count"] >= 3:  # from the third PutObject on the server is unreachable (retries too)
            raise EndpointConnectionError(endpoint_url=s3_server.endpoint_url)

    # botocore's own event hook: the connection "drops" from the third PutObject on; nothing else is faked
    store.client.meta.events.register("before-send.s3.PutObject", drop_third_put)
    bundle_v2 = bundles("v2")
    with pytest.raises(PublishError, match="upload of spam-encoder v2 stopped at .*manifest still points at v1"):
        publish_released(bundle_v2, store)
    manifest, etag_after = read_manifest(store, MODEL_NAME)
    assert manifest.version == "v1" and etag_after == etag_before
    store.client.meta.events.unregister("before-send.s3.PutObject", drop_third_put)
    rerun = publish_released(bundle_v2, store)  # uploaded objects are reused, the rest uploaded, manifest last
    assert rerun.version == "v2" and rerun.previous_version == "v1"
    for entry in rerun.files:
        assert store.sha256_of(entry.key) == entry.sha256


def test_concurrent_publishes_one_wins(s3_server, bucket, bundles):
    store = _store(s3_server, bucket, cls=RacingS3Store)
    store.barrier = threading.Barrier(1)
    publish_released(bundles("v1"), store)
    store.barrier = threading.Barrier(2)
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
    assert len(winners) == 1 and sum(isinstance(o, PublishConflictError) for o in outcomes) == 1
    manifest, _ = read_manifest(store, MODEL_NAME)
    assert manifest.version == winners[0] and manifest.previous_version == "v1"
    for entry in manifest.files:
        assert store.sha256_of(entry.key) == entry.sha256


def test_rollback_on_s3(s3_server, bucket, bundles):
    store = _store(s3_server, bucket, url_mode="public", public_base_url="https://cdn.example.com/m")
    publish_released(bundles("v1"), store)
    publish_released(bundles("v2"), store)
    manifest = rollback_released(store, MODEL_NAME, "v1")
    assert manifest.version == "v1" and manifest.previous_version == "v2"
    assert manifest.files[0].url == f"https://cdn.example.com/m/{PREFIX}/models/{MODEL_NAME}/v1/bundle.json"
    s3_server.client().delete_object(Bucket=bucket, Key=f"{PREFIX}/models/{MODEL_NAME}/v2/spam_fp32.tflite")
    with pytest.raises(PublishError, match="spam_fp32.tflite: missing"):
        rollback_released(store, MODEL_NAME, "v2")
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"


def test_open_store_from_config(s3_server, bucket, config):
    s3 = S3Config(**s3_server.s3_config())
    store = open_store(PublishConfig(target=f"s3://{bucket}/{PREFIX}"), s3, config.paths.root)
    assert isinstance(store, S3Store) and store.bucket == bucket and store.prefix == PREFIX + "/"
    assert s3_server.secret_access_key not in store.describe()

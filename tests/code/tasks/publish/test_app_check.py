"""The app's download rehearsed before the manifest swap: a real bundle is fetched through the new manifest's URLs,
verified and run with the reference client; a bundle the app cannot run is refused and the manifest stays put."""

from __future__ import annotations

import pytest

from models.reference_client import ReferenceClient
from tasks.publish.app_check import APP_CHECK_MESSAGES, AppCheckError, check_as_the_app_does
from tasks.publish.publish import PublishError, read_manifest
from tasks.publish.stores import FileStore
from tests.code.tasks.export import tiny_bundle
from tests.code.tasks.publish.conftest import MODEL_NAME, publish_released

pytestmark = pytest.mark.slow


def test_a_real_bundle_is_downloaded_verified_and_run_before_the_manifest_points_at_it(tmp_path):
    export = tiny_bundle.tiny_export()
    assert export.bundle_dir is not None
    store = FileStore(tmp_path / "store")
    checked = []

    def app_check(manifest: dict) -> None:
        assert read_manifest(store, MODEL_NAME) is None  # runs before the swap: the app sees nothing new yet
        checked.append(check_as_the_app_does(manifest))

    manifest = publish_released(export.bundle_dir, store, app_check=app_check)
    assert read_manifest(store, MODEL_NAME)[0].version == manifest.version == tiny_bundle.VERSION
    (check,) = checked
    assert check.version == manifest.version and check.files_verified == len(manifest.files)
    assert sorted(s.model for s in check.scores) == sorted(k for k in manifest.models if k.startswith("tflite"))
    for scores in check.scores:  # the same numbers as the local bundle gives: the app runs what was exported
        local = ReferenceClient(export.bundle_dir, model=scores.model).predict(list(APP_CHECK_MESSAGES))
        assert scores.spam_probabilities == [p.spam_probability for p in local]
        assert scores.labels == [p.label for p in local]
    assert f"{len(manifest.files)} files" in check.summary()


def test_a_bundle_the_app_cannot_run_is_refused_and_the_manifest_is_unchanged(bundles, tmp_path):
    store = FileStore(tmp_path / "store")
    published = publish_released(bundles("v1"), store)  # the synthetic bundles' .tflite bytes are not a model
    with pytest.raises(PublishError, match=r"the app could not use spam-encoder v2.*manifest still points at v1"):
        publish_released(bundles("v2"), store, app_check=check_as_the_app_does)
    assert read_manifest(store, MODEL_NAME)[0].version == published.version == "v1"


def test_a_file_that_does_not_match_the_manifest_fails_the_check(tmp_path):
    export = tiny_bundle.tiny_export()
    store = FileStore(tmp_path / "store")
    manifest = publish_released(export.bundle_dir, store).model_dump(mode="json")
    tampered = next(f for f in manifest["files"] if f["path"].endswith(".tflite"))
    tampered["sha256"] = "0" * 64
    with pytest.raises(AppCheckError, match="sha256"):
        check_as_the_app_does(manifest)

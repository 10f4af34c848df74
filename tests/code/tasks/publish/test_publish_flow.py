"""The publish and publish-rollback flows, run through Prefect against the default folder store and the default
MLflow registry (SQLite in the state folder): each bundle's training run is a registered, passing version."""

from __future__ import annotations

import pytest

from models.parity import ParityGateError
from tasks.publish.publish import AppCheckRefused, read_manifest
from tasks.publish.stores import FileStore
from tests.code.tasks.publish.conftest import MODEL_NAME, real_bundle, register_run

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_publish_flow_then_rollback_flow(prefect_harness, config, bundles, tmp_path):
    from flows.publish import manifest_markdown, publish, publish_rollback

    registry = (config.resolved_tracking_uri, config.evaluate.registered_model_name)
    (run_1, version_1), (run_2, version_2) = register_run(*registry, "pass"), register_run(*registry, "pass")
    # real models: the flow downloads and runs each version as the app does before the manifest points at it
    first = publish(bundle_dir=real_bundle(tmp_path / "real", "v1", run_1), config=config)
    second = publish(bundle_dir=real_bundle(tmp_path / "real", "v2", run_2), config=config)
    assert (first.version, second.version, second.previous_version) == ("v1", "v2", "v1")
    assert (first.registry.version, first.registry.run_id, second.registry.version) == (version_1, run_1, version_2)
    assert f"registry {registry[1]} v{version_2}, verdict **pass**" in manifest_markdown("Published", second)
    store = FileStore(config.paths.root / "published")
    assert read_manifest(store, MODEL_NAME)[0].version == "v2"
    rolled = publish_rollback(name=MODEL_NAME, version="v1", config=config)
    assert rolled.version == "v1" and rolled.registry.version == version_1
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"
    with pytest.raises(AppCheckRefused, match="the app could not use"):  # a model the app cannot load; not retried
        publish(bundle_dir=bundles("v4", mlflow_run_id=run_2), config=config)
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"
    with pytest.raises(ParityGateError):  # not retried: a failed gate fails the same way again
        publish(bundle_dir=bundles("v3", passed=False, mlflow_run_id=run_2), config=config)
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"

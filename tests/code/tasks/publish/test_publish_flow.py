"""The publish and publish-rollback flows, run through Prefect against the default folder store."""

from __future__ import annotations

import pytest

from tasks.export.parity import ParityGateError
from tasks.publish.publish import read_manifest
from tasks.publish.stores import FileStore
from tests.code.tasks.publish.conftest import MODEL_NAME

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_publish_flow_then_rollback_flow(prefect_harness, config, bundles):
    from flows.publish import publish, publish_rollback

    first = publish(bundle_dir=bundles("v1"), config=config)
    second = publish(bundle_dir=bundles("v2"), config=config)
    assert (first.version, second.version, second.previous_version) == ("v1", "v2", "v1")
    store = FileStore(config.paths.root / "published")
    assert read_manifest(store, MODEL_NAME)[0].version == "v2"
    rolled = publish_rollback(name=MODEL_NAME, version="v1", config=config)
    assert rolled.version == "v1" and read_manifest(store, MODEL_NAME)[0].version == "v1"
    with pytest.raises(ParityGateError):  # not retried: a failed gate fails the same way again
        publish(bundle_dir=bundles("v3", passed=False), config=config)
    assert read_manifest(store, MODEL_NAME)[0].version == "v1"

"""Export test fixtures: the tiny model and its bundle are built once per session (tiny_bundle.py)."""

from __future__ import annotations

import pytest

from tests.code.tasks.export import tiny_bundle


@pytest.fixture(scope="session")
def tiny_model_dir():
    return tiny_bundle.tiny_model_dir()


@pytest.fixture(scope="session")
def tiny_export_result():
    result = tiny_bundle.tiny_export()
    assert result.bundle_dir is not None, result.report.reasons
    return result


@pytest.fixture(scope="session")
def eval_texts() -> list[str]:
    return tiny_bundle.eval_texts()

"""Publishing follows the registry: whatever version holds alias ``champion`` is what phones get."""

from __future__ import annotations

import json
from pathlib import Path

from mlflow import MlflowClient

from models.ondevice import BUNDLE_INDEX


class ChampionBundleError(RuntimeError):
    """The champion's on-device bundle cannot be found (it was exported on another machine, or deleted)."""


def champion_run_id(tracking_uri: str, registered_model: str) -> tuple[str, str]:
    """(model version, training run id) behind alias ``champion``."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    version = client.get_model_version_by_alias(registered_model, "champion")
    return str(version.version), str(version.run_id)


def find_bundle_for_run(exports_root: Path, run_id: str) -> Path:
    """The exported bundle whose bundle.json names ``run_id`` (bundles live in <state>/exports/<version>/)."""
    for index_path in sorted(exports_root.glob(f"*/{BUNDLE_INDEX}")):
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index.get("mlflow_run_id") == run_id:
            return index_path.parent
    raise ChampionBundleError(
        f"no exported bundle under {exports_root} for training run {run_id}: re-run the export flow for it"
    )

"""Publishing follows the registry: the version behind alias ``champion`` is what phones get, if it may be released."""

from __future__ import annotations

import json
from pathlib import Path

from models.ondevice import BUNDLE_INDEX


class ChampionBundleError(RuntimeError):
    """The champion's on-device bundle cannot be found (it was exported on another machine, or deleted)."""


def find_bundle_for_run(exports_root: Path, run_id: str) -> Path:
    """The exported bundle whose bundle.json names ``run_id`` (bundles live in <state>/exports/<version>/)."""
    for index_path in sorted(exports_root.glob(f"*/{BUNDLE_INDEX}")):
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index.get("mlflow_run_id") == run_id:
            return index_path.parent
    raise ChampionBundleError(
        f"no exported bundle under {exports_root} for training run {run_id}: re-run the export flow for it"
    )

"""Re-running a failed weekly retrain resumes instead of repeating: finished stage outputs are found again.

Every key is content-derived, so a re-run on the same data and settings lands on the same records:

- train: the run name hashes (settings, data digest, seed); a finished run leaves ``training_result.json`` in
  ``<state>/runs/<run_name>/`` and is returned as it was (same MLflow run id) while that run still exists.
  An unfinished one resumes from its newest checkpoint inside ``run_training``.
- export: the bundle version is the run name; a bundle whose ``bundle.json`` names the same MLflow run is reused.
- evaluate: ``<state>/retrain/<run_name>/evaluation.json``; reused while its registered version still exists,
  with the aliases read again from the registry.
- publish: idempotent in its own right (immutable keys, manifest compare-and-swap).

Plain Python (no Prefect): the flows call these helpers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mlflow.exceptions import MlflowException

from models.ondevice import BUNDLE_INDEX
from models.parity import ParityReport
from models.registry import ALIAS_CHAMPION, registry_client
from spamloop.config import SpamloopConfig
from spamloop.settings.train import TrainConfig
from tasks.evaluate.pipeline import EvaluationResult
from tasks.evaluate.registry import current_aliases
from tasks.export.pipeline import ExportResult
from tasks.train.dataset import DatasetLineage
from tasks.train.pipeline import TrainingResult, run_name_for

logger = logging.getLogger(__name__)

TRAINING_RESULT_FILE = "training_result.json"
EVALUATION_RESULT_FILE = "evaluation.json"
PARITY_REPORT_FILE = "parity_report.json"


def training_run_name(config: SpamloopConfig, train_config: TrainConfig, lineage: DatasetLineage) -> str:
    """The name ``run_training`` will give this run (the same seed rule)."""
    seed = train_config.seed if train_config.seed is not None else config.seed
    return run_name_for(train_config, lineage.digest, seed)


def training_result_path(config: SpamloopConfig, run_name: str) -> Path:
    return config.paths.runs / run_name / TRAINING_RESULT_FILE


def _run_finished(tracking_uri: str, run_id: str) -> bool:
    try:
        return registry_client(tracking_uri).get_run(run_id).info.status == "FINISHED"
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return False
        raise


def finished_training(config: SpamloopConfig, train_config: TrainConfig, lineage: DatasetLineage) -> TrainingResult | None:
    """The result of an identical training run that finished, if its model and MLflow run are still there."""
    if not train_config.resume:
        return None
    path = training_result_path(config, training_run_name(config, train_config, lineage))
    if not path.is_file():
        return None
    result = TrainingResult.model_validate_json(path.read_text(encoding="utf-8"))
    if not result.model_dir.is_dir() or not _run_finished(config.resolved_tracking_uri, result.run_id):
        logger.info("finished training %s is incomplete (model folder or MLflow run gone): training again", result.run_name)
        return None
    return result


def record_training(config: SpamloopConfig, result: TrainingResult) -> Path:
    """Written last, after the run finished: its presence means 'done'."""
    path = training_result_path(config, result.run_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, result.model_dump_json(indent=2))
    return path


def existing_bundle(config: SpamloopConfig, version: str, mlflow_run_id: str) -> ExportResult | None:
    """The verified bundle ``exports/<version>`` if it was exported from this very training run."""
    bundle_dir = config.paths.exports / version
    index_path, report_path = bundle_dir / BUNDLE_INDEX, bundle_dir / PARITY_REPORT_FILE
    if not index_path.is_file() or not report_path.is_file():
        return None
    index = json.loads(index_path.read_text(encoding="utf-8"))
    if index.get("mlflow_run_id") != mlflow_run_id:
        return None
    report = ParityReport.model_validate_json(report_path.read_text(encoding="utf-8"))
    if not report.passed:
        return None
    return ExportResult(version, report, bundle_dir, None, index, 0.0)


def evaluation_result_path(config: SpamloopConfig, run_name: str) -> Path:
    return config.paths.root / "retrain" / run_name / EVALUATION_RESULT_FILE


def finished_evaluation(config: SpamloopConfig, run_name: str, training_run_id: str) -> EvaluationResult | None:
    """The recorded evaluation of this training run, with aliases as the registry has them now."""
    path = evaluation_result_path(config, run_name)
    if not path.is_file():
        return None
    result = EvaluationResult.model_validate_json(path.read_text(encoding="utf-8"))
    if result.training_run_id != training_run_id:
        return None
    client = registry_client(config.resolved_tracking_uri)
    try:
        client.get_model_version(result.registered_model, result.version)
    except MlflowException:
        return None  # version deleted: evaluate again
    aliases = current_aliases(client, result.registered_model)
    return result.model_copy(
        update={
            "aliases_after": aliases,
            "promoted": aliases.get(ALIAS_CHAMPION) == result.version,
            "challenger_set": aliases.get("challenger") == result.version,
        }
    )


def record_evaluation(config: SpamloopConfig, run_name: str, result: EvaluationResult) -> Path:
    path = evaluation_result_path(config, run_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, result.model_dump_json(indent=2))
    return path


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)

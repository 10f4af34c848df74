"""One real tiny training run: it learns, it is logged completely, and the logged model scores like the trained one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from models.encoder import load_classifier, predict_spam_proba
from models.normalization import model_text
from tasks.train.pipeline import run_training
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

# 600 fixture rows, 6 epochs of a from-scratch tiny encoder: measured best dev F1 (argmax) 0.924 and 0.921 at the
# operating threshold (target ham FPR 0.05), the same on every run since the vocabulary is deterministic; the
# floors leave room for other CPUs' float rounding. With generator v2's 37 Korean spam subtypes 4 epochs left the
# Korean scores unsettled (argmax 0.915 but 0.553 at the operating threshold); with the old hash-ordered
# vocabulary CI once saw 0.53.
DEV_F1_FLOOR = 0.80
OPERATING_F1_FLOOR = 0.60
RAW_TEXTS = [
    "[Web발신] 고객님 택배 주소 불일치로 반송 예정. 확인 http://bit.ly/3xYz9 010-9876-5432",
    "URGENT! You have won a £1000 cash prize. Call 09061701461 now to claim",
    "오늘 저녁에 시간 괜찮아? 같이 밥 먹자",
    "Ok, see you at the station at 6",
]


def test_loss_fell_and_dev_f1_beats_the_floor(trained):
    _, result = trained
    losses = result.train_losses
    assert len(losses) >= 6
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3])
    assert max(result.dev_f1_by_epoch) >= DEV_F1_FLOOR
    assert result.encoder_metrics["all"]["spam_f1"] >= OPERATING_F1_FLOOR
    assert result.encoder_metrics["all"]["ham_fpr"] <= result.target_ham_fpr + 1e-12
    assert {"all", "ko", "en"} <= set(result.baseline_metrics)
    assert result.baseline_metrics["all"]["n"] == result.encoder_metrics["all"]["n"] == result.n_dev
    assert result.train_samples_per_s > 0 and result.train_wall_time_s > 0


def test_saved_result_with_an_undefined_metric_loads_back(trained):
    """A small run can flag no spam in one language, so its precision is NaN; the saved result must still load
    (JSON's default null for NaN once broke re-running a finished training)."""
    from tasks.train.pipeline import TrainingResult

    _, result = trained
    metrics = {lang: dict(values) for lang, values in result.encoder_metrics.items()}
    metrics["en"]["spam_precision"] = float("nan")
    saved = result.model_copy(update={"encoder_metrics": metrics}).model_dump_json()
    loaded = TrainingResult.model_validate_json(saved)
    assert np.isnan(loaded.encoder_metrics["en"]["spam_precision"])
    assert loaded.encoder_metrics["all"] == result.encoder_metrics["all"]


def test_the_candidate_carries_what_export_and_evaluate_read(trained):
    _, result = trained
    candidate = result.candidate
    assert (candidate.name, candidate.run_id, candidate.model_uri) == (result.run_name, result.run_id, result.model_uri)
    assert (candidate.model_dir, candidate.tokenizer_dir) == (result.model_dir, result.tokenizer_dir)
    assert (candidate.threshold, candidate.max_seq_len) == (result.threshold, result.max_seq_len)
    assert (candidate.baseline_model_uri, candidate.baseline_threshold) == (result.baseline_model_uri, result.baseline_threshold)
    assert candidate.metrics["dev_spam_f1"] == result.encoder_metrics["all"]["spam_f1"]
    candidate.require("export", "name", "model_dir", "threshold")
    candidate.require("evaluate", "run_id", "model_uri")


def test_pyfunc_round_trip_matches_in_process_scores(trained):
    config, result = trained
    mlflow.set_tracking_uri(config.resolved_tracking_uri)
    model, tokenizer = load_classifier(result.model_dir)
    expected = predict_spam_proba(model, tokenizer, [model_text(text) for text in RAW_TEXTS], result.max_seq_len)
    pyfunc_model = mlflow.pyfunc.load_model(result.model_uri)
    got = np.asarray(pyfunc_model.predict(RAW_TEXTS), dtype=np.float64)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    assert pyfunc_model.metadata.metadata["threshold"] == pytest.approx(result.threshold)
    assert pyfunc_model.metadata.metadata["normalization_version"]


def test_offline_reload_gives_identical_probabilities(trained, tmp_path):
    _, result = trained
    model, tokenizer = load_classifier(result.model_dir)
    in_process = predict_spam_proba(model, tokenizer, [model_text(text) for text in RAW_TEXTS], result.max_seq_len)
    # A fresh interpreter with the hub switched off loads only from the local folder.
    script = (
        "import json, sys\n"
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        "from models.encoder import predict_spam_proba\n"
        "from models.normalization import model_text\n"
        "folder, max_len = sys.argv[1], int(sys.argv[2])\n"
        "model = AutoModelForSequenceClassification.from_pretrained(folder)\n"
        "tokenizer = AutoTokenizer.from_pretrained(folder)\n"
        "texts = json.loads(sys.stdin.read())\n"
        "print(json.dumps(predict_spam_proba(model, tokenizer, [model_text(t) for t in texts], max_len).tolist()))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "empty-hf-home")}
    done = subprocess.run(
        [sys.executable, "-c", script, str(result.model_dir), str(result.max_seq_len)],
        input=json.dumps(RAW_TEXTS), capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reloaded = np.asarray(json.loads(done.stdout.strip().splitlines()[-1]))
    np.testing.assert_array_equal(reloaded, in_process)


def test_mlflow_run_has_params_metrics_lineage_and_artifacts(trained):
    config, result = trained
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    run = client.get_run(result.run_id)
    params, metrics, tags = run.data.params, run.data.metrics, run.data.tags
    for name in ("preset", "vocab_size", "max_seq_len", "learning_rate", "epochs", "seed", "n_train", "n_dev", "threshold"):
        assert name in params, name
    for name in ("augment_spam_rate", "augment_ham_rate", "augment_max_stack", "augment_ham_contact_rate"):
        assert name in params, name
    assert params["preset"] == "tiny" and int(params["n_train"]) == result.n_train
    assert float(params["learning_rate"]) == 1e-3  # left empty in the config: the tiny preset's measured rate is logged
    assert metrics["threshold"] == pytest.approx(result.threshold)
    assert metrics["dev_spam_f1"] == pytest.approx(result.encoder_metrics["all"]["spam_f1"])
    assert "baseline_dev_spam_f1" in metrics and "dev_en_spam_f1" in metrics and "dev_ko_ham_fpr" in metrics
    for tag in ("snapshot_id", "git_commit", "prompt_version", "preset", "normalization_version"):
        assert tags.get(tag), tag
    assert tags["role"] == "encoder" and tags["prompt_version"] == "none"
    history = client.get_metric_history(result.run_id, "dev_f1")
    assert len(history) == len(result.dev_f1_by_epoch) >= 2
    assert len(client.get_metric_history(result.run_id, "train_loss")) >= 2
    contexts = {tag.value for dataset_input in run.inputs.dataset_inputs for tag in dataset_input.tags if tag.key == "mlflow.data.context"}
    assert contexts == {"training", "dev"}
    artifacts = {item.path for item in client.list_artifacts(result.run_id, "plots")}
    assert artifacts == {"plots/confusion_matrix.png", "plots/pr_curve.png", "plots/threshold_vs_fpr.png"}
    tokenizer_files = {Path(item.path).name for item in client.list_artifacts(result.run_id, "tokenizer")}
    assert {"tokenizer.json", "tokenizer_config.json"} <= tokenizer_files
    baseline = client.get_run(result.baseline_run_id)
    assert baseline.data.tags["role"] == "baseline"
    assert baseline.data.tags["mlflow.parentRunId"] == result.run_id
    assert baseline.data.metrics["threshold"] == pytest.approx(result.baseline_threshold)
    baseline_model = mlflow.sklearn.load_model(result.baseline_model_uri)
    assert baseline_model.predict_proba(["free entry to win cash now"]).shape == (1, 2)


def test_logged_misclassified_table_holds_normalised_text_only(trained, seed_sample, tmp_path):
    config, result = trained
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    local = client.download_artifacts(result.run_id, "misclassified_dev.json", str(tmp_path))
    table = json.loads(Path(local).read_text())
    assert set(table["columns"]) == {"message_id", "text_model", "label", "lang", "spam_score"}
    raw_by_id = dict(zip(seed_sample["message_id"], seed_sample["text"], strict=True))
    model_text_by_id = dict(zip(seed_sample["message_id"], seed_sample["text_model"], strict=True))
    columns = table["columns"]
    for row in table["data"]:
        record = dict(zip(columns, row, strict=True))
        assert record["text_model"] == model_text_by_id[record["message_id"]]
    # No raw text that differs from its normalised form (i.e. that carried a phone/URL/...) reached MLflow.
    logged = "\n".join(Path(root, name).read_text(errors="ignore") for root, _, names in os.walk(tmp_path) for name in names)
    leaked = [raw for mid, raw in raw_by_id.items() if raw != model_text_by_id[mid] and raw in logged]
    assert not leaked, leaked[:3]
    assert not re.search(r"01[016789]-\d{3,4}-\d{4}", logged)


def test_second_run_with_the_same_settings_resumes_from_its_checkpoint(trained, seed_sample, tiny_train_config):
    config, first = trained
    second = run_training(config, tiny_train_config.model_copy(update={"log_model": False}), seed_sample)
    assert second.run_name == first.run_name
    assert second.resumed_from is not None and Path(second.resumed_from).parent.name == "checkpoints"
    assert second.global_step == first.global_step
    assert second.threshold == pytest.approx(first.threshold)

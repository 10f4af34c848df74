"""The weekly retrain's summary artifact: gate table, published version and MLflow links."""

from __future__ import annotations

from flows.retrain import RetrainSummary, registry_version_link
from tasks.evaluate.gates import GateResult
from tasks.evaluate.pipeline import run_link


def test_summary_markdown_has_the_gate_table_version_and_links():
    uri = "http://mlflow.internal:5000/"
    summary = RetrainSummary(
        published_version="tiny-0123456789ab",
        gold_metrics={"spam_f1": 0.91234, "ham_fpr": 0.004},
        gates=[
            GateResult(name="min_spam_f1", group="floor", verdict="pass", reason="0.912 >= 0.88", value=0.91234, limit=0.88),
            GateResult(name="max_ham_fpr", group="floor", verdict="fail", reason="too many", value=0.031, limit=0.025),
            GateResult(name="ondevice_size", group="ondevice", verdict="not_evaluated", reason="no report"),
        ],
        links={
            "MLflow training run": run_link(uri, "3", "abc123"),
            "Registry version": registry_version_link(uri, "spamloop-sms-spam", "7"),
        },
    )
    summary.add("ingest", "completed", "snapshot s1: read 10 = accepted 9 + duplicate 1 + quarantined 0")
    summary.add("export", "completed", "PASS on 10 texts; tflite_fp32: max|Δ| 8.05e-07")
    markdown = summary.to_markdown()
    assert "| export | completed | PASS on 10 texts; tflite_fp32: max\\|Δ\\| 8.05e-07 |" in markdown

    assert "| gate | value | threshold | passed |" in markdown
    assert "| min_spam_f1 | 0.9123 | 0.88 | yes |" in markdown
    assert "| max_ham_fpr | 0.031 | 0.025 | **no** |" in markdown
    assert "| ondevice_size | – | – | not evaluated |" in markdown
    assert "**Published version:** tiny-0123456789ab" in markdown
    assert "| spam_f1 | 0.9123 |" in markdown
    run_url = "http://mlflow.internal:5000/#/experiments/3/runs/abc123"
    version_url = "http://mlflow.internal:5000/#/models/spamloop-sms-spam/versions/7"
    assert f"[{run_url}]({run_url})" in markdown and f"[{version_url}]({version_url})" in markdown


def test_local_store_links_are_ids_and_a_browse_command():
    sqlite = "sqlite:////state/mlflow/mlflow.db"
    assert run_link(sqlite, "3", "abc123") == "abc123"
    assert registry_version_link(sqlite, "spamloop-sms-spam", "7") == "spamloop-sms-spam v7"
    summary = RetrainSummary(links={"MLflow training run": "abc123"}, browse_hint=f"mlflow ui --backend-store-uri {sqlite}")
    markdown = summary.to_markdown()
    assert "- MLflow training run: `abc123`" in markdown
    assert f"Browse: `mlflow ui --backend-store-uri {sqlite}`" in markdown
    assert "**Published version:** none (manifest unchanged)" in markdown

"""The weekly retrain's summary artifact: gate table, published version and MLflow links."""

from __future__ import annotations

from flows.retrain_report import RetrainSummary, registry_version_link
from tasks.evaluate.gates import GateResult
from tasks.evaluate.pipeline import run_link


def test_summary_markdown_has_the_gate_table_version_and_links():
    uri = "http://mlflow.internal:5000/"
    summary = RetrainSummary(
        published_version="tiny-0123456789ab",
        gold_metrics={"spam_f1": 0.91234, "ham_fpr": 0.004},
        gates=[
            GateResult(name="min_spam_f1", group="floor", verdict="pass", reason="0.912 >= 0.88", value=0.91234, limit=0.88,
                       ci_low=0.8912, ci_high=0.9301, n=190),
            GateResult(name="max_ham_fpr", group="floor", verdict="fail", reason="too many", value=0.0336, limit=0.03,
                       ci_low=0.0084, ci_high=0.0672, n=119, count="4/119"),
            GateResult(name="regression_spam_f1", group="regression", verdict="pass", reason="not worse", value=-0.0105,
                       limit=-0.01, ci_low=-0.0263, ci_high=0.0, n=190),
            GateResult(name="slice_lang_en_spam_recall", group="slice", verdict="undecided", reason="undecided (n=12)", n=12),
            GateResult(name="slice_has_url_ham_fpr", group="slice", verdict="fail", reason="7/18", value=0.3889, limit=0.05,
                       ci_low=0.1667, ci_high=0.6111, n=18, count="7/18", required=False),
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

    # Each verdict sits beside its value, 95% interval and n; what blocks promotion is in bold.
    assert "| gate | value | 95% interval | n | limit | passed |" in markdown
    assert "| min_spam_f1 | 0.9123 | [0.8912, 0.9301] | 190 | 0.88 | yes |" in markdown
    assert "| max_ham_fpr | 0.0336 | [0.0084, 0.0672] | 119 (4/119) | 0.03 | **no** |" in markdown
    assert "| regression_spam_f1 | Δ -0.0105 | [-0.0263, +0.0000] | 190 | -0.0100 | yes |" in markdown
    assert "| slice_lang_en_spam_recall | – | – | 12 | – | **undecided (n=12)** |" in markdown
    assert "| slice_has_url_ham_fpr | 0.3889 | [0.1667, 0.6111] | 18 (7/18) | 0.05 | no (info) |" in markdown
    assert "| ondevice_size | – | – | – | – | not evaluated |" in markdown
    assert "**Published version:** tiny-0123456789ab" in markdown
    assert "| spam_f1 | 0.9123 |" in markdown
    run_url = "http://mlflow.internal:5000/#/experiments/3/runs/abc123"
    version_url = "http://mlflow.internal:5000/#/models/spamloop-sms-spam/versions/7"
    assert f"[{run_url}]({run_url})" in markdown and f"[{version_url}]({version_url})" in markdown


def test_console_gate_table_shows_interval_and_n():
    from io import StringIO

    from rich.console import Console

    from flows.retrain_report import print_summary

    summary = RetrainSummary(
        gates=[
            GateResult(name="slice_transactional_ham_ham_fpr", group="slice", verdict="fail", reason="", value=0.0336,
                       limit=0.03, ci_low=0.0084, ci_high=0.0672, n=119, count="4/119"),
            GateResult(name="behaviour_invariance", group="behavioural", verdict="undecided", reason="", n=0),
        ]
    )
    out = StringIO()
    print_summary(summary, Console(file=out, width=200))
    text = out.getvalue()
    assert "95% interval" in text and "[0.0084, 0.0672]" in text and "119 (4/119)" in text and "0.03" in text
    assert "undecided (n=0)" in text


def test_local_store_links_are_ids_and_a_browse_command():
    sqlite = "sqlite:////state/mlflow/mlflow.db"
    assert run_link(sqlite, "3", "abc123") == "abc123"
    assert registry_version_link(sqlite, "spamloop-sms-spam", "7") == "spamloop-sms-spam v7"
    summary = RetrainSummary(links={"MLflow training run": "abc123"}, browse_hint=f"mlflow ui --backend-store-uri {sqlite}")
    markdown = summary.to_markdown()
    assert "- MLflow training run: `abc123`" in markdown
    assert f"Browse: `mlflow ui --backend-store-uri {sqlite}`" in markdown
    assert "**Published version:** none (manifest unchanged)" in markdown

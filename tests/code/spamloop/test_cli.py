from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spamloop.cli import app
from spamloop.cli.stages import EXIT_AWAITING_REVIEW, EXIT_BLOCKED
from tests.code.flows.test_retrain_state import AWAITING, BLOCKED, stage_outcomes
from tests.code.tasks.publish.conftest import make_bundle
from tests.conftest import REPO_ROOT
from tests.support.cli import run_cli


def test_a_set_without_equals_sign_is_a_usage_error_naming_the_option(tmp_path):
    result = CliRunner().invoke(app, ["config", "show", "--state-dir", str(tmp_path), "--set", "no-equals-sign"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --set: expected KEY=VALUE, got 'no-equals-sign'" in result.output


def test_config_show_applies_overrides_and_masks_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("SPAMLOOP_S3__SECRET_ACCESS_KEY", "super-secret-value")
    result = CliRunner().invoke(
        app, ["config", "show", "--state-dir", str(tmp_path / "st"), "--set", "ingest.batch_rows=1234"]
    )
    assert result.exit_code == 0, result.output
    assert "batch_rows: 1234" in result.output
    assert "super-secret-value" not in result.output
    assert "**********" in result.output


def test_bad_override_gives_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["config", "show", "--state-dir", str(tmp_path), "--set", "ingest.batch_rows=1"])
    assert result.exit_code != 0
    assert "batch_rows" in str(result.exception) + result.output


def test_a_refused_command_exits_non_zero_from_the_installed_script(tmp_path):
    """typer.Exit(1) reaches the shell (main() used to drop it and exit 0)."""
    bundle = make_bundle(tmp_path, "v1")
    (bundle / "vocab.txt").write_text("tampered\n", encoding="utf-8")
    script = Path(sys.executable).with_name("spamloop")
    done = subprocess.run(
        [str(script), "verify-bundle", str(bundle)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "vocab.txt" in done.stdout + done.stderr
    intact = subprocess.run(
        [str(script), "verify-bundle", str(make_bundle(tmp_path, "v2"))], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert intact.returncode == 0, intact.stdout + intact.stderr


@pytest.mark.prefect
@pytest.mark.parametrize(
    ("status", "text", "published", "code"),
    [("blocked", BLOCKED, None, EXIT_BLOCKED), ("awaiting-review", AWAITING, None, EXIT_AWAITING_REVIEW),
     ("completed", "manifest -> spam-encoder v9", "v9", 0)],
)
def test_retrain_exit_code_says_whether_a_model_was_published(
    prefect_harness, tmp_path, monkeypatch, capsys, status, text, published, code
):
    from flows import retrain

    monkeypatch.setattr(retrain, "_run_stages", lambda _config: stage_outcomes(status, text, published))
    exit_code, out, err = run_cli(monkeypatch, capsys, "retrain", "--state-dir", str(tmp_path / "state"))
    assert exit_code == code, out + err
    assert "weekly retrain" in out  # the stage table is printed either way
    if code:
        last = out.strip().splitlines()[-1]
        assert last == f"{'Blocked' if code == EXIT_BLOCKED else 'AwaitingReview'}: {text} (exit {code})"
    else:
        assert "published version: v9" in out

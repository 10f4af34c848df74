from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from spamloop.cli import app, parse_overrides


def test_parse_overrides_nests_and_parses_yaml_values():
    assert parse_overrides(["ingest.batch_rows=1000", "seed=3", "ingest.source=s3://b/p"]) == {
        "ingest": {"batch_rows": 1000, "source": "s3://b/p"},
        "seed": 3,
    }
    with pytest.raises(typer.BadParameter):
        parse_overrides(["no-equals-sign"])


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

"""`spamloop predict` from a bundle and from a published manifest; `publish`, `verify-bundle`, `rollback-model`."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from spamloop.cli.export import export_app
from spamloop.config import load_config
from tests.code.tasks.export import tiny_bundle
from tests.code.tasks.publish.conftest import register_passing_version_of_run

pytestmark = pytest.mark.slow  # needs the tiny bundle (built once per session)

TEXTS = ["WINNER!! You have won a £1000 prize. Call 09061701461 now", "내일 점심 같이 먹을래?"]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.command()
    def version() -> None:  # a second command, so the mounted app behaves like the real CLI
        typer.echo("0")

    root.add_typer(export_app)
    return root


def test_predict_publish_and_rollback_via_cli(app, tmp_path):
    from models.reference_client import ReferenceClient

    export = tiny_bundle.tiny_export()
    runner = CliRunner()
    expected = ReferenceClient(export.bundle_dir).predict(TEXTS)
    local = runner.invoke(app, ["predict", "--bundle", str(export.bundle_dir), *TEXTS], terminal_width=200)
    assert local.exit_code == 0, local.output
    assert tiny_bundle.VERSION in local.output
    for prediction in expected:
        assert f"{prediction.spam_probability:.4f}" in local.output

    assert runner.invoke(app, ["verify-bundle", str(export.bundle_dir)]).exit_code == 0
    store = tmp_path / "store"
    publish_args = ["publish", str(export.bundle_dir), "--target", store.as_uri(), "--state-dir", str(tmp_path / "state")]
    unregistered = runner.invoke(app, publish_args)  # no registry version of its training run: refused
    assert unregistered.exit_code == 1 and "no version of spamloop-sms-spam was registered" in unregistered.output
    assert not store.exists()
    tracking_uri = load_config(state_dir=tmp_path / "state").resolved_tracking_uri
    registry_version = register_passing_version_of_run(tracking_uri, "spamloop-sms-spam", export.index["mlflow_run_id"])
    published = runner.invoke(app, publish_args)
    assert published.exit_code == 0, published.output
    assert f"(registry v{registry_version}, verdict pass)" in published.output
    manifest_url = (store / "models" / "spam-encoder" / "manifest.json").as_uri()
    remote = runner.invoke(
        app, ["predict", "--manifest-url", manifest_url, "--cache-dir", str(tmp_path / "cache"), "--model",
              "tflite_int8", *TEXTS], terminal_width=200,
    )
    assert remote.exit_code == 0, remote.output
    assert "tflite_int8" in remote.output and (tmp_path / "cache" / "spam-encoder" / tiny_bundle.VERSION).is_dir()

    neither = runner.invoke(app, ["predict", "x"])
    assert neither.exit_code != 0
    missing = runner.invoke(
        app, ["rollback-model", "spam-encoder", "never", "--target", store.as_uri(), "--state-dir", str(tmp_path / "s")]
    )
    assert missing.exit_code != 0 and "never published" in str(missing.exception)

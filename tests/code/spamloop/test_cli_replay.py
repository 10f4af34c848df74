"""`spamloop replay` refuses bad options and a used state folder before anything runs."""

from __future__ import annotations

from typer.testing import CliRunner

from spamloop.cli import app


def test_replay_refuses_bad_accuracies(tmp_path):
    result = CliRunner().invoke(app, ["replay", "--state-dir", str(tmp_path / "s"), "--accuracy", "0.9,2"])
    assert result.exit_code != 0
    assert "three accuracies" in result.output


def test_replay_refuses_a_state_folder_with_an_earlier_run(tmp_path):
    state = tmp_path / "s"
    (state / "corpus").mkdir(parents=True)
    result = CliRunner().invoke(app, ["replay", "--state-dir", str(state), "--weeks", "1"])
    assert result.exit_code != 0
    assert "not empty" in str(result.exception) + result.output


def test_replay_refuses_unknown_new_subtypes(tmp_path):
    result = CliRunner().invoke(app, ["replay", "--state-dir", str(tmp_path / "s"), "--new-subtypes", "nope"])
    assert result.exit_code != 0
    assert "unknown spam subtypes" in str(result.exception) + result.output
    assert not (tmp_path / "s" / "replay").exists()

"""`spamloop gold build|verify|candidates` and `spamloop review audit-export|import` as a shell runs them: a refusal
is one line on stderr and exit 1, a build prints its counts and digest."""

from __future__ import annotations

import csv
import json

import pytest

from tests.code.tasks.evaluate.own_traffic import id_of, own_messages, tiny_seed_dir, write_own_snapshot, write_verdicts
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory):
    return tiny_seed_dir(tmp_path_factory.mktemp("seed"))


def _refusal(code: int, err: str, *needles: str) -> None:
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("refused: "), err
    for needle in needles:
        assert needle in " ".join(err.split()), err


def test_gold_build_refusals_exit_1_with_one_line(monkeypatch, capsys, tmp_path, seed_dir):
    state, gold_dir = str(tmp_path / "state"), tmp_path / "gold"
    common = ("--state-dir", state, "--seed-dir", str(seed_dir))
    code, _, err = run_cli(monkeypatch, capsys, "gold", "build", "--version", "v3", "--gold-dir", str(gold_dir), *common)
    _refusal(code, err, "no verified own-traffic rows", "--allow-no-own-traffic")
    assert not gold_dir.exists()
    code, _, err = run_cli(monkeypatch, capsys, "gold", "build", "--version", "v2", "--gold-dir", str(gold_dir), *common)
    _refusal(code, err, "gold v2 is a bundled version")

    code, out, _ = run_cli(
        monkeypatch, capsys, "gold", "build", "--version", "v3", "--gold-dir", str(gold_dir), "--allow-no-own-traffic", *common
    )
    assert code == 0 and "+ 0 own traffic (0.0%)" in out
    code, _, err = run_cli(
        monkeypatch, capsys, "gold", "build", "--version", "v3", "--gold-dir", str(gold_dir), "--allow-no-own-traffic", *common
    )
    _refusal(code, err, "gold v3 already exists", "never rewritten")

    (gold_dir / "gold-v3.parquet").write_bytes((gold_dir / "gold-v3.parquet").read_bytes() + b"x")
    code, _, err = run_cli(monkeypatch, capsys, "gold", "verify", "--version", "v3", "--gold-dir", str(gold_dir), "--state-dir", state)
    _refusal(code, err, "digest mismatch")
    code, _, err = run_cli(monkeypatch, capsys, "review", "audit-export", str(tmp_path / "audit.csv"), "--state-dir", state)
    _refusal(code, err, "no snapshot to audit")


def test_review_import_then_gold_build_with_own_rows(monkeypatch, capsys, tmp_path, seed_dir):
    from spamloop.config import load_config
    from tasks.label.store import LabelStore

    state = tmp_path / "state"
    config = load_config(state_dir=state)
    messages = own_messages()
    snapshot_id = write_own_snapshot(config, messages)
    with LabelStore.for_config(config) as store:
        store.put_ensemble(
            [{"message_id": id_of(messages, k), "label": "ham", "category": "personal", "n_votes": 3} for k in ("dinner", "school")],
            prompt_version="label-v1-test", run_id="r1",
        )
    audit = tmp_path / "audit.csv"
    code, out, _ = run_cli(monkeypatch, capsys, "review", "audit-export", str(audit), "--size", "5", "--state-dir", str(state))
    assert code == 0 and f"2 LLM-labelled message(s) of snapshot {snapshot_id}" in " ".join(out.split())
    with audit.open(encoding="utf-8") as handle:
        audited = [row["message_id"] for row in csv.DictReader(handle)]
    verdicts = [(audited[0], "ham", "transactional"), (audited[1], "spam", None), (id_of(messages, "parcel"), "spam", "phishing_link")]
    code, out, _ = run_cli(
        monkeypatch, capsys, "review", "import", str(write_verdicts(tmp_path / "filled.csv", verdicts)), "--state-dir", str(state)
    )
    assert code == 0, out
    flat = " ".join(out.split())
    assert "gold candidates: own:review 1, own:audit 2" in flat and "agrees with the LLM label on 1 of 2 (50.0%)" in flat
    code, out, _ = run_cli(monkeypatch, capsys, "gold", "candidates", "--state-dir", str(state))
    assert code == 0 and "gold candidates (3)" in out and "own:audit" in out

    # The default gold folder is the project's bundled one: users' messages are refused there.
    code, _, err = run_cli(monkeypatch, capsys, "gold", "build", "--version", "v98", "--state-dir", str(state), "--seed-dir", str(seed_dir))
    _refusal(code, err, "may not go into the project's bundled", "evaluate.gold_dir")

    gold_dir = tmp_path / "gold"
    code, out, err = run_cli(
        monkeypatch, capsys, "gold", "build", "--version", "v3", "--state-dir", str(state), "--seed-dir", str(seed_dir),
        "--set", f"evaluate.gold_dir={gold_dir}",
    )
    assert code == 0, err
    manifest = json.loads((gold_dir / "gold-v3.json").read_text(encoding="utf-8"))
    flat = " ".join(out.split())
    assert f"+ 3 own traffic ({3 / manifest['rows']:.1%})" in flat
    assert "own:review 1, own:audit 2" in flat and f"sha256 {manifest['sha256']}" in flat
    assert f"evaluate.gold_version=v3 and evaluate.gold_dir={gold_dir}" in flat
    code, out, _ = run_cli(monkeypatch, capsys, "gold", "verify", "--version", "v3", "--gold-dir", str(gold_dir), "--state-dir", str(state))
    assert code == 0 and f"gold v3 ok: {manifest['rows']:,} rows (3 own traffic)" in " ".join(out.split())

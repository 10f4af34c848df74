"""Evaluate + registry against a REAL `mlflow server`: gates block a worse model and pass a better one, the first
model is handled, aliases never move on failure, review and rollback work."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException
from mlflow.utils.validation import MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH
from typer.testing import CliRunner

from models.candidate import Candidate
from models.normalization import model_text
from models.registry import registry_client
from models.release import gates_sha256
from spamloop.cli.registry import registry_app
from spamloop.config import load_config
from tasks.evaluate.pipeline import run_evaluation
from tasks.evaluate.registry import (
    PromotionRefused,
    alias_warnings,
    approve,
    current_aliases,
    latest_version,
    override,
    register_candidate,
    reject,
    rollback,
    show,
)
from tests.code.tasks.evaluate.spam_models import NormalisingSklearnSpamModel, gate_config, log_spam_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def logged(mlflow_server, good_model, fair_model, poor_model) -> dict[str, tuple[str, str, float]]:
    """Each test model logged once to the server: name -> (model_uri, training run id, threshold)."""
    mlflow.set_tracking_uri(mlflow_server.url)
    out = {}
    for label, fitted in (("good", good_model), ("fair", fair_model), ("poor", poor_model)):
        uri, run_id = log_spam_model(fitted.pipeline, fitted.threshold, "spamloop-test-training", f"train-{label}")
        out[label] = (uri, run_id, fitted.threshold)
    return out


@pytest.fixture
def server_config(mlflow_server, tmp_path):
    return load_config(state_dir=tmp_path / "state", mlflow_tracking_uri=mlflow_server.url)


def _evaluate(config, logged, which: str, name: str, **overrides):
    uri, run_id, threshold = logged[which]
    candidate = Candidate(run_id=run_id, model_uri=uri, threshold=threshold)
    return run_evaluation(config, gate_config(registered_model_name=name, **overrides), candidate)


def test_first_model_worse_blocked_better_promoted_and_rollback(server_config, logged, mlflow_server, fair_model, default_gold, tmp_path):
    name = f"spam-{uuid.uuid4().hex[:8]}"
    client = registry_client(mlflow_server.url)

    # 1. First model: no champion, the no-regression gates are skipped, the rest apply.
    first = _evaluate(server_config, logged, "fair", name)
    regression = [g for g in first.gates if g.group == "regression"]
    assert [g.reason for g in regression] == ["skipped: no champion"] * 3
    assert first.verdict == "pass", [g.reason for g in first.failed_gates]
    assert first.champion is None and first.challenger_set and not first.promoted
    assert first.aliases_after == {"champion": None, "challenger": first.version}
    v1 = client.get_model_version(name, first.version)
    assert v1.tags["verdict"] == "pass" and v1.tags["failed_gates"] == "none" and v1.tags["review"] == "pending"
    assert not [key for key in v1.tags if key.startswith("gate_")]  # one verdict, not a tag per gate
    assert float(v1.tags["threshold"]) == logged["fair"][2]
    assert "verdict: **pass**" in v1.description and "## Gates" in v1.description and "| floor_spam_f1 |" in v1.description
    assert first.run_link.startswith(f"{mlflow_server.url}/#/experiments/") and first.run_link.endswith(first.evaluation_run_id)
    run = mlflow.get_run(first.evaluation_run_id)
    assert run.data.metrics["gold_spam_f1"] == pytest.approx(first.metrics["spam_f1"])
    assert run.data.params["gold_version"] == default_gold.manifest.version and run.data.tags["model_version"] == first.version
    artifacts = {a.path for a in mlflow.MlflowClient(mlflow_server.url).list_artifacts(first.evaluation_run_id, "evaluation")}
    assert artifacts == {"evaluation/model_card.md", "evaluation/gates.json", "evaluation/gates.md", "evaluation/behavioural.json"}
    # No message text (and so no phone number, even a fake one) reaches MLflow.
    folder = Path(mlflow.artifacts.download_artifacts(run_id=first.evaluation_run_id, artifact_path="evaluation", dst_path=str(tmp_path)))
    logged_text = "".join(path.read_text(encoding="utf-8") for path in folder.iterdir()) + v1.description + json.dumps(run.data.params)
    assert "010-" not in logged_text
    # The gate-table digest recorded at registration is the sha256 of the evaluation run's gates.json, canonicalised.
    assert v1.tags["gates_sha256"] == gates_sha256(json.loads((folder / "gates.json").read_text(encoding="utf-8")))
    assert v1.tags["gates_sha256"] == gates_sha256([g.model_dump() for g in first.gates])
    # The reviewer's one page of gate verdicts: every gate once, in a table.
    gates_page = (folder / "gates.md").read_text(encoding="utf-8")
    assert gates_page.startswith("# Gates: pass\n\nfailed: none\n") and gates_page.count("| floor_spam_f1 |") == 1
    assert all(f"| {gate.name} |" in gates_page for gate in first.gates)
    assert not [text for text in default_gold.frame["text"].to_list() if len(text) > 15 and text in logged_text]
    # Gold mistakes beside the dev table: the most confident first, as the model read them (normalised text only).
    table_file = mlflow.artifacts.download_artifacts(
        run_id=first.evaluation_run_id, artifact_path="gold_misclassified.json", dst_path=str(tmp_path / "gold-table")
    )
    table = json.loads(Path(table_file).read_text(encoding="utf-8"))
    assert table["columns"] == ["message_id", "text_model", "label", "lang", "category_group", "corpus", "spam_score"]
    records = [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]
    rows = {row["message_id"]: row for row in default_gold.frame.iter_rows(named=True)}
    threshold = logged["fair"][2]
    assert 0 < len(records) <= 50
    assert all((record["spam_score"] >= threshold) != (record["label"] == "spam") for record in records)
    for record in records:
        raw = rows[record["message_id"]]["text"]
        assert record["text_model"] == model_text(raw) and record["label"] == rows[record["message_id"]]["label"]
    margins = [abs(record["spam_score"] - threshold) for record in records]
    assert margins == sorted(margins, reverse=True)
    assert not re.search(r"01[016789]-\d{3,4}-\d{4}", json.dumps(records, ensure_ascii=False))

    # 2. A reviewer approves it.
    assert approve(client, name, first.version, "checked gates and slices", reviewer="alice") is None
    v1 = client.get_model_version(name, first.version)
    assert v1.tags["review"] == "approved" and v1.tags["reviewed_by"] == "alice" and v1.tags["previous_champion"] == ""
    assert current_aliases(client, name) == {"champion": "1", "challenger": "1"}

    # 3. A deliberately worse model (5% of the data) is blocked and no alias moves.
    worse = _evaluate(server_config, logged, "poor", name)
    failed = {g.name for g in worse.failed_gates}
    assert worse.verdict == "fail"
    assert {"floor_spam_f1", "regression_spam_f1", "regression_pr_auc"} <= failed
    assert worse.champion is not None and worse.champion.version == "1"
    assert not worse.challenger_set and not worse.promoted
    assert current_aliases(client, name) == {"champion": "1", "challenger": "1"}
    v2 = client.get_model_version(name, worse.version)
    assert v2.tags["verdict"] == "fail" and v2.tags["review"] == "not-eligible"
    assert v2.tags["failed_gates"] == ",".join(sorted(failed)) and "floor_spam_f1" in failed
    with pytest.raises(PromotionRefused, match="did not pass"):
        approve(client, name, worse.version, "please", reviewer="mallory")
    assert current_aliases(client, name) == {"champion": "1", "challenger": "1"}

    # 4. A better model (all the data) passes every gate, including no-regression, and auto-promotes.
    better = _evaluate(server_config, logged, "good", name, auto_promote=True)
    assert better.verdict == "pass", [g.reason for g in better.failed_gates]
    assert all(g.verdict == "pass" for g in better.gates if g.group == "regression")
    assert better.metrics["spam_f1"] > worse.metrics["spam_f1"]
    assert better.promoted and better.aliases_after == {"champion": better.version, "challenger": better.version}
    v3 = client.get_model_version(name, better.version)
    assert v3.tags["review"] == "auto-promoted" and v3.tags["previous_champion"] == "1"
    assert latest_version(client, name) == "3"

    # 5. Rollback: champion goes back to the previous champion, and says what to republish.
    back = rollback(client, name, comment="spike in false positives", reviewer="oncall")
    assert (back.from_version, back.to_version) == ("3", "1")
    assert back.model_uri == f"models:/{name}/1" and back.threshold == logged["fair"][2]
    assert back.training_run_id == logged["fair"][1]
    assert current_aliases(client, name)["champion"] == "1"
    texts = ["[Web발신] 택배 주소 확인 http://cj-redeliver.xyz/a7", "오늘 저녁 같이 먹자"]
    served = mlflow.pyfunc.load_model(f"models:/{name}@champion").predict(texts)
    np.testing.assert_allclose(served, NormalisingSklearnSpamModel(fair_model.pipeline).predict(None, texts))
    assert client.get_model_version(name, "1").tags["rolled_back_from"] == "3"

    # 6. Rejections and refused moves change no alias.
    reject(client, name, "3", "regressed in production", reviewer="oncall")
    assert client.get_model_version(name, "3").tags["review"] == "rejected"
    with pytest.raises(PromotionRefused, match="rejected"):
        approve(client, name, "3", "changed my mind", reviewer="alice")
    with pytest.raises(PromotionRefused, match="refusing to roll back: .* did not pass its gates"):
        rollback(client, name, "2")
    with pytest.raises(PromotionRefused, match="already champion"):
        rollback(client, name, "1")
    assert current_aliases(client, name) == {"champion": "1", "challenger": "3"}


def test_exceptions_leave_aliases_and_versions_as_they_were(server_config, logged, mlflow_server):
    name = f"spam-{uuid.uuid4().hex[:8]}"
    client = registry_client(mlflow_server.url)
    first = _evaluate(server_config, logged, "fair", name, auto_promote=True)
    assert first.promoted
    before = current_aliases(client, name)
    assert before == {"champion": "1", "challenger": "1"}

    # The server rejects a tag half-way through registration: the half-registered version is removed.
    uri, _, _ = logged["good"]
    too_long = "x" * (MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH + 1)
    with pytest.raises(MlflowException):
        register_candidate(
            client, mlflow_server.url, name, uri, "pass", {"threshold": "0.5", "gate_floor_spam_f1": "pass", "note": too_long},
            "card", gate_rows=[], auto_promote=True,
        )
    assert current_aliases(client, name) == before
    assert latest_version(client, name) == "1"

    # A candidate that cannot even be loaded: nothing registered, nothing moved.
    with pytest.raises(Exception):  # noqa: B017 - whichever MLflow error a missing run gives
        missing = Candidate(run_id="none", model_uri="runs:/0123456789abcdef0123456789abcdef/model", threshold=0.5)
        run_evaluation(server_config, gate_config(registered_model_name=name), missing)
    assert current_aliases(client, name) == before
    assert latest_version(client, name) == "1"

    # Default limits are strict on transactional ham: the same decent model fails there and moves nothing.
    strict = _evaluate(server_config, logged, "good", name, slice_floors=gate_config().slice_floors[:-1] + [
        gate_config().slice_floors[-1].model_copy(update={"maximum": 0.01})
    ])
    assert strict.verdict == "fail" and [g.name for g in strict.failed_gates] == ["slice_transactional_ham_ham_fpr"]
    assert current_aliases(client, name) == before


def test_registry_cli(server_config, logged, mlflow_server, tmp_path):
    name = f"spam-{uuid.uuid4().hex[:8]}"
    first = _evaluate(server_config, logged, "fair", name)
    runner = CliRunner()
    common = ["--tracking-uri", mlflow_server.url, "--model", name, "--state-dir", str(tmp_path / "state")]

    missing_comment = runner.invoke(registry_app, ["approve", first.version, *common])
    assert missing_comment.exit_code != 0
    approved = runner.invoke(registry_app, ["approve", first.version, "--comment", "slices look fine", "--reviewer", "bob", "--no-publish", *common])
    assert approved.exit_code == 0, approved.output
    assert f"v{first.version} is champion" in approved.output
    client = registry_client(mlflow_server.url)
    assert current_aliases(client, name)["champion"] == first.version
    assert client.get_model_version(name, first.version).tags["reviewed_by"] == "bob"

    shown = runner.invoke(registry_app, ["show", *common])
    assert shown.exit_code == 0 and "champion" in shown.output and "approved" in shown.output

    no_previous = runner.invoke(registry_app, ["rollback", *common])
    assert no_previous.exit_code == 1 and "no previous champion" in no_previous.output
    assert current_aliases(client, name)["champion"] == first.version


def test_override_is_an_audited_act_that_makes_a_failing_version_champion(logged, mlflow_server):
    name = f"spam-{uuid.uuid4().hex[:8]}"
    client = registry_client(mlflow_server.url)
    rows = [{"name": "floor_spam_f1", "group": "floor", "verdict": "fail", "reason": "0.80 < 0.88", "value": 0.8, "limit": 0.88}]

    def register(which: str, verdict: str) -> str:
        tags = {"threshold": "0.5"}
        rows_now = [{**rows[0], "verdict": verdict}]
        return register_candidate(client, mlflow_server.url, name, logged[which][0], verdict, tags, "card", gate_rows=rows_now).version

    good, bad, worse = register("good", "pass"), register("poor", "fail"), register("fair", "fail")
    approve(client, name, good, "fine", reviewer="alice")
    for args, refusal in (
        ((bad, "", "why not"), "needs --reviewer and --reason"),
        ((bad, "bob", "  "), "needs --reviewer and --reason"),
        ((good, "bob", "x"), "passed every gate: approve it"),
        (("42", "bob", "x"), "does not exist"),
    ):
        with pytest.raises(PromotionRefused, match=refusal):
            override(client, name, *args)
    assert current_aliases(client, name)["champion"] == good and "override_by" not in client.get_model_version(name, bad).tags

    assert override(client, name, bad, " bob ", " campaign spike; gold rows re-checked ") == good
    tags = client.get_model_version(name, bad).tags
    assert current_aliases(client, name)["champion"] == bad
    assert (tags["override_by"], tags["override_reason"], tags["override_verdict"], tags["override_failed_gates"]) == (
        "bob", "campaign spike; gold rows re-checked", "fail", "floor_spam_f1",
    )
    assert tags["review"] == "overridden" and tags["previous_champion"] == good and tags["override_at"].endswith("Z")
    with pytest.raises(PromotionRefused, match="already overridden by 'bob'"):
        override(client, name, bad, "carol", "again")
    warnings = alias_warnings(show(client, name))
    assert warnings == [
        f"champion -> v{bad} failed its gates (verdict 'fail': floor_spam_f1) and is released only by bob's override "
        f"at {tags['override_at']}: campaign spike; gold rows re-checked"
    ]

    # Overridden versions are valid rollback targets; failing ones without an override are not; rejected ones never.
    assert rollback(client, name, good, comment="back").to_version == good
    assert rollback(client, name, bad, comment="forward again").to_version == bad
    with pytest.raises(PromotionRefused, match=f"version {worse} did not pass"):
        approve(client, name, worse, "please")
    client.set_registered_model_alias(name, "challenger", worse)  # the MLflow UI, on a failing version
    flagged = alias_warnings(show(client, name))  # newest version first
    assert [w.split(" ", 3)[:3] for w in flagged] == [["challenger", "->", f"v{worse}"], ["champion", "->", f"v{bad}"]]
    assert flagged[0].startswith(f"challenger -> v{worse} may NOT be published: {name} version {worse} did not pass")
    rollback(client, name, good, comment="back")
    reject(client, name, bad, "complaints", reviewer="dave")
    with pytest.raises(PromotionRefused, match="rejected"):
        rollback(client, name, bad)
    with pytest.raises(PromotionRefused, match="rejected"):
        override(client, name, bad, "erin", "ship it")
    assert current_aliases(client, name)["champion"] == good

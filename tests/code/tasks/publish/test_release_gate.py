"""No path around the gates: a version that failed its gates reaches no manifest, whoever moved the alias.

A reviewer moves alias ``champion`` onto a failing version through the MLflow client, exactly as the MLflow UI's
"Aliases: Add" does. Then every publish path runs: the publish-champion flow, the publish flow (the weekly
retrain's publish step), the CLI's publish and approve/rollback (--publish), the registry rollback flow and the
store rollback. Each refuses with one clear line and a non-zero exit; the manifest in a real S3 store (SeaweedFS)
keeps its bytes. Only `spamloop registry override` (reviewer and reason, both recorded) releases it, and the
manifest then carries the override. Real `mlflow server`, real SeaweedFS, real Prefect flows.
"""

from __future__ import annotations

import uuid

import pytest

from models.registry import registry_client
from models.release import ReleaseRefused, gates_sha256
from spamloop.config import load_config
from tasks.evaluate.registry import PromotionRefused, current_aliases
from tasks.publish.publish import manifest_key, read_manifest
from tasks.publish.stores import open_store
from tests.code.tasks.publish.conftest import MODEL_NAME, gate_rows, real_bundle, register_run
from tests.support.cli import run_cli
from tests.support.mlflow_server import mlflow_server  # noqa: F401  (session fixture)

pytestmark = [pytest.mark.slow, pytest.mark.prefect, pytest.mark.s3]


@pytest.fixture
def stack(mlflow_server, s3_server, bucket, tmp_path, monkeypatch):
    """Environment of an operator's shell (as `source .spamloop/stack/env` sets it): MLflow server, S3 target."""
    name = f"spam-{uuid.uuid4().hex[:8]}"
    s3 = s3_server.s3_config()
    env = {
        "SPAMLOOP_STATE_DIR": str(tmp_path / "state"),
        "SPAMLOOP_MLFLOW_TRACKING_URI": mlflow_server.url,
        "SPAMLOOP_EVALUATE__REGISTERED_MODEL_NAME": name,
        "SPAMLOOP_PUBLISH__TARGET": f"s3://{bucket}/apps",
        "SPAMLOOP_S3__ENDPOINT_URL": s3["endpoint_url"],
        "SPAMLOOP_S3__REGION": s3["region"],
        "SPAMLOOP_S3__ACCESS_KEY_ID": s3["access_key_id"],
        "SPAMLOOP_S3__SECRET_ACCESS_KEY": s3["secret_access_key"],
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = load_config()
    run_pass, v_pass = register_run(mlflow_server.url, name, "pass")
    run_fail, v_fail = register_run(mlflow_server.url, name, "fail")
    exports = config.paths.exports
    return {
        "name": name,
        "config": config,
        "client": registry_client(mlflow_server.url),
        "store": open_store(config.publish, config.s3, config.paths.root),
        "v_pass": v_pass,
        "v_fail": v_fail,
        "bundle_pass": real_bundle(exports, "2026.12.01-pass", run_pass),  # real models: publish runs them as the app does
        "bundle_fail": real_bundle(exports, "2026.12.01-fail", run_fail),
    }


def _manifest_bytes(stack) -> tuple[bytes, str] | None:
    return stack["store"].read(manifest_key(MODEL_NAME, stack["config"].publish))


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_a_failing_champion_set_in_the_mlflow_ui_reaches_no_manifest(stack, prefect_harness, monkeypatch, capsys):
    from flows.publish import publish, publish_champion
    from flows.rollback import rollback_champion

    name, client, v_pass, v_fail = stack["name"], stack["client"], stack["v_pass"], stack["v_fail"]
    # The normal path: the passing version is approved and published; the manifest names its registry record.
    code, out, err = run_cli(monkeypatch, capsys, "registry", "approve", v_pass, "--comment", "slices checked")
    assert code == 0, out + err
    manifest = read_manifest(stack["store"], MODEL_NAME)[0]
    assert manifest.version == "2026.12.01-pass" and manifest.schema_version == "spamloop-manifest/2"
    tags = client.get_model_version(name, v_pass).tags
    assert manifest.registry.model_dump(include={"registered_model", "version", "verdict", "gates_sha256", "override"}) == {
        "registered_model": name, "version": v_pass, "verdict": "pass", "gates_sha256": tags["gates_sha256"], "override": None,
    }
    assert tags["gates_sha256"] == gates_sha256(gate_rows("pass"))  # recorded at registration, read back by publish
    before = _manifest_bytes(stack)

    # The reviewer moves the alias in the MLflow UI (the UI calls this same REST endpoint).
    client.set_registered_model_alias(name, "champion", v_fail)

    with pytest.raises(ReleaseRefused, match=f"version {v_fail} did not pass its gates .*floor_spam_f1"):
        publish_champion(config=stack["config"])
    with pytest.raises(ReleaseRefused, match=f"version {v_fail} did not pass"):
        publish(bundle_dir=stack["bundle_fail"], config=stack["config"])  # the weekly retrain's publish step

    code, out, err = run_cli(monkeypatch, capsys, "publish", str(stack["bundle_fail"]))
    assert code == 1 and "did not pass its gates" in _one_line(err) and "registry override" in err, out + err

    code, out, err = run_cli(monkeypatch, capsys, "registry", "show")
    assert code == 0, out + err
    assert f"WARNING: champion -> v{v_fail} may NOT be published" in out and "REFUSED" in out
    row = next(line for line in out.splitlines() if "REFUSED" in line)  # one line per version: nothing folded or cut
    assert "champion" in row and "fail" in row and "floor_spam_f1" in row and "…" not in out

    for args, reason in (
        (("registry", "approve", v_fail, "--comment", "looks fine to me"), "did not pass its gates"),
        (("registry", "approve", "99", "--comment", "x"), "version 99 does not exist"),
        (("registry", "rollback"), "records no previous champion"),
    ):
        code, out, err = run_cli(monkeypatch, capsys, *args)
        assert code == 1 and reason in _one_line(err), (args, out, err)

    # Back to the passing version (no publish), then a rollback onto the failing one is refused everywhere.
    code, out, err = run_cli(monkeypatch, capsys, "registry", "approve", v_pass, "--comment", "undo the UI move", "--no-publish")
    assert code == 0, out + err
    code, out, err = run_cli(monkeypatch, capsys, "registry", "rollback", v_fail)
    assert code == 1 and "refusing to roll back" in _one_line(err)
    with pytest.raises(PromotionRefused, match="did not pass"):
        rollback_champion(to_version=v_fail, comment="try", config=stack["config"])
    assert current_aliases(client, name)["champion"] == v_pass

    assert _manifest_bytes(stack) == before, "the manifest did not change"
    listed = stack["store"].client.list_objects_v2(Bucket=stack["store"].bucket, Prefix=stack["store"].prefix)
    assert not [o["Key"] for o in listed.get("Contents", []) if "2026.12.01-fail" in o["Key"]], "no file of it uploaded"


def test_only_an_audited_override_releases_a_failing_version(stack, prefect_harness, monkeypatch, capsys):
    from flows.publish import publish_rollback

    name, client, v_pass, v_fail = stack["name"], stack["client"], stack["v_pass"], stack["v_fail"]
    assert run_cli(monkeypatch, capsys, "registry", "approve", v_pass, "--comment", "ok")[0] == 0
    client.set_registered_model_alias(name, "champion", v_fail)  # the MLflow UI again

    code, out, err = run_cli(monkeypatch, capsys, "registry", "override", v_fail, "--reviewer", "alice")
    assert code == 2 and "--reason" in out + err  # usage error: the reason is required
    code, out, err = run_cli(monkeypatch, capsys, "registry", "override", v_fail, "--reviewer", " ", "--reason", "x")
    assert code == 1 and "needs --reviewer and --reason" in _one_line(err)
    code, out, err = run_cli(monkeypatch, capsys, "registry", "override", v_pass, "--reviewer", "alice", "--reason", "x")
    assert code == 1 and "passed every gate: approve it" in _one_line(err)
    assert "override_by" not in client.get_model_version(name, v_fail).tags

    reason = "transactional-ham FPR reviewed by hand: 2 of 119 are mislabelled gold rows"
    code, out, err = run_cli(monkeypatch, capsys, "registry", "override", v_fail, "--reviewer", "alice", "--reason", reason)
    assert code == 0 and "published: manifest -> spam-encoder 2026.12.01-fail" in out, out + err
    tags = client.get_model_version(name, v_fail).tags
    assert (tags["override_by"], tags["override_reason"], tags["override_verdict"]) == ("alice", reason, "fail")
    assert tags["override_failed_gates"] == "floor_spam_f1" and tags["review"] == "overridden" and tags["override_at"]
    assert current_aliases(client, name)["champion"] == v_fail  # it already was: the override legitimised the UI move

    release = read_manifest(stack["store"], MODEL_NAME)[0].registry
    assert (release.version, release.verdict, release.failed_gates) == (v_fail, "fail", ["floor_spam_f1"])
    assert release.gates_sha256 == tags["gates_sha256"] == gates_sha256(gate_rows("fail"))
    assert release.override.model_dump() == {
        "reviewer": "alice", "reason": reason, "at": tags["override_at"], "overridden_verdict": "fail", "failed_gates": ["floor_spam_f1"],
    }
    code, out, err = run_cli(monkeypatch, capsys, "registry", "show")
    assert code == 0 and f"champion -> v{v_fail} failed its gates" in out and "alice's override" in out
    code, out, err = run_cli(monkeypatch, capsys, "registry", "override", v_fail, "--reviewer", "bob", "--reason", "again")
    assert code == 1 and "already overridden by 'alice'" in _one_line(err)

    # The passing version comes back; the overridden one is then rejected: no store rollback may bring it back.
    assert run_cli(monkeypatch, capsys, "registry", "approve", v_pass, "--comment", "back to the passing model")[0] == 0
    assert run_cli(monkeypatch, capsys, "registry", "reject", v_fail, "--comment", "FPR complaints")[0] == 0
    before = _manifest_bytes(stack)
    assert read_manifest(stack["store"], MODEL_NAME)[0].version == "2026.12.01-pass"
    with pytest.raises(ReleaseRefused, match="rejected"):
        publish_rollback(name=MODEL_NAME, version="2026.12.01-fail", config=stack["config"])
    code, out, err = run_cli(monkeypatch, capsys, "rollback-model", MODEL_NAME, "2026.12.01-fail")
    assert code == 1 and "was rejected by a reviewer" in _one_line(err)
    assert _manifest_bytes(stack) == before

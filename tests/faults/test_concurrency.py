"""Two ingests, and two publishes, started at the same moment in separate processes.

Both children import everything first, then wait for one "go" file, so their real work overlaps. Whatever the
interleaving, the state must stay consistent: every log row is counted once, and the manifest names one
complete version. A child that loses says so with a clear error and changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

_PRELUDE = """
import json, os, sys, time
from pathlib import Path
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
{imports}
ready.write_text("ready")
while not go.exists():
    time.sleep(0.005)
try:
{work}
except Exception as exc:
    print(json.dumps({{"status": "error", "type": type(exc).__name__, "message": str(exc)}}))
"""

INGEST_CHILD = _PRELUDE.format(
    imports="from spamloop.config import load_config\nfrom tasks.ingest.pipeline import run_ingest",
    work="    result = run_ingest(load_config(state_dir=sys.argv[3], ingest={'source': sys.argv[4]}))\n"
    "    print(json.dumps({'status': 'ok', 'read': result.read, 'ingested': len(result.files_ingested),"
    " 'skipped': len(result.files_skipped)}))",
)

PUBLISH_CHILD = _PRELUDE.format(
    imports="from spamloop.settings.export import PublishConfig\nfrom spamloop.settings.storage import S3Config\n"
    "from tasks.publish.stores import S3Store\nfrom tests.code.tasks.publish.conftest import publish_released\n"
    "s3 = S3Config(endpoint_url=sys.argv[3], access_key_id=os.environ['FAULT_S3_KEY'], "
    "secret_access_key=os.environ['FAULT_S3_SECRET'])\nstore = S3Store(sys.argv[4], 'apps', s3, PublishConfig())",
    work="    manifest = publish_released(Path(sys.argv[5]), store)\n"
    "    print(json.dumps({'status': 'ok', 'version': manifest.version, 'previous': manifest.previous_version}))",
)


def _race(script: str, args_per_child: list[list[str]], work_dir: Path, env: dict[str, str] | None = None) -> list[dict]:
    """Run one child per argument list; release them together; return each child's JSON outcome."""
    work_dir.mkdir(parents=True, exist_ok=True)
    go = work_dir / "go"
    children = []
    for index, args in enumerate(args_per_child):
        ready = work_dir / f"ready-{index}"
        command = [sys.executable, "-c", script, str(ready), str(go), *args]
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        children.append((ready, process))
    try:
        deadline = time.monotonic() + 300
        while not all(ready.exists() for ready, _ in children):
            for _, process in children:
                if process.poll() is not None:
                    raise AssertionError(f"child died before the start: {process.stderr.read()[-2000:]}")
            assert time.monotonic() < deadline, "children never got ready"
            time.sleep(0.05)
        go.write_text("go")
        outcomes = []
        for _, process in children:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-3000:]
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
        return outcomes
    finally:
        for _, process in children:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_two_ingests_at_once_count_every_row_once(tmp_path, fault_ledger):
    from bench.ingest import generate_logs
    from spamloop.config import load_config
    from tasks.ingest.ledger import read_ledger
    from tasks.ingest.snapshot import latest_manifest, load_snapshot, load_snapshot_reports

    logs = tmp_path / "logs"
    info = generate_logs(120_000, logs)  # a few seconds of ingest: the two runs overlap
    state = tmp_path / "state"
    outcomes = _race(INGEST_CHILD, [[str(state), str(logs)], [str(state), str(logs)]], tmp_path / "race")

    kinds = sorted(o["status"] if o["status"] == "ok" else o["type"] for o in outcomes)
    assert kinds in (["IngestBusyError", "ok"], ["ok", "ok"]), outcomes
    for outcome in outcomes:
        if outcome["status"] == "error":
            assert "another ingest is running" in outcome["message"]
    ok = [o for o in outcomes if o["status"] == "ok"]
    assert sum(o["ingested"] for o in ok) == info["files"], "each file ingested by exactly one run"
    assert sum(o["read"] for o in ok) == info["rows"]

    config = load_config(state_dir=state)
    ledger = read_ledger(config.paths.ingest_ledger)
    assert sorted(entry.uri for entry in ledger) == sorted(str(p.resolve()) for p in logs.iterdir())
    assert sum(entry.read for entry in ledger) == info["rows"]
    reports = load_snapshot_reports(config)
    quarantined = sum(entry.quarantined for entry in ledger)
    assert reports.height + quarantined == info["rows"], "every row once: a report or a quarantine entry"
    assert reports["report_id"].n_unique() == reports.height
    messages = load_snapshot(config)
    assert messages["message_id"].n_unique() == messages.height
    assert len(list(config.paths.snapshots.glob("*.json"))) == 1 and latest_manifest(config) is not None
    fault_ledger.record(
        "concurrency", f"two ingests at once ({' + '.join(kinds)})", faults_injected=1,
        rows_in=info["rows"], rows_accounted=reports.height + quarantined,
    )


@pytest.mark.s3
def test_two_publishes_at_once_leave_one_complete_manifest(s3_server, bucket, tmp_path, fault_ledger):
    from spamloop.settings.export import PublishConfig
    from spamloop.settings.storage import S3Config
    from tasks.publish.publish import read_manifest
    from tasks.publish.stores import S3Store
    from tests.code.tasks.publish.conftest import MODEL_NAME, make_bundle, publish_released

    store = S3Store(bucket, "apps", S3Config(**s3_server.s3_config()), PublishConfig())
    publish_released(make_bundle(tmp_path, "v1"), store)
    bundles = {version: make_bundle(tmp_path, version, payload=os.urandom(500_000)) for version in ("v2", "v3")}
    env = {"FAULT_S3_KEY": s3_server.access_key_id, "FAULT_S3_SECRET": s3_server.secret_access_key}
    outcomes = _race(
        PUBLISH_CHILD,
        [[s3_server.endpoint_url, bucket, str(bundles[v])] for v in ("v2", "v3")],
        tmp_path / "race",
        env,
    )

    winners = [o for o in outcomes if o["status"] == "ok"]
    losers = [o for o in outcomes if o["status"] != "ok"]
    assert winners, outcomes
    assert all(o["type"] == "PublishConflictError" and "manifest was NOT changed" in o["message"] for o in losers), losers
    manifest, _ = read_manifest(store, MODEL_NAME)
    chain = {o["version"]: o["previous"] for o in winners}
    assert manifest.version in chain
    if len(winners) == 1:  # a real race: the other saw the manifest change under it
        assert chain[manifest.version] == "v1"
    else:  # one finished before the other read the manifest: a clean sequence v1 -> first -> second
        first = chain[manifest.version]
        assert first in chain and chain[first] == "v1"
    for entry in manifest.files:
        assert store.sha256_of(entry.key) == entry.sha256, f"{entry.key} listed but not intact"
    assert s3_server.secret_access_key not in json.dumps(outcomes)

    # The loser publishes on a re-run; the manifest then points at it, with the winner as its previous version.
    for loser_version in sorted({"v2", "v3"} - set(chain)):
        rerun = publish_released(bundles[loser_version], store)
        assert rerun.previous_version == manifest.version
        assert all(store.sha256_of(entry.key) == entry.sha256 for entry in rerun.files)
    fault_ledger.record(
        "concurrency", f"two publishes at once ({len(winners)} won, {len(losers)} conflict)", faults_injected=1,
        rows_in=2, rows_accounted=len(winners) + len(losers),
    )

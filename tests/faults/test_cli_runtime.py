"""The CLI's process set-up: Prefect configured before it is imported, and no server left behind by a kill -9.

Prefect reads its settings once, when first imported; a command that imports a flow before building its config
runs with Prefect's defaults (~/.prefect, a 20 s start-up timeout). And the embedded API server Prefect starts
as a child must not outlive a CLI killed with SIGKILL (spamloop/runtime.py).
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# Runs the CLI; at the first import of a flows module, writes the Prefect settings then in effect to $PROBE_OUT
# and exits (a file, not stdout: the quiet console sends a stage's output to the run's log file).
PROBE = r"""
import importlib.abc, json, os, sys

class FirstFlowImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "flows" or name.startswith("flows."):
            sys.meta_path.remove(self)
            from prefect.settings import get_current_settings
            settings = get_current_settings()
            with open(os.environ["PROBE_OUT"], "w") as out:
                json.dump({"module": name, "home": str(settings.home),
                           "startup_timeout_s": settings.server.ephemeral.startup_timeout_seconds}, out)
            os._exit(0)
        return None

sys.meta_path.insert(0, FirstFlowImport())
sys.argv = ["spamloop", *sys.argv[1:]]
from spamloop.cli import main
main()
"""

# The behavioural check runs the command the issue caught (and `ingest`, the first stage of a weekly run); the
# static check below covers every command.
FLOW_COMMANDS = {"label run": ["label", "run"], "ingest": ["ingest"]}


def _bare_env() -> dict[str, str]:
    """The environment of a user's shell: no Prefect or spamloop settings (the test session sets some)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPAMLOOP_"))}
    return {**env, "PYTHONPATH": str(REPO_ROOT), "HOME": env.get("HOME", "/root")}


def test_no_cli_command_imports_a_flow_before_building_its_config(fault_ledger):
    """Static: in spamloop/cli/*.py every ``from flows...`` import comes after the config is built (which prepares
    the runtime) in the same function, and none is at module level."""
    builders = {"build_config", "_config", "_target", "prepare_runtime"}
    problems, checked = [], 0
    for path in sorted((REPO_ROOT / "spamloop" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flows"):
                problems.append(f"{path.name}:{node.lineno}: module-level import of {node.module}")
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            built = [n.lineno for n in ast.walk(function) if isinstance(n, ast.Call) and getattr(n.func, "id", None) in builders]
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flows"):
                    checked += 1
                    if not built or min(built) > node.lineno:
                        problems.append(f"{path.name}:{node.lineno}: {function.name} imports {node.module} before building its config")
    assert checked >= 5, "the flow-running commands were found"
    assert problems == [], problems
    fault_ledger.record("process", f"CLI import order: {checked} flow imports checked", rows_in=checked, rows_accounted=checked - len(problems))


@pytest.mark.slow
def test_flow_commands_run_with_the_prepared_prefect_settings(tmp_path, fault_ledger):
    """Behaviour: each command, in a fresh process with a bare environment, has Prefect's home in the state
    folder and the 120 s start-up timeout in effect when its flow module is imported."""
    processes = {}
    for name, args in FLOW_COMMANDS.items():
        state = tmp_path / name.replace(" ", "-")
        command = [sys.executable, "-c", PROBE, *args, "--state-dir", str(state)]
        probe_out = tmp_path / f"{name.replace(' ', '-')}.probe.json"
        env = {**_bare_env(), "PROBE_OUT": str(probe_out)}
        processes[name] = (state, probe_out, subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    seen = {}
    for name, (state, probe_out, process) in processes.items():
        _, err = process.communicate(timeout=240)
        assert probe_out.exists(), f"{name}: no flow import seen (exit {process.returncode}): {err[-2000:]}"
        seen[name] = json.loads(probe_out.read_text())
        assert seen[name]["home"] == str((state / "prefect").resolve()), (name, seen[name])
        assert seen[name]["startup_timeout_s"] == 120, (name, seen[name])
    fault_ledger.record("process", "CLI flow commands see the prepared Prefect settings", rows_in=len(seen), rows_accounted=len(seen))


# --- the embedded Prefect server does not outlive its CLI ------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running (a zombie no init has reaped yet counts as gone)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


PARENT = r"""
import subprocess, sys, time
from spamloop.runtime import watched_server_command
child = subprocess.Popen(watched_server_command([sys.executable, "-m", "uvicorn", *sys.argv[1:]]))
print(child.pid, flush=True)
time.sleep(600)
"""


def test_a_watched_server_exits_when_its_parent_is_killed(tmp_path, fault_ledger):
    """The mechanism alone, fast: a parent starts uvicorn (a tiny app) the way Prefect's Popen is rewritten, and
    is SIGKILLed once uvicorn serves; uvicorn must be gone within seconds."""
    import socket
    import urllib.request

    (tmp_path / "tiny_app.py").write_text(
        "async def app(scope, receive, send):\n"
        "    if scope['type'] != 'http':\n        return\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'ok'})\n",
        encoding="utf-8",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["--app-dir", str(tmp_path), "tiny_app:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "error"]
    parent = subprocess.Popen([sys.executable, "-c", PARENT, *args], env=_bare_env(), stdout=subprocess.PIPE, text=True)
    server = int(parent.stdout.readline())
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read() == b"ok":
                    break
            except OSError:
                assert time.monotonic() < deadline and _alive(server), "the watched server never served"
                time.sleep(0.1)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        gone_by = time.monotonic() + 10
        while _alive(server) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not _alive(server), "uvicorn outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if _alive(server):
            os.kill(server, signal.SIGKILL)
    fault_ledger.record("process death", "kill -9 of the parent of a watched uvicorn server", faults_injected=1)


def test_only_the_embedded_server_command_is_rewritten():
    from spamloop.runtime import WATCHED_SERVER, watched_server_command

    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app", "--port", "8123"]
    watched = watched_server_command(uvicorn)
    assert watched[:3] == [sys.executable, "-c", WATCHED_SERVER] and watched[3] == str(os.getpid())
    assert watched[4:] == uvicorn[3:], "uvicorn gets exactly Prefect's arguments"
    assert watched_server_command(["git", "status"]) == ["git", "status"]


@pytest.mark.slow
def test_embedded_prefect_server_dies_with_a_cli_killed_by_sigkill(tmp_path, fault_ledger):
    source = tmp_path / "logs"
    source.mkdir()
    (source / "a.jsonl").write_text(
        json.dumps({"report_id": "k1", "received_at": "2026-11-20T09:00:00+09:00", "text": "서버 종료 시험"}) + "\n", encoding="utf-8"
    )
    command = [sys.executable, "-m", "spamloop.cli", "ingest", "--source", str(source), "--state-dir", str(tmp_path / "state")]
    cli = subprocess.Popen(command, cwd=tmp_path, env=_bare_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = None
    try:
        deadline = time.monotonic() + 240
        while server is None:
            assert cli.poll() is None, f"the CLI ended before starting the server: {cli.stderr.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "no embedded server was started"
            server = next((pid for pid in _children(cli.pid) if "uvicorn" in _cmdline(pid)), None)
            time.sleep(0.1)
        assert "spamloop-parent-watch" in _cmdline(server), "the server runs under the parent watch"
        time.sleep(2.0)  # well into its start-up (imports, database migrations)
        assert _alive(server)
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait(timeout=30)
        gone_by = time.monotonic() + 15
        while _alive(server) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert not _alive(server), f"the embedded server {server} outlived its CLI: {_cmdline(server)[:200]}"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        if server is not None and _alive(server):
            os.kill(server, signal.SIGKILL)
    fault_ledger.record("process death", "kill -9 of the CLI while the embedded Prefect server runs", faults_injected=1)

"""Process-wide settings that must be in place before Prefect or MLflow are imported, and the embedded server's guard.

Prefect reads its settings once, when it is first imported: ``prepare_runtime`` must run before anything
imports ``prefect`` or ``flows`` (the CLI builds its config, which calls it, before importing a flow).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import subprocess
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from spamloop.config import SpamloopConfig

# Known-good start-up settings on small machines (docs/stack.md).
_DEFAULT_ENV = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # Offline by default; users with hub access set HF_HUB_OFFLINE=0 to pull base_model by id.
    "HF_HUB_OFFLINE": "1",
    # MLflow's HTTP default (7 retries, backoff factor 2) waits ~4 min on a down tracking server before the
    # error; 3 retries with factor 1 is ~7 s, enough for a server restart blip, short enough to fail clearly.
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
}


def prepare_runtime(config: SpamloopConfig) -> None:
    """Create the state folder and point Prefect's embedded API at it (unless PREFECT_HOME/API_URL is set)."""
    config.paths.root.mkdir(parents=True, exist_ok=True)
    for name, value in _DEFAULT_ENV.items():
        os.environ.setdefault(name, value)
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_HOME", str(config.paths.prefect_home.resolve()))
    guard_embedded_server()


# --- the embedded Prefect API server dies with its process ---------------------------------------------
#
# Prefect 3.8 starts the embedded ("ephemeral") API on first use as a child process,
# ``python -m uvicorn --factory prefect.server.api.server:create_app`` (``SubprocessASGIServer``), and stops it
# only from an ``atexit`` hook, which a kill -9 of the CLI skips: the child was reparented and lived on
# (~270 MB, holding the SQLite database). A parent-death signal (PR_SET_PDEATHSIG) would follow the *thread*
# that started the child, and Prefect may start it from a worker thread that ends early. So the child
# watches its parent instead: it is started through the small program below, which runs uvicorn exactly as
# Prefect asked and, in a thread, polls its parent pid; once the parent is gone it stops uvicorn (SIGTERM,
# a clean shutdown) and exits for sure after a grace period.

PARENT_POLL_S = 0.2
SHUTDOWN_GRACE_S = 5.0
WATCHED_SERVER = """\
import os, runpy, signal, sys, threading, time
parent = int(sys.argv[1])
def watch():
    while os.getppid() == parent:
        time.sleep({poll})
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep({grace})
    os._exit(1)
threading.Thread(target=watch, name="spamloop-parent-watch", daemon=True).start()
sys.argv = ["uvicorn", *sys.argv[2:]]
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
""".format(poll=PARENT_POLL_S, grace=SHUTDOWN_GRACE_S)


def watched_server_command(args: list[str]) -> list[str]:
    """Prefect's ``python -m uvicorn ...`` command, run under the parent watch; any other command unchanged."""
    if len(args) >= 3 and args[1:3] == ["-m", "uvicorn"]:
        return [args[0], "-c", WATCHED_SERVER, str(os.getpid()), *args[3:]]
    return list(args)


class _WatchedSubprocess:
    """Stands in for the ``subprocess`` module inside ``prefect.server.api.server`` only: its Popen runs the
    embedded server under the parent watch; everything else is the real module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(args: list[str], *rest: Any, **kwargs: Any) -> subprocess.Popen[Any]:  # noqa: N802 - the module's name
        return subprocess.Popen(watched_server_command(list(args)), *rest, **kwargs)


_SERVER_MODULE = "prefect.server.api.server"


def _watch_server_module(module: ModuleType) -> None:
    if not isinstance(getattr(module, "subprocess", None), _WatchedSubprocess):
        module.subprocess = _WatchedSubprocess()  # type: ignore[attr-defined]


class _GuardOnImport(importlib.abc.MetaPathFinder):
    """Patches ``prefect.server.api.server`` as it is imported: the guard costs nothing to commands that never
    start the embedded server (importing it takes seconds)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname != _SERVER_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None  # left to the other finders, unguarded
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            _watch_server_module(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def guard_embedded_server() -> None:
    """Make the embedded Prefect API server exit when this process dies, kill -9 included. Idempotent.

    Called by ``prepare_runtime``. Nothing to do when ``PREFECT_API_URL`` names a real server: no embedded
    one is started then.
    """
    if os.environ.get("PREFECT_API_URL"):
        return
    module = sys.modules.get(_SERVER_MODULE)
    if module is not None:
        _watch_server_module(module)
    elif not any(isinstance(finder, _GuardOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _GuardOnImport())


def is_guarded() -> bool:
    """Whether the embedded server started from this process will watch it (for tests and diagnostics)."""
    module = sys.modules.get(_SERVER_MODULE)
    if module is not None:
        return isinstance(getattr(module, "subprocess", None), _WatchedSubprocess)
    return any(isinstance(finder, _GuardOnImport) for finder in sys.meta_path)

"""A quiet terminal: library output goes to the run's log file, the terminal shows progress and the summary.

A run pulls in libraries that print a great deal a person never needs to read: LiteRT's converter stages and
absl/oneDNN lines (native C++ writing to file descriptor 2), coremltools and MLflow warnings, torchao's failed
``.so`` loads, progress bars of millisecond steps. ``RunLog`` sends all of it to ``<state>/logs/<name>-<time>.log``
by pointing file descriptors 1 and 2 (and ``sys.stdout``/``sys.stderr``) at that file for the run; the terminal
keeps a private copy of the original stdout, where ``ProgressPrinter`` writes one line per stage and training
epoch (from the ``spamloop.progress`` records, spamloop/progress.py) and the CLI prints its tables.
``--verbose`` (``RunLog(..., verbose=True)``) leaves every stream where it was.

The log is also attached to the MLflow training run (flows/retrain.py) so a reviewer finds it next to the model.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.status import Status

from spamloop.progress import PROGRESS_LOGGER, elapsed_text

# Progress bars of steps that take milliseconds (saving one safetensors shard, a datasets map) say nothing in a log.
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}

_active: RunLog | None = None


def active_run_log() -> RunLog | None:
    """The RunLog this process is inside, if any (flows use it to attach the log to MLflow)."""
    return _active


def _fileno(stream: Any) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        return None


class RunLog:
    """Context manager: the run's log file takes every library line; ``terminal`` is where a person reads.

    Nested use (the CLI's scope around a flow that opens its own) keeps the outer one.
    """

    def __init__(self, state_dir: Path, name: str, verbose: bool = False) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.path = Path(state_dir).resolve() / "logs" / f"{name}-{stamp}.log"
        self.verbose = verbose
        self.terminal: IO[str] = sys.stdout
        self.owner = False
        self._saved_fds: dict[int, int] = {}
        self._log: IO[str] | None = None
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> RunLog:
        global _active
        if _active is not None:  # already quiet (or verbose) from an outer scope: share it
            return _active
        self.owner = True
        _active = self
        if self.verbose:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for name, value in QUIET_ENV.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ.setdefault(name, value)
        sys.stdout.flush()
        sys.stderr.flush()
        self._log = self.path.open("a", encoding="utf-8", buffering=1)
        self._log.write(f"==== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(sys.argv)}\n")
        stdout_fd = _fileno(sys.stdout)
        # The terminal: a duplicate of the real stdout taken before it is redirected (or, when stdout is not a file
        # descriptor, e.g. under a test's capture, the stream object itself).
        if stdout_fd is not None:
            self.terminal = os.fdopen(os.dup(stdout_fd), "w", encoding="utf-8", buffering=1, closefd=True)
        else:
            self.terminal = sys.stdout
        # Descriptors, not sys.stdout/sys.stderr objects: native code (LiteRT, absl, oneDNN) writes to them directly,
        # and the Python streams (and the logging handlers libraries bind to them) follow along, during the run only.
        for fd in (1, 2):
            try:
                self._saved_fds[fd] = os.dup(fd)
            except OSError:
                continue
            os.dup2(self._log.fileno(), fd)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        global _active
        if not self.owner:
            return
        _active = None
        if self.verbose:
            return
        # A failure (not a deliberate exit such as typer.Exit, which carries an exit_code) points at the full output.
        if error is not None and not isinstance(error, SystemExit | KeyboardInterrupt) and not hasattr(error, "exit_code"):
            try:
                self.terminal.write(f"(the run's full output: {self.path})\n")
            except (OSError, ValueError):
                pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        for fd, saved in self._saved_fds.items():
            os.dup2(saved, fd)
            os.close(saved)
        if self._log is not None:
            self._log.close()
        if self.terminal is not sys.stdout and _fileno(self.terminal) is not None:
            self.terminal.flush()
            self.terminal.close()
        self.terminal = sys.stdout
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        # Prefect's embedded server says "Stopping temporary server" at interpreter exit, after the run.
        prefect_logger = logging.getLogger("prefect")
        if not any(isinstance(f, _ServerStopNotice) for f in prefect_logger.filters):
            prefect_logger.addFilter(_ServerStopNotice())


    def console(self) -> Console:
        """A rich console on the terminal (not the log)."""
        return Console(file=self.terminal, highlight=False)

    def attach_to_mlflow(self, tracking_uri: str, run_id: str) -> bool:
        """Copy the log, as written so far, to the MLflow run as ``logs/<file>``; False when there is none or MLflow
        refused (the log stays in the state folder either way)."""
        if self.verbose or not self.path.is_file():
            return False
        from mlflow import MlflowClient

        try:
            if self._log is not None:
                self._log.flush()
            MlflowClient(tracking_uri=tracking_uri).log_artifact(run_id, str(self.path), artifact_path="logs")
        except Exception as error:  # noqa: BLE001 - a missing copy of the log must not fail the run
            logging.getLogger(__name__).warning("could not attach %s to MLflow run %s: %s", self.path, run_id, error)
            return False
        return True


class _ServerStopNotice(logging.Filter):
    """Drops the embedded Prefect server's shutdown notice (logged on the "prefect" logger itself at exit)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno < logging.WARNING and str(record.msg).startswith("Stopping temporary server"))


STATUS_MARK = {"completed": "✓", "pass": "✓", "skipped": "–", "no_labelers": "–", "blocked": "✗", "fail": "✗",
               "awaiting-review": "…"}


class ProgressPrinter(logging.Handler):
    """Prints ``spamloop.progress`` records: a live line for the running stage (spinner, elapsed time, the latest
    epoch) when the terminal is interactive, one permanent line per training epoch and per finished stage."""

    def __init__(self, console: Console) -> None:
        super().__init__(level=logging.INFO)
        self.console = console
        self.status: Status | None = None
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "progress", None)
        if not isinstance(event, dict):
            return
        try:
            self._show(event)
        except Exception:  # noqa: BLE001 - progress must never break the run
            self.handleError(record)

    def _show(self, event: dict[str, Any]) -> None:
        stage, kind = str(event.get("stage", "")), event.get("event")
        if kind == "start":
            self.started[stage] = time.monotonic()
            self._live(f"{stage} …")
        elif kind == "update":
            self._stop_live()
            self.console.print(f"  [dim]{stage:<9}[/] {event.get('message', '')}")
            self._live(f"{stage} … {event.get('message', '')}")
        elif kind == "end":
            self._stop_live()
            elapsed = event.get("elapsed_s")
            if elapsed is None and stage in self.started:
                elapsed = time.monotonic() - self.started[stage]
            took = elapsed_text(elapsed) if elapsed is not None else ""
            status = str(event.get("status", ""))
            mark = STATUS_MARK.get(status, "•")
            self.console.print(f"{mark} {stage:<9} {took:>12}  {status}: {event.get('summary', '')}")

    def _live(self, text: str) -> None:
        if not self.console.is_terminal:
            return
        if self.status is None:
            self.status = self.console.status(text, spinner="dots")
            self.status.start()
        else:
            self.status.update(text)

    def _stop_live(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def close(self) -> None:
        self._stop_live()
        super().close()


class ShowProgress:
    """Context manager: print the progress records on ``console`` for the duration of a command."""

    def __init__(self, console: Console) -> None:
        self.handler = ProgressPrinter(console)

    def __enter__(self) -> ProgressPrinter:
        logging.getLogger(PROGRESS_LOGGER).addHandler(self.handler)
        return self.handler

    def __exit__(self, *exc: object) -> None:
        logging.getLogger(PROGRESS_LOGGER).removeHandler(self.handler)
        self.handler.close()

"""Progress of a run as plain log records: one logger, ``spamloop.progress``, that every layer may write to.

The core (the training callback in tasks/train/progress.py), the flows (a stage starts or ends) and the CLI
never call each other for this: they log here, and whoever shows progress listens. The CLI prints one rich line
per stage and per training epoch (spamloop/console.py); the flows forward the same records to the Prefect API, so
the UI's run logs show them (flows/orchestration.py). Standard library only: the core must not import Prefect.

Each record carries ``record.progress`` (a dict): ``event`` (``start``, ``update`` or ``end``), ``stage`` and the
event's figures (``status``, ``summary``, ``epoch``, ``epochs``, ``metrics``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

PROGRESS_LOGGER = "spamloop.progress"
logger = logging.getLogger(PROGRESS_LOGGER)
logger.setLevel(logging.INFO)

_started: dict[str, float] = {}


def elapsed_text(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``: what a person reads at a glance."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _log(line: str, /, **progress: Any) -> None:
    logger.info(line, extra={"progress": progress})


def stage_started(stage: str) -> None:
    """A stage begins (its elapsed time counts from here)."""
    _started[stage] = time.monotonic()
    _log(f"{stage}: started", event="start", stage=stage)


def stage_update(stage: str, message: str, **figures: Any) -> None:
    """A step inside a running stage (a training epoch): one line, with its figures."""
    elapsed = time.monotonic() - _started[stage] if stage in _started else None
    _log(f"{stage}: {message}", event="update", stage=stage, message=message, elapsed_s=elapsed, **figures)


def stage_finished(stage: str, status: str, summary: str) -> None:
    """A stage ended with ``status`` (completed, skipped, blocked, pass, fail...); ``summary`` is its one line."""
    started = _started.pop(stage, None)
    elapsed = time.monotonic() - started if started is not None else None
    took = f" in {elapsed_text(elapsed)}" if elapsed is not None else ""
    _log(f"{stage}: {status}{took} — {summary}", event="end", stage=stage, status=status, summary=summary, elapsed_s=elapsed)

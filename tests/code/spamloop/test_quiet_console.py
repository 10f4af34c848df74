"""A quiet terminal: a real `spamloop export` in a subprocess, whose converters (LiteRT, ai-edge-quantizer, coremltools,
torchao, absl/oneDNN in native code) print plenty, shows only its progress and result; the library output is in
the run's log file under the state folder. `--verbose` would show it (spamloop/console.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.code.tasks.export import tiny_bundle
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

# What library output looks like: Python warnings, logging records (Prefect's "| WARNING |" format), glog/absl
# lines (W1206 / I0000 ...), converter stages, progress bars, tracebacks.
LIBRARY_LINE = re.compile(
    r"warning|traceback|\| (INFO|WARNING|ERROR) +\||^[WIE]\d{4} |absl|onednn|torchao|coremltools|litert-torch|"
    r"tensorflow|xnnpack|it/s\]|ops/s\]|passes/s\]|\[START\]|\[ DONE\]",
    re.IGNORECASE,
)


def test_export_shows_progress_and_sends_every_library_line_to_the_run_log(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(t for t in tiny_bundle.eval_texts()[:30] if t.strip()) + "\n", encoding="utf-8")
    state = tmp_path / "state"
    command = [
        str(Path(sys.executable).with_name("spamloop")), "export", str(tiny_bundle.tiny_model_dir()),
        "--version", "quiet-1", "--threshold", "0.5", "--max-seq-len", "64", "--eval-texts", str(texts),
        "--state-dir", str(state),
    ]
    # The session's Prefect API (no embedded server start-up in the child); a wide terminal, as a person has.
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "COLUMNS": "160"}
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    terminal = done.stdout + done.stderr
    assert done.returncode == 0, terminal[-4000:]

    leaked = [line for line in terminal.splitlines() if LIBRARY_LINE.search(line)]
    assert leaked == [], "library output reached the terminal:\n" + "\n".join(leaked[:20])
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("✓ export") and "PASS on" in lines[0], done.stdout
    assert f"bundle: {state.resolve() / 'exports' / 'quiet-1'}" in done.stdout
    assert done.stderr == ""

    logs = list((state / "logs").glob("export-*.log"))
    assert len(logs) == 1 and f"log: {logs[0].resolve()}" in done.stdout
    log = logs[0].read_text(encoding="utf-8")
    # The noise went there: a Python-logging warning (coremltools), the converter's own progress output, and a line
    # native code wrote straight to file descriptor 2 (absl), which only a descriptor-level redirect catches.
    for expected in ("coremltools", "LiteRT-Torch Convert", "absl::InitializeLog"):
        assert expected in log, f"{expected!r} not in the run log"
    assert "export: completed" in log  # the progress lines are in the log too


def test_progress_lines_show_each_stage_with_its_time_and_each_training_epoch_with_dev_metrics():
    """The records every layer writes (spamloop/progress.py) become one line per epoch and per finished stage."""
    import io
    from types import SimpleNamespace

    from rich.console import Console
    from transformers import TrainerState

    from spamloop.console import ShowProgress
    from spamloop.progress import stage_finished, stage_started
    from tasks.train.progress import EpochProgress

    screen = io.StringIO()
    with ShowProgress(Console(file=screen, width=200, color_system=None)):
        stage_started("train")
        state = TrainerState(epoch=2.0, global_step=40, num_train_epochs=6, log_history=[{"loss": 0.4}, {"loss": 0.2134}])
        EpochProgress().on_evaluate(
            SimpleNamespace(num_train_epochs=6), state, None,
            metrics={"eval_loss": 0.31, "eval_pr_auc": 0.98213, "eval_f1": 0.951, "eval_runtime": 3.2, "eval_epoch": 2.0},
        )
        stage_finished("train", "completed", "dev F1 0.951")
    lines = screen.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "train" in lines[0] and "epoch 2/6: train loss 0.213, dev F1 0.951, dev PR-AUC 0.982, dev loss 0.310" in lines[0]
    assert "runtime" not in lines[0]
    assert lines[1].startswith("✓ train") and re.search(r"\d(\.\d)? s +completed: dev F1 0.951$", lines[1]), lines[1]

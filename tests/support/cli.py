"""Run the `spamloop` command line in-process exactly as its console script does (spamloop.cli:main), so the
exit code a test sees is the one a shell sees."""

from __future__ import annotations

import sys

import pytest


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``spamloop ARGS``."""
    from spamloop.cli import main

    capsys.readouterr()  # drop anything printed before
    monkeypatch.setattr(sys, "argv", ["spamloop", *args])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err

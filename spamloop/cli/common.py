"""What every command group shares: the common options, the config every command builds, the quiet run of a
flow, the refusal (one line on stderr, exit 1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from spamloop.config import SpamloopConfig
from spamloop.console import RunLog, ShowProgress
from spamloop.overrides import OverrideError, config_with_overrides, parse_overrides
from spamloop.runtime import prepare_runtime

error_console = Console(stderr=True)

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a config field, dotted: --set ingest.batch_rows=1000 (value parsed as YAML).",
    ),
]
StateDirOption = Annotated[Path | None, typer.Option("--state-dir", help="State folder (default ./.spamloop).")]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Show every library's output (converters, warnings, Prefect's logs) instead of progress lines; "
        "without it that output goes to <state>/logs/ and the MLflow run.",
    ),
]


def build_config(overrides: list[str] | None, state_dir: Path | None = None, **fields: Any) -> SpamloopConfig:
    """Config from defaults < YAML < env < command-line overrides; also prepares the runtime environment.

    Prefect reads its settings when first imported: a command builds its config before it imports a flow.
    """
    try:
        values = parse_overrides(overrides)
    except OverrideError as error:
        raise typer.BadParameter(str(error), param_hint="--set") from None
    if state_dir is not None:
        values["state_dir"] = state_dir
    for dotted, value in fields.items():
        if value is not None:
            section, _, name = dotted.partition("__")
            values.setdefault(section, {})[name] = value
    config = config_with_overrides(values)
    prepare_runtime(config)
    return config


@contextmanager
def quiet_run(config: SpamloopConfig, name: str, verbose: bool) -> Iterator[tuple[RunLog, Console]]:
    """Library output to <state>/logs/<name>-<time>.log (unless verbose); progress lines on the terminal."""
    with RunLog(config.paths.root, name, verbose) as run_log:
        out = run_log.console()
        with ShowProgress(out):
            yield run_log, out


def log_line(run_log: RunLog, out: Console) -> None:
    """Where the run's library output went (nothing when --verbose showed it)."""
    if not run_log.verbose:
        out.print(f"log: {run_log.path}", soft_wrap=True)


def refused(error: Exception) -> NoReturn:
    """One line on stderr, exit code 1: what every refused command does."""
    text = str(error)
    error_console.print(f"[red]{escape(text if text.startswith('refused') else 'refused: ' + text)}[/red]", soft_wrap=True)
    raise typer.Exit(code=1)

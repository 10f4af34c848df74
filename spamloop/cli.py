"""The `spamloop` command line. Every command builds the same SpamloopConfig the flows take."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer
import yaml
from rich.console import Console

from spamloop.config import SpamloopConfig, load_config
from spamloop.console import RunLog, ShowProgress
from spamloop.progress import stage_finished, stage_started
from spamloop.runtime import prepare_runtime

app = typer.Typer(help="spamloop: the retraining loop behind an on-device SMS spam filter.", no_args_is_help=True)
config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
sample_app = typer.Typer(help="Bundled sample data.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(sample_app, name="sample")

console = Console()

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

# Exit codes of `spamloop retrain` when the run worked but published nothing (docs/operations.md).
# 1 stays "error or refused command", 2 is click's usage error.
EXIT_BLOCKED = 3
EXIT_AWAITING_REVIEW = 4


def parse_overrides(assignments: list[str] | None) -> dict[str, Any]:
    """Turn ["a.b=1", "c=x"] into {"a": {"b": 1}, "c": "x"}."""
    nested: dict[str, Any] = {}
    for assignment in assignments or []:
        if "=" not in assignment:
            raise typer.BadParameter(f"expected KEY=VALUE, got {assignment!r}", param_hint="--set")
        dotted, raw_value = assignment.split("=", 1)
        keys = dotted.strip().split(".")
        node = nested
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = yaml.safe_load(raw_value) if raw_value else ""
    return nested


def build_config(overrides: list[str] | None, state_dir: Path | None = None, **fields: Any) -> SpamloopConfig:
    """Config from defaults < YAML < env < command-line overrides; also prepares the runtime environment."""
    values = parse_overrides(overrides)
    if state_dir is not None:
        values["state_dir"] = state_dir
    for dotted, value in fields.items():
        if value is not None:
            section, _, name = dotted.partition("__")
            values.setdefault(section, {})[name] = value
    # Merge section overrides onto the env/YAML-resolved sections, not replace them.
    base = load_config()
    merged = _deep_merge(base.model_dump(mode="python"), values)
    config = SpamloopConfig.exactly(merged)
    prepare_runtime(config)
    return config


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@config_app.command("show")
def config_show(overrides: SetOption = None, state_dir: StateDirOption = None) -> None:
    """Print the effective configuration as YAML (secrets masked)."""
    config = build_config(overrides, state_dir)
    console.print(yaml.safe_dump(json.loads(config.model_dump_json()), sort_keys=False, allow_unicode=True))


@config_app.command("schema")
def config_schema() -> None:
    """Print the JSON schema of the configuration, with every field's description."""
    console.print_json(json.dumps(SpamloopConfig.model_json_schema()))


@sample_app.command("build")
def sample_build(
    out: Annotated[Path | None, typer.Option(help="data folder to write (default: the repo's data/).")] = None,
) -> None:
    """Rebuild the generated parts of the bundled sample (deterministic: synthetic corpus, raw and bad logs)."""
    from tasks.sample.build import REPO_DATA_DIR, build

    for path in build(out or REPO_DATA_DIR):
        console.print(f"wrote {path}")


@contextmanager
def quiet_run(config: SpamloopConfig, name: str, verbose: bool) -> Iterator[tuple[RunLog, Console]]:
    """Library output to <state>/logs/<name>-<time>.log (unless verbose); progress lines on the terminal."""
    with RunLog(config.paths.root, name, verbose) as run_log:
        out = run_log.console()
        with ShowProgress(out):
            yield run_log, out


def _log_line(run_log: RunLog, out: Console) -> None:
    if not run_log.verbose:
        out.print(f"log: {run_log.path}", soft_wrap=True)


@app.command()
def ingest(
    source: Annotated[str | None, typer.Option(help="Folder or s3://bucket/prefix of report logs.")] = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the ingest flow: validate, normalise, dedupe, scrub PII, write a snapshot."""
    config = build_config(overrides, state_dir, ingest__source=source)
    with quiet_run(config, "ingest", verbose) as (run_log, out):
        from flows.ingest import ingest as ingest_flow

        stage_started("ingest")
        result = ingest_flow(config=config)
        stage_finished("ingest", "completed", f"snapshot {result.snapshot_id}")
        out.print(
            f"snapshot {result.snapshot_id}: read {result.read} = accepted {result.accepted} "
            f"+ duplicate {result.duplicate} + quarantined {result.quarantined}"
        )
        _log_line(run_log, out)


@app.command()
def train(overrides: SetOption = None, state_dir: StateDirOption = None, verbose: VerboseOption = False) -> None:
    """Run the train flow: encoder + TF-IDF baseline on the latest labels, tracked in MLflow."""
    config = build_config(overrides, state_dir)
    with quiet_run(config, "train", verbose) as (run_log, out):
        from flows.train import train as train_flow

        stage_started("train")
        result = train_flow(config=config)
        stage_finished("train", "completed", f"MLflow run {result.run_id}")
        out.print(f"MLflow run {result.run_id}: model {result.model_uri}, threshold {result.threshold:.4f}")
        for model, metrics in (("encoder", result.encoder_metrics), ("baseline", result.baseline_metrics)):
            overall = metrics.get("all", {})
            out.print(f"  {model}: dev F1 {overall.get('spam_f1', 0):.4f}, ham FPR {overall.get('ham_fpr', 0):.4f}")
        run_log.attach_to_mlflow(config.resolved_tracking_uri, result.run_id)
        _log_line(run_log, out)


@app.command()
def retrain(
    source: Annotated[str | None, typer.Option(help="Folder or s3://bucket/prefix of report logs.")] = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the weekly retrain flow once, locally (embedded Prefect API, SQLite MLflow).

    Prints one line per stage (and per training epoch), then the summary tables; library output goes to
    <state>/logs/ and the MLflow training run (--verbose shows it instead).

    Exit code: 0 published, 3 blocked (a gate failed: nothing published), 4 awaiting review (passed every gate,
    not published until approved), 1 error.
    """
    config = build_config(overrides, state_dir, ingest__source=source)
    with quiet_run(config, "retrain", verbose) as (run_log, out):
        from flows.retrain import STATE_AWAITING_REVIEW, STATE_BLOCKED, weekly_retrain
        from flows.retrain_report import print_summary

        state = weekly_retrain(config=config, return_state=True)
        print_summary(state.result(), out)
        _log_line(run_log, out)
        code = {STATE_BLOCKED: EXIT_BLOCKED, STATE_AWAITING_REVIEW: EXIT_AWAITING_REVIEW}.get(state.name or "")
        if code is not None:
            out.print(f"[bold yellow]{state.name}[/]: {state.message} (exit {code})", highlight=False, soft_wrap=True)
            raise typer.Exit(code)


def _mount_stage_commands() -> None:
    from spamloop.cli_export import export_app
    from spamloop.cli_gold import gold_app
    from spamloop.cli_label import register as register_label_commands
    from spamloop.cli_registry import registry_app
    from spamloop.cli_replay import register as register_replay_command

    register_label_commands(app)
    register_replay_command(app)
    app.add_typer(registry_app, name="registry")
    app.add_typer(gold_app, name="gold")
    app.add_typer(export_app)  # `spamloop export`, `predict`, `verify-bundle`, `publish`, `publish url`, `rollback-model`


_mount_stage_commands()


def main() -> None:
    """Entry point: deliberate stage errors print one clear line instead of a traceback; exit codes reach the shell."""
    try:
        # standalone_mode=False hands typer.Exit's code back instead of exiting: pass it on, or a refusal exits 0.
        code = app(standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool) and code != 0:
            raise SystemExit(code)
    except typer.Exit as done:
        raise SystemExit(done.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        console.print("aborted")
        raise SystemExit(130) from None
    except click.ClickException as error:
        error.show()
        raise SystemExit(error.exit_code) from None
    except Exception as error:  # noqa: BLE001 - re-raised unless it is one of ours
        if not type(error).__module__.split(".")[0] in {"tasks", "models", "flows", "spamloop"}:
            raise
        console.print(f"[bold red]error[/]: {error}", highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

"""The `spamloop` command line: one typer app, one module per command group.

Every command builds the same SpamloopConfig the flows take (``spamloop.cli.common.build_config``). The flows
never import this package: it sits above them.
"""

from __future__ import annotations

import click
import typer
from rich.console import Console

from spamloop.cli import config, export, gold, label, registry, replay, sample, stages

app = typer.Typer(help="spamloop: the retraining loop behind an on-device SMS spam filter.", no_args_is_help=True)
app.add_typer(config.config_app, name="config")
app.add_typer(sample.sample_app, name="sample")
stages.register(app)  # `spamloop ingest`, `train`, `retrain`
label.register(app)  # `spamloop review ...`, `label ...`
replay.register(app)
app.add_typer(registry.registry_app, name="registry")
app.add_typer(gold.gold_app, name="gold")
app.add_typer(export.export_app)  # `spamloop export`, `predict`, `verify-bundle`, `publish`, `publish url`, `rollback-model`

console = Console()


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

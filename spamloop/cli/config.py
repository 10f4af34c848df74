"""`spamloop config ...`: the effective configuration and its schema."""

from __future__ import annotations

import json

import typer
import yaml
from rich.console import Console

from spamloop.cli.common import SetOption, StateDirOption, build_config
from spamloop.config import SpamloopConfig

config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
console = Console()


@config_app.command("show")
def config_show(overrides: SetOption = None, state_dir: StateDirOption = None) -> None:
    """Print the effective configuration as YAML (secrets masked)."""
    config = build_config(overrides, state_dir)
    console.print(yaml.safe_dump(json.loads(config.model_dump_json()), sort_keys=False, allow_unicode=True))


@config_app.command("schema")
def config_schema() -> None:
    """Print the JSON schema of the configuration, with every field's description."""
    console.print_json(json.dumps(SpamloopConfig.model_json_schema()))

"""`spamloop sample build`: rebuild the generated parts of the bundled sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

sample_app = typer.Typer(help="Bundled sample data.", no_args_is_help=True)
console = Console()


@sample_app.command("build")
def sample_build(
    out: Annotated[Path | None, typer.Option(help="data folder to write (default: the repo's data/).")] = None,
) -> None:
    """Rebuild the generated parts of the bundled sample (deterministic: synthetic corpus, raw and bad logs)."""
    from tasks.sample.build import REPO_DATA_DIR, build

    for path in build(out or REPO_DATA_DIR):
        console.print(f"wrote {path}")

"""`spamloop gold ...`: a deployment's own gold set, from the bundled corpora plus its verified own traffic.

Mounted by spamloop/cli/__init__.py as ``app.add_typer(gold_app, name="gold")``. A refused command prints one line on
stderr and exits 1. The bundled versions in data/gold are built with ``python -m tasks.evaluate.gold build``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from spamloop.cli.common import StateDirOption, build_config, refused

gold_app = typer.Typer(help="Gold set versions: build one with your own verified traffic, verify, list candidates.", no_args_is_help=True)
console = Console()

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config field, dotted: --set evaluate.gold_dir=/srv/gold (value parsed as YAML)."),
]
GoldDirOption = Annotated[Path | None, typer.Option("--gold-dir", help="Gold folder (default: evaluate.gold_dir).")]


def _config(overrides: list[str] | None, state_dir: Path | None) -> Any:
    return build_config(overrides, state_dir)


def _refused(message: str) -> None:
    refused(RuntimeError(message))


def _candidates(config: Any) -> pl.DataFrame:
    from tasks.label.store import LabelStore

    with LabelStore.for_config(config) as store:
        return store.gold_candidates()


@gold_app.command("build")
def gold_build(
    version: Annotated[str, typer.Option("--version", help="New version name, e.g. v3; never an existing one.")],
    allow_no_own_traffic: Annotated[
        bool, typer.Option("--allow-no-own-traffic", help="Build from the bundled corpora alone when no own row is verified.")
    ] = False,
    gold_dir: GoldDirOption = None,
    seed_dir: Annotated[Path | None, typer.Option("--seed-dir", help="Bundled seed corpora (default: data/seed).")] = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Build a NEW gold version: the bundled corpora's rule plus every verified own-traffic candidate
    (`review import`), deduplicated, one per campaign, with its digest. Training drops its messages and campaigns
    once evaluate.gold_version names it."""
    from models.gold import DEFAULT_GOLD_DIR, PROJECT_ROOT, gold_paths, resolve_gold_dir
    from tasks.evaluate.gold import GoldBuildRefused, build_gold, is_bundled_gold_dir

    config = _config(overrides, state_dir)
    target = gold_dir or config.evaluate.gold_dir
    bundled_parquet, _ = gold_paths(version, PROJECT_ROOT / DEFAULT_GOLD_DIR)
    if not is_bundled_gold_dir(target) and bundled_parquet.exists():
        _refused(f"gold {version} is a bundled version (data/gold): a version name means one gold set; pick a new one")
    candidates = _candidates(config)
    try:
        manifest = build_gold(
            version,
            seed_dir or PROJECT_ROOT / "data" / "seed",
            resolve_gold_dir(target),
            own_candidates=candidates,
            require_own_traffic=not allow_no_own_traffic,
        )
    except FileExistsError:
        _refused(f"gold {version} already exists in {target}; a version is never rewritten: build a new one")
    except GoldBuildRefused as error:
        _refused(str(error))
    own = manifest.own_traffic
    own_rows = own.rows if own else 0
    folder = resolve_gold_dir(target)
    console.print(
        f"built gold {version} in {folder}: {manifest.rows:,} messages = {manifest.rows - own_rows:,} bundled "
        f"+ {own_rows:,} own traffic ({own_rows / manifest.rows:.1%})",
        highlight=False,
    )
    if own:
        sources = ", ".join(f"{name} {count}" for name, count in own.by_source.items())
        left_out = ", ".join(f"{reason} {count}" for reason, count in own.dropped.items())
        console.print(f"  own traffic: {sources}; of {own.candidates} candidates left out: {left_out}", highlight=False)
        console.print(f"  snapshots: {', '.join(own.snapshot_ids) or '–'}", highlight=False)
    console.print(f"  labels {manifest.counts['label']}, languages {manifest.counts['lang']}", highlight=False)
    console.print(f"  sha256 {manifest.sha256}", highlight=False)
    console.print(f"  content sha256 {manifest.content_sha256}", highlight=False)
    console.print(
        f"to use it: set evaluate.gold_version={version} and evaluate.gold_dir={folder} (training then drops its "
        "messages and campaigns)",
        highlight=False,
        soft_wrap=True,
    )


@gold_app.command("verify")
def gold_verify(
    version: Annotated[str, typer.Option("--version", help="Gold version to check.")],
    gold_dir: GoldDirOption = None,
    overrides: SetOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Check a gold version's file against its manifest digest; print its size and own-traffic share."""
    from models.gold import GoldSetIntegrityError, load_gold

    config = _config(overrides, state_dir)
    try:
        gold = load_gold(version, gold_dir or config.evaluate.gold_dir)
    except (FileNotFoundError, GoldSetIntegrityError) as error:
        _refused(str(error))
    own_rows = gold.frame.filter(pl.col("source").str.starts_with("own:")).height
    console.print(
        f"gold {gold.version} ok: {gold.manifest.rows:,} rows ({own_rows:,} own traffic), sha256 {gold.manifest.sha256}",
        highlight=False,
    )


@gold_app.command("candidates")
def gold_candidates(overrides: SetOption = None, state_dir: StateDirOption = None) -> None:
    """Verified own-traffic messages waiting for the next `gold build`: counts by source and label."""
    candidates = _candidates(_config(overrides, state_dir))
    table = Table(title=f"gold candidates ({candidates.height})")
    for header in ("source", "label", "messages", "reviewers", "verified (UTC)"):
        table.add_column(header, no_wrap=True)
    grouped = (
        candidates.group_by("source", "label")
        .agg(
            pl.len().alias("n"),
            pl.col("reviewer").drop_nulls().n_unique().alias("reviewers"),
            pl.col("verified_at").min().alias("first"),
            pl.col("verified_at").max().alias("last"),
        )
        .sort("source", "label")
    )
    for row in grouped.iter_rows(named=True):
        first, last = row["first"][:16].replace("T", " "), row["last"][:16].replace("T", " ")
        table.add_row(row["source"], row["label"], str(row["n"]), str(row["reviewers"]), first if first == last else f"{first} – {last}")
    console.print(table)

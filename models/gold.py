"""The gold set as every stage reads it: a fixed, versioned, digest-checked evaluation set that training never sees.

Evaluate measures candidates on it, train drops every message and campaign it shares with it (``drop_gold_overlap``,
then ``assert_disjoint_from_gold``), benches and the CLI load it. ``load_gold`` checks the parquet file against its
manifest on every load. How a version is built (which seed rows, slice columns, own traffic) is the evaluate stage's
``tasks/evaluate/gold.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from models.normalization import message_id, normalize, template_key
from models.ondevice import sha256_file

DEFAULT_GOLD_DIR = Path("data/gold")
# The checkout this module lives in: relative gold folders fall back to it when the working directory is elsewhere.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
GOLD_SCHEMA: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "text": pl.String(),
    "text_norm": pl.String(),
    "template_key": pl.String(),
    "label": pl.String(),
    "lang": pl.String(),
    "category": pl.String(),
    "subtype": pl.String(),
    "category_group": pl.String(),
    "has_url": pl.Boolean(),
    "is_obfuscated": pl.Boolean(),
    "is_synthetic": pl.Boolean(),
    "corpus": pl.String(),
    # Provenance. Bundled rows: source = corpus, the rest null. Own-traffic rows: source own:review / own:audit,
    # the ingest campaign (training drops its members too), the snapshot it was read from, who verified it and when.
    "source": pl.String(),
    "campaign_id": pl.String(),
    "snapshot_id": pl.String(),
    "reviewer": pl.String(),
    "verified_at": pl.String(),
}


class GoldSetIntegrityError(RuntimeError):
    """The gold set file does not match its manifest (edited, truncated or rebuilt in place)."""


class OwnTrafficSummary(BaseModel):
    """What a gold manifest records about the own-traffic rows it holds."""

    model_config = ConfigDict(extra="forbid")

    rows: int = Field(description="Own-traffic rows in the gold set.")
    by_source: dict[str, int] = Field(description="Rows per source (own:review, own:audit).")
    candidates: int = Field(description="Verified candidates offered to the build.")
    dropped: dict[str, int] = Field(
        description="Candidates left out, by reason: duplicate_candidate (same message), in_bundled (message or campaign "
        "already in the bundled rows), campaign_sibling (another member of its campaign is in)."
    )
    snapshot_ids: list[str] = Field(description="Snapshots the rows' texts were read from.")
    verified_from: str | None = Field(description="Earliest verification time (UTC, ISO-8601) of a row.")
    verified_to: str | None = Field(description="Latest verification time (UTC, ISO-8601) of a row.")
    candidates_sha256: str = Field(description="sha256 over the offered candidates (canonical JSON rows).")


class GoldManifest(BaseModel):
    """What ``gold-<version>.json`` records about its parquet file."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(description="Gold set version, e.g. 'v1'.")
    file: str = Field(description="Parquet file name next to the manifest.")
    sha256: str = Field(description="sha256 of the parquet file bytes; checked on every load.")
    size_bytes: int = Field(description="Size of the parquet file in bytes.")
    content_sha256: str = Field(description="sha256 over the rows (canonical JSON lines): independent of parquet encoding.")
    rows: int = Field(description="Number of messages.")
    counts: dict[str, dict[str, int]] = Field(description="Row counts by label, lang, category_group, has_url, is_obfuscated.")
    build_rule: str = Field(description="How the rows were chosen.")
    heldout_subtypes: list[str] = Field(
        default_factory=list, description="Synthetic subtypes whose every message is in this version (none before v2)."
    )
    normalization_version: str = Field(description="Text contract version used for text_norm and template_key.")
    sources: dict[str, str] = Field(description="Seed corpus file name -> sha256 of its bytes at build time.")
    own_traffic: OwnTrafficSummary | None = Field(
        default=None, description="The verified own-traffic rows in this version; None for a bundled-corpora-only version."
    )


class GoldSet(BaseModel):
    """A loaded, digest-verified gold set."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    manifest: GoldManifest = Field(description="The verified manifest.")
    frame: pl.DataFrame = Field(description="The rows, GOLD_SCHEMA columns.")

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def is_spam(self) -> list[bool]:
        return [label == "spam" for label in self.frame["label"].to_list()]


def gold_paths(version: str, gold_dir: Path = DEFAULT_GOLD_DIR) -> tuple[Path, Path]:
    """(parquet, manifest) paths of a gold version."""
    if not re.fullmatch(r"v\d+", version):
        raise ValueError(f"gold version must look like 'v1', got {version!r}")
    return gold_dir / f"gold-{version}.parquet", gold_dir / f"gold-{version}.json"


def resolve_gold_dir(gold_dir: Path) -> Path:
    """``gold_dir`` as given if absolute or present under the working directory, else under the project root."""
    if gold_dir.is_absolute() or gold_dir.exists():
        return gold_dir
    return PROJECT_ROOT / gold_dir


def load_gold(version: str, gold_dir: Path = DEFAULT_GOLD_DIR) -> GoldSet:
    """Load a gold version after checking size and sha256 against its manifest; raises GoldSetIntegrityError."""
    parquet_path, manifest_path = gold_paths(version, resolve_gold_dir(gold_dir))
    if not manifest_path.exists() or not parquet_path.exists():
        raise FileNotFoundError(f"gold {version} not found in {gold_dir} (need {parquet_path.name} and {manifest_path.name})")
    manifest = GoldManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    if manifest.version != version or manifest.file != parquet_path.name:
        raise GoldSetIntegrityError(f"{manifest_path} describes {manifest.file} ({manifest.version}), not gold {version}")
    size = parquet_path.stat().st_size
    actual = sha256_file(parquet_path)
    if size != manifest.size_bytes or actual != manifest.sha256:
        raise GoldSetIntegrityError(
            f"gold {version} digest mismatch: {parquet_path} has sha256 {actual[:12]}… ({size} bytes), manifest says "
            f"{manifest.sha256[:12]}… ({manifest.size_bytes} bytes). The gold set must not be edited; build a new version."
        )
    frame = pl.read_parquet(parquet_path)
    if frame.height != manifest.rows:
        raise GoldSetIntegrityError(f"gold {version} has {frame.height} rows, manifest says {manifest.rows}")
    # Columns added after a version was built: no subtypes before v2, no provenance before own-traffic gold.
    absent = [name for name in GOLD_SCHEMA if name not in frame.columns]
    if absent:
        frame = frame.with_columns(
            (pl.col("corpus") if name == "source" else pl.lit(None)).cast(GOLD_SCHEMA[name]).alias(name) for name in absent
        ).select(list(GOLD_SCHEMA))
    return GoldSet(manifest=manifest, frame=frame)


def _frame_template_keys(frame: pl.DataFrame) -> list[str]:
    if "template_key" in frame.columns:
        return frame["template_key"].to_list()
    if "text_norm" in frame.columns:
        return [template_key(text) for text in frame["text_norm"].to_list()]
    raise ValueError("a training frame needs template_key or text_norm to be checked against the gold set")


def gold_keys(gold: GoldSet | pl.DataFrame) -> tuple[set[str], set[str]]:
    """(message ids, template keys) of the gold set, as built AND under the current normalisation: if the text
    contract changes after a gold version was built, its messages get new ids/keys and must still be recognised."""
    frame = gold.frame if isinstance(gold, GoldSet) else gold
    current_norm = [normalize(text) for text in frame["text"].to_list()]
    ids = set(frame["message_id"].to_list()) | {message_id(text) for text in current_norm}
    templates = set(frame["template_key"].to_list()) | {template_key(text) for text in current_norm}
    return ids, templates


def gold_campaigns(gold: GoldSet | pl.DataFrame) -> set[str]:
    """Ingest campaign ids of the gold set's own-traffic rows (bundled rows have none)."""
    frame = gold.frame if isinstance(gold, GoldSet) else gold
    return set(frame["campaign_id"].drop_nulls().to_list()) if "campaign_id" in frame.columns else set()


def _frame_campaigns(frame: pl.DataFrame) -> list[str | None]:
    return frame["campaign_id"].to_list() if "campaign_id" in frame.columns else [None] * frame.height


def gold_overlap(train_frame: pl.DataFrame, gold: GoldSet | pl.DataFrame) -> dict[str, list[str]]:
    """Message ids, template keys and ingest campaigns that a training frame shares with the gold set."""
    gold_ids, gold_templates = gold_keys(gold)
    shared_ids = sorted(gold_ids.intersection(train_frame["message_id"].to_list()))
    shared_templates = sorted(gold_templates.intersection(_frame_template_keys(train_frame)))
    shared_campaigns = sorted(gold_campaigns(gold).intersection(c for c in _frame_campaigns(train_frame) if c))
    return {"message_id": shared_ids, "template_key": shared_templates, "campaign_id": shared_campaigns}


def assert_disjoint_from_gold(train_frame: pl.DataFrame, gold: GoldSet | pl.DataFrame) -> None:
    """Raise AssertionError if a training frame shares any message id or campaign (template_key, or the ingest
    campaign of an own-traffic gold row) with the gold set."""
    overlap = gold_overlap(train_frame, gold)
    if overlap["message_id"] or overlap["template_key"] or overlap["campaign_id"]:
        raise AssertionError(
            f"training frame overlaps the gold set: {len(overlap['message_id'])} message ids "
            f"(first: {overlap['message_id'][:1]}), {len(overlap['template_key'])} campaigns (template keys), "
            f"{len(overlap['campaign_id'])} ingest campaigns"
        )


def drop_gold_overlap(train_frame: pl.DataFrame, gold: GoldSet | pl.DataFrame) -> pl.DataFrame:
    """Remove rows sharing a message id, a template key or an ingest campaign with the gold set (what a trainer
    does before fitting)."""
    gold_ids, gold_templates = gold_keys(gold)
    campaigns = gold_campaigns(gold)
    keep = [
        message_id not in gold_ids and key not in gold_templates and campaign not in campaigns
        for message_id, key, campaign in zip(
            train_frame["message_id"].to_list(), _frame_template_keys(train_frame), _frame_campaigns(train_frame)
        )
    ]
    return train_frame.filter(pl.Series(keep, dtype=pl.Boolean))

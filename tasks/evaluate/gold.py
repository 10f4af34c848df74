"""The gold set: a fixed, versioned, digest-checked evaluation set that training never sees.

Build rule (``BUILD_RULES``): every row of the bundled seed corpora (``tasks.sample.seed.load_seed_labels``)
that the version's holdout rule picks, one row per message id, sorted by message id. v1 picks the fixed hash
bucket (``is_gold_holdout``); v2 and later pick ``is_gold_v2`` (the v1 bucket, whole held-out synthetic subtypes,
half of the real spam). Labels are the corpora's own (human-verified) labels. Slice columns are derived here
from the text and the corpus category. A version, once written, is never rewritten: ``build --version vN``
makes a new one.

    python -m tasks.evaluate.gold build --version v2
    python -m tasks.evaluate.gold verify --version v1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from models.normalization import NORMALIZATION_VERSION, message_id, normalize, template_key, url_domains
from tasks.sample.seed import GOLD_V2_HELDOUT_SUBTYPES, is_gold_holdout, is_gold_v2, load_seed_labels

DEFAULT_GOLD_DIR = Path("data/gold")
# The checkout this module lives in: relative gold folders fall back to it when the working directory is elsewhere.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEED_DIR = Path("data/seed")
_ROW_RULE = (
    "one row per message_id (first by corpus name); sorted by message_id; label = corpus label; slice columns from "
    "tasks/evaluate/gold.py (category_group, has_url, is_obfuscated)"
)
BUILD_RULES: dict[str, str] = {
    "v1": f"rows of load_seed_labels(data/seed) with is_gold_holdout(message_id); {_ROW_RULE}",
    "v2": "rows of load_seed_labels(data/seed) with is_gold_v2(message_id, corpus, label, subtype) (tasks/sample/seed.py: "
    "the v1 bucket, every row of GOLD_V2_HELDOUT_SUBTYPES, GOLD_V2_EXTRA_BUCKETS of the real spam); " + _ROW_RULE,
}

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
}

# Corpus category (generators v1 tasks/sample/synth_ko.py and v2 synth_ko_v2.py) -> slice group. Rows without a
# category (the real English and Korean corpora) fall back by label: spam -> other_spam (UCI prize/premium-rate
# spam), ham -> personal.
CATEGORY_GROUP_BY_CATEGORY: dict[str, str] = {
    # credential theft, fraud and impersonation
    "impersonation": "smishing",
    "smishing_delivery": "smishing",
    "smishing_government": "smishing",
    "smishing_card": "smishing",
    "phishing": "smishing",
    "smishing_agency": "smishing",
    "smishing_acquaintance": "smishing",
    "smishing_account": "smishing",
    "payment_lure": "smishing",
    # promotion of goods and services, legal or not
    "advertising": "advertising",
    "gambling": "advertising",
    "loan": "advertising",
    "adult": "advertising",
    "investment": "advertising",
    "job_ad": "advertising",
    # transactional ham a filter must never block
    "otp": "transactional",
    "card_approval": "transactional",
    "delivery_notice": "transactional",
    "appointment": "transactional",
    "bank_transfer": "transactional",
    "utility_bill": "transactional",
    "public_notice": "transactional",
    "school_notice": "transactional",
    "apartment_notice": "transactional",
    "personal": "personal",
}
CATEGORY_GROUPS: tuple[str, ...] = ("smishing", "advertising", "other_spam", "transactional", "personal")

# Obfuscation tricks spammers use to dodge keyword filters (heuristics, documented in docs/evaluation.md).
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# full-width forms, half-width Hangul, circled/parenthesised alphanumerics, enclosed CJK, math alphanumerics
_LOOKALIKE_BLOCKS = re.compile("[\uff01-\uff5e\uffa0-\uffdc\u2460-\u24ff\u3200-\u32ff\U0001d400-\U0001d7ff]")
# lone jamo glued to letters/digits or spelled out consonant+vowel (ㅋr지노, 대ㅊ1, ㄷㅐ출); ㅋㅋ/ㅠㅠ alone do not count
_JAMO_SPELLING = re.compile(r"[ㄱ-ㅎ][ㅏ-ㅣ]|[ㄱ-ㅣ][A-Za-z0-9]|[A-Za-z0-9][ㄱ-ㅣ]")
# four or more single letters in a row split by separators: v.i.a.g.r.a, 카 지 노 해
_SPACED_LETTERS = re.compile(r"(?<![\w])(?:[가-힣A-Za-z][.\-_*·ㆍ/,`^'~ ]){3,}[가-힣A-Za-z](?![\w])")
_SEPARATOR = r"[.\-_*·ㆍ/`^'~]"
# common Korean spam words: split by separators or spaces they are a trick (대.출, 카 지 노), whole they are not.
# A space split counts only at a word start, so "애가 입대" is not read as a split "가입".
_SPLIT_KEYWORDS: tuple[str, ...] = (
    "대출", "카지노", "토토", "바카라", "무료", "수익", "입금", "주식", "코인", "당첨", "환급", "성인", "만남", "리딩방",
    "지원금", "정부", "도박", "한도", "저금리", "쿠폰", "충전", "환전", "보너스", "가입", "결제", "택배", "배송", "인증", "상담",
)
_SPLIT_KEYWORD = re.compile(
    "|".join(_SEPARATOR.join(keyword) for keyword in _SPLIT_KEYWORDS)
    + "|"
    + "|".join("(?<![가-힣])" + " {1,2}".join(keyword) for keyword in _SPLIT_KEYWORDS)
)
# Latin capitals glued inside a Hangul word: 서민DAE출
_LATIN_IN_HANGUL = re.compile(r"[가-힣][A-Z]{2,}[가-힣]")
# digits standing in for letters: KAKA0, T0T0, NAV3R, c0in (upper-case tokens, or a digit between two letters)
_LEET_INNER = re.compile(r"[A-Za-z][01345][A-Za-z]")
_UPPER_TOKEN = re.compile(r"\b[A-Z0-9]{4,}\b")
_LEET_DIGITS = frozenset("013458")


class GoldSetIntegrityError(RuntimeError):
    """The gold set file does not match its manifest (edited, truncated or rebuilt in place)."""


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


def category_group(label: str, category: str | None) -> str:
    """Slice group of a row: smishing / advertising / other_spam for spam, transactional / personal for ham."""
    if category:
        group = CATEGORY_GROUP_BY_CATEGORY.get(category)
        if group is None:
            raise ValueError(f"unknown seed category {category!r}: add it to CATEGORY_GROUP_BY_CATEGORY")
        return group
    return "other_spam" if label == "spam" else "personal"


def _leet_token(token: str) -> bool:
    digits = [c for c in token if c.isdigit()]
    letters = [c for c in token if c.isalpha()]
    return bool(digits) and len(letters) >= 2 and len(digits) <= len(token) / 2 and set(digits) <= _LEET_DIGITS


def is_obfuscated(text: str) -> bool:
    """True when the raw text uses a filter-dodging trick: invisible characters, look-alike characters (full-width,
    circled, math), jamo spelling, letters or spam keywords split by separators, or digits standing in for letters."""
    text = unicodedata.normalize("NFC", text)
    return bool(
        _INVISIBLE.search(text)
        or _LOOKALIKE_BLOCKS.search(text)
        or _JAMO_SPELLING.search(text)
        or _SPACED_LETTERS.search(text)
        or _SPLIT_KEYWORD.search(text)
        or _LATIN_IN_HANGUL.search(text)
        or _LEET_INNER.search(text)
        or any(_leet_token(token) for token in _UPPER_TOKEN.findall(text))
    )


def add_slice_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Add template_key, category_group, has_url and is_obfuscated to a frame with text, text_norm, label, category."""
    texts = frame["text"].to_list()
    labels = frame["label"].to_list()
    categories = frame["category"].to_list() if "category" in frame.columns else [None] * frame.height
    return frame.with_columns(
        pl.Series("template_key", [template_key(t) for t in frame["text_norm"].to_list()], dtype=pl.String),
        pl.Series("category_group", [category_group(l, c) for l, c in zip(labels, categories)], dtype=pl.String),
        pl.Series("has_url", [bool(url_domains(t)) for t in texts], dtype=pl.Boolean),
        pl.Series("is_obfuscated", [is_obfuscated(t) for t in texts], dtype=pl.Boolean),
    )


def rule_of(version: str) -> str:
    """The build rule a version uses: 'v1' for v1, 'v2' for v2 and later (until a newer rule is added)."""
    return "v1" if version == "v1" else "v2"


def select_gold_rows(seed: pl.DataFrame, rule: str = "v1") -> pl.DataFrame:
    """Apply a build rule to a seed-label frame: holdout rows only, one row per id, slice columns, sorted."""
    for optional in ("category", "subtype"):
        if optional not in seed.columns:
            seed = seed.with_columns(pl.lit(None, dtype=pl.String).alias(optional))
    if rule == "v1":
        picked = [is_gold_holdout(mid) for mid in seed["message_id"].to_list()]
    elif rule == "v2":
        picked = [
            is_gold_v2(mid, corpus, label, subtype)
            for mid, corpus, label, subtype in seed.select("message_id", "corpus", "label", "subtype").iter_rows()
        ]
    else:
        raise ValueError(f"unknown gold build rule {rule!r}")
    holdout = seed.filter(pl.Series(picked, dtype=pl.Boolean))
    holdout = holdout.sort(["message_id", "corpus"]).unique(subset="message_id", keep="first", maintain_order=True)
    gold = add_slice_columns(holdout)
    return gold.select([pl.col(name).cast(dtype) for name, dtype in GOLD_SCHEMA.items()])


def content_digest(frame: pl.DataFrame) -> str:
    """sha256 over canonical JSON lines of the rows (column order of GOLD_SCHEMA)."""
    digest = hashlib.sha256()
    for row in frame.select(list(GOLD_SCHEMA)).iter_rows(named=True):
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for column in ("label", "lang", "category_group", "has_url", "is_obfuscated", "corpus", "subtype"):
        values = frame[column].cast(pl.String).fill_null("null").to_list()
        column_counts: dict[str, int] = {}
        for value in values:
            column_counts[value] = column_counts.get(value, 0) + 1
        counts[column] = dict(sorted(column_counts.items()))
    return counts


def _seed_sources(seed_dir: Path) -> dict[str, str]:
    return {path.name: file_sha256(path) for path in sorted(seed_dir.glob("*.tsv"))}


def build_gold(version: str, seed_dir: Path = DEFAULT_SEED_DIR, gold_dir: Path = DEFAULT_GOLD_DIR) -> GoldManifest:
    """Write gold-<version>.parquet and its manifest. Refuses to overwrite an existing version."""
    parquet_path, manifest_path = gold_paths(version, gold_dir)
    if parquet_path.exists() or manifest_path.exists():
        raise FileExistsError(f"gold {version} already exists in {gold_dir}; build a new version instead")
    rule = rule_of(version)
    gold = select_gold_rows(load_seed_labels(seed_dir), rule)
    if gold.height == 0:
        raise ValueError(f"no gold-holdout rows in {seed_dir}")
    gold_dir.mkdir(parents=True, exist_ok=True)
    tmp_parquet = parquet_path.with_suffix(".parquet.tmp")
    gold.write_parquet(tmp_parquet, compression="zstd", statistics=False)
    manifest = GoldManifest(
        version=version,
        file=parquet_path.name,
        sha256=file_sha256(tmp_parquet),
        size_bytes=tmp_parquet.stat().st_size,
        content_sha256=content_digest(gold),
        rows=gold.height,
        counts=_counts(gold),
        build_rule=BUILD_RULES[rule],
        heldout_subtypes=sorted(GOLD_V2_HELDOUT_SUBTYPES) if rule == "v2" else [],
        normalization_version=NORMALIZATION_VERSION,
        sources=_seed_sources(seed_dir),
    )
    tmp_manifest = manifest_path.with_suffix(".json.tmp")
    tmp_manifest.write_text(json.dumps(manifest.model_dump(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # Parquet first, manifest last: a killed build leaves no manifest, so nothing loads a half-written version.
    os.replace(tmp_parquet, parquet_path)
    os.replace(tmp_manifest, manifest_path)
    return manifest


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
    actual = file_sha256(parquet_path)
    if size != manifest.size_bytes or actual != manifest.sha256:
        raise GoldSetIntegrityError(
            f"gold {version} digest mismatch: {parquet_path} has sha256 {actual[:12]}… ({size} bytes), manifest says "
            f"{manifest.sha256[:12]}… ({manifest.size_bytes} bytes). The gold set must not be edited; build a new version."
        )
    frame = pl.read_parquet(parquet_path)
    if frame.height != manifest.rows:
        raise GoldSetIntegrityError(f"gold {version} has {frame.height} rows, manifest says {manifest.rows}")
    if "subtype" not in frame.columns:  # versions before v2 have no subtypes
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("subtype")).select(list(GOLD_SCHEMA))
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


def gold_overlap(train_frame: pl.DataFrame, gold: GoldSet | pl.DataFrame) -> dict[str, list[str]]:
    """Message ids and template keys (campaigns) that a training frame shares with the gold set."""
    gold_ids, gold_templates = gold_keys(gold)
    shared_ids = sorted(gold_ids.intersection(train_frame["message_id"].to_list()))
    shared_templates = sorted(gold_templates.intersection(_frame_template_keys(train_frame)))
    return {"message_id": shared_ids, "template_key": shared_templates}


def assert_disjoint_from_gold(train_frame: pl.DataFrame, gold: GoldSet | pl.DataFrame) -> None:
    """Raise AssertionError if a training frame shares any message id or campaign (template_key) with the gold set."""
    overlap = gold_overlap(train_frame, gold)
    if overlap["message_id"] or overlap["template_key"]:
        raise AssertionError(
            f"training frame overlaps the gold set: {len(overlap['message_id'])} message ids "
            f"(first: {overlap['message_id'][:1]}), {len(overlap['template_key'])} campaigns (template keys)"
        )


def drop_gold_overlap(train_frame: pl.DataFrame, gold: GoldSet | pl.DataFrame) -> pl.DataFrame:
    """Remove rows sharing a message id or a template key with the gold set (what a trainer does before fitting)."""
    gold_ids, gold_templates = gold_keys(gold)
    keep = [
        message_id not in gold_ids and key not in gold_templates
        for message_id, key in zip(train_frame["message_id"].to_list(), _frame_template_keys(train_frame))
    ]
    return train_frame.filter(pl.Series(keep, dtype=pl.Boolean))


def _main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.evaluate.gold", description="Build or verify a gold set version.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="Build a NEW gold version from the seed corpora (never overwrites).")
    build.add_argument("--version", required=True, help="New version name, e.g. v2.")
    build.add_argument("--seed-dir", type=Path, default=DEFAULT_SEED_DIR)
    build.add_argument("--gold-dir", type=Path, default=DEFAULT_GOLD_DIR)
    verify = sub.add_parser("verify", help="Check a gold version against its manifest digest.")
    verify.add_argument("--version", required=True)
    verify.add_argument("--gold-dir", type=Path, default=DEFAULT_GOLD_DIR)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "build":
        manifest: Any = build_gold(args.version, args.seed_dir, args.gold_dir)
        print(f"built gold {manifest.version}: {manifest.rows} rows, sha256 {manifest.sha256}, labels {manifest.counts['label']}")
    else:
        gold = load_gold(args.version, args.gold_dir)
        print(f"gold {gold.version} ok: {gold.manifest.rows} rows, sha256 {gold.manifest.sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())

"""Building the gold set: a fixed, versioned, digest-checked evaluation set that training never sees.

Loading it (digest-checked) and keeping training disjoint from it are models/gold.py: train and evaluate both read it.

Build rule (``BUILD_RULES``): every row of the bundled seed corpora (``models.seed.load_seed_labels``)
that the version's holdout rule picks, one row per message id, sorted by message id. v1 picks the fixed hash
bucket (``is_gold_holdout``); v2 and later pick ``is_gold_v2`` (the v1 bucket, whole held-out synthetic subtypes,
half of the real spam). Labels are the corpora's own (human-verified) labels. Slice columns are derived here
from the text and the corpus category. A version, once written, is never rewritten: ``build --version vN``
makes a new one.

A deployment's own gold (``spamloop gold build``, spamloop/cli/gold.py) adds verified own-traffic rows to the
bundled rule's rows (``select_own_rows``): human review verdicts and the human-verified audit sample of LLM labels,
re-normalised from their raw text, deduplicated and one per campaign. Column ``source`` says where a row came from
(the corpus name, or ``own:review`` / ``own:audit``).

    python -m tasks.evaluate.gold build --version v2     # bundled corpora only (the versions in data/gold)
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

from models.gold import (
    DEFAULT_GOLD_DIR,
    GOLD_SCHEMA,
    PROJECT_ROOT,
    GoldManifest,
    OwnTrafficSummary,
    gold_keys,
    gold_paths,
    load_gold,
    resolve_gold_dir,
)
from models.categories import category_group
from models.gold_rule import GOLD_V2_HELDOUT_SUBTYPES, is_gold_holdout, is_gold_v2
from models.normalization import NORMALIZATION_VERSION, normalize_frame, template_key, url_domains
from models.ondevice import sha256_file
from models.seed import load_seed_labels

DEFAULT_SEED_DIR = Path("data/seed")
_ROW_RULE = (
    "one row per message_id (first by corpus name); sorted by message_id; label = corpus label; slice columns from "
    "tasks/evaluate/gold.py (category_group, has_url, is_obfuscated)"
)
BUILD_RULES: dict[str, str] = {
    "v1": f"rows of load_seed_labels(data/seed) with is_gold_holdout(message_id); {_ROW_RULE}",
    "v2": "rows of load_seed_labels(data/seed) with is_gold_v2(message_id, corpus, label, subtype) (models/gold_rule.py: "
    "the v1 bucket, every row of GOLD_V2_HELDOUT_SUBTYPES, GOLD_V2_EXTRA_BUCKETS of the real spam); " + _ROW_RULE,
}

# Sources of own-traffic rows: a reviewer's verdict on a review-queue message, or on an audit-sample message.
OWN_SOURCES: tuple[str, ...] = ("own:review", "own:audit")
OWN_CORPUS = "own_traffic"
# What a gold candidate must carry (tasks/label/store.py::LabelStore.gold_candidates writes these).
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "message_id", "source", "label", "category", "reviewer", "verified_at", "snapshot_id", "campaign_id", "text",
    "is_synthetic",
)


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


class GoldBuildRefused(ValueError):
    """A gold build that must not happen: no own traffic when it was required, or users' messages bound for the
    project's bundled gold folder."""


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
    gold = add_slice_columns(holdout).with_columns(
        pl.col("corpus").alias("source"),
        *(pl.lit(None, dtype=pl.String).alias(name) for name in ("campaign_id", "snapshot_id", "reviewer", "verified_at")),
    )
    return gold.select([pl.col(name).cast(dtype) for name, dtype in GOLD_SCHEMA.items()])


def _campaign_key(campaign_id: str | None, key: str) -> str:
    return f"campaign:{campaign_id}" if campaign_id else f"template:{key}"


def select_own_rows(candidates: pl.DataFrame, bundled: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Gold rows from verified own-traffic candidates (CANDIDATE_COLUMNS), and how many were left out, by reason.

    Each text is normalised again under the current text contract (its message id and template key may differ from
    the snapshot's). The newest verdict on a message wins; a message or campaign (template key) already among the
    bundled rows stays bundled; one row per campaign (the ingest campaign, else the template key): the earliest
    verified, so one big campaign cannot fill the gold set and its near-copies never sit on both sides of a split.
    """
    missing = [name for name in CANDIDATE_COLUMNS if name not in candidates.columns]
    if missing:
        raise ValueError(f"gold candidates lack columns {missing}")
    dropped = {"duplicate_candidate": 0, "in_bundled": 0, "campaign_sibling": 0}
    if candidates.height == 0:
        return pl.DataFrame(schema=GOLD_SCHEMA), dropped
    bad_source = sorted(set(candidates["source"].to_list()) - set(OWN_SOURCES), key=str)
    if bad_source:
        raise ValueError(f"gold candidates with unknown source {bad_source}: expected one of {OWN_SOURCES}")
    bad_label = sorted(set(candidates["label"].to_list()) - {"spam", "ham"}, key=str)
    if bad_label:
        raise ValueError(f"gold candidates with label {bad_label}: expected spam or ham")
    frame = normalize_frame(
        candidates.select(
            [pl.col(name) for name in CANDIDATE_COLUMNS if name != "message_id"]
        ).with_columns(pl.col("text").cast(pl.String), pl.col("is_synthetic").cast(pl.Boolean).fill_null(False)),
        text_col="text",
    )
    # The newest verdict on a message wins (a later import replaces an earlier one).
    newest = frame.sort(["verified_at", "source"], descending=True).unique(subset="message_id", keep="first", maintain_order=True)
    dropped["duplicate_candidate"] = frame.height - newest.height
    bundled_ids, bundled_templates = gold_keys(bundled) if bundled.height else (set(), set())
    overlap = pl.Series(
        [mid in bundled_ids or key in bundled_templates for mid, key in newest.select("message_id", "template_key").iter_rows()],
        dtype=pl.Boolean,
    )
    fresh = newest.filter(~overlap)
    dropped["in_bundled"] = newest.height - fresh.height
    fresh = fresh.sort(["verified_at", "message_id"])
    seen: set[str] = set()
    keep: list[bool] = []
    for campaign_id, key in fresh.select("campaign_id", "template_key").iter_rows():
        keys = {_campaign_key(campaign_id, key), _campaign_key(None, key)}
        keep.append(not keys & seen)
        seen |= keys
    own = fresh.filter(pl.Series(keep, dtype=pl.Boolean))
    dropped["campaign_sibling"] = fresh.height - own.height
    own = add_slice_columns(own.with_columns(pl.col("category").cast(pl.String))).with_columns(
        pl.lit(None, dtype=pl.String).alias("subtype"),
        pl.lit(OWN_CORPUS).alias("corpus"),
    )
    return own.select([pl.col(name).cast(dtype) for name, dtype in GOLD_SCHEMA.items()]).sort("message_id"), dropped


def _own_traffic_summary(candidates: pl.DataFrame, own: pl.DataFrame, dropped: dict[str, int]) -> OwnTrafficSummary:
    digest = hashlib.sha256()
    ordered = candidates.select(list(CANDIDATE_COLUMNS)).sort(["message_id", "source", "verified_at"])
    for row in ordered.iter_rows(named=True):
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8") + b"\n")
    verified = sorted(own["verified_at"].drop_nulls().to_list())
    return OwnTrafficSummary(
        rows=own.height,
        by_source={source: own.filter(pl.col("source") == source).height for source in OWN_SOURCES},
        candidates=candidates.height,
        dropped=dropped,
        snapshot_ids=sorted(set(own["snapshot_id"].drop_nulls().to_list())),
        verified_from=verified[0] if verified else None,
        verified_to=verified[-1] if verified else None,
        candidates_sha256=digest.hexdigest(),
    )


def content_digest(frame: pl.DataFrame) -> str:
    """sha256 over canonical JSON lines of the rows (column order of GOLD_SCHEMA)."""
    digest = hashlib.sha256()
    for row in frame.select(list(GOLD_SCHEMA)).iter_rows(named=True):
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _counts(frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for column in ("label", "lang", "category_group", "has_url", "is_obfuscated", "corpus", "source", "subtype"):
        values = frame[column].cast(pl.String).fill_null("null").to_list()
        column_counts: dict[str, int] = {}
        for value in values:
            column_counts[value] = column_counts.get(value, 0) + 1
        counts[column] = dict(sorted(column_counts.items()))
    return counts


def _seed_sources(seed_dir: Path) -> dict[str, str]:
    return {path.name: sha256_file(path) for path in sorted(seed_dir.glob("*.tsv"))}


def is_bundled_gold_dir(gold_dir: Path) -> bool:
    """True for the project's own data/gold folder (tracked by git and shipped with the code)."""
    return resolve_gold_dir(gold_dir).resolve() == (PROJECT_ROOT / DEFAULT_GOLD_DIR).resolve()


def build_gold(
    version: str,
    seed_dir: Path = DEFAULT_SEED_DIR,
    gold_dir: Path = DEFAULT_GOLD_DIR,
    own_candidates: pl.DataFrame | None = None,
    require_own_traffic: bool = False,
) -> GoldManifest:
    """Write gold-<version>.parquet and its manifest: the bundled rule's rows plus, when ``own_candidates`` is
    given, the verified own-traffic rows (``select_own_rows``). Refuses to overwrite an existing version, to write
    users' messages into the project's bundled gold folder, and (``require_own_traffic``) to build without any."""
    parquet_path, manifest_path = gold_paths(version, gold_dir)
    if parquet_path.exists() or manifest_path.exists():
        raise FileExistsError(f"gold {version} already exists in {gold_dir}; build a new version instead")
    rule = rule_of(version)
    bundled = select_gold_rows(load_seed_labels(seed_dir), rule)
    if bundled.height == 0:
        raise ValueError(f"no gold-holdout rows in {seed_dir}")
    own, summary = pl.DataFrame(schema=GOLD_SCHEMA), None
    if own_candidates is not None:
        own, dropped = select_own_rows(own_candidates, bundled)
        summary = _own_traffic_summary(own_candidates, own, dropped)
    if require_own_traffic and own.height == 0:
        offered = own_candidates.height if own_candidates is not None else 0
        raise GoldBuildRefused(
            f"no verified own-traffic rows for gold {version} ({offered} candidates"
            + (f", left out: {summary.dropped}" if summary and offered else "")
            + "): import reviewed or audited verdicts with `spamloop review import` first, "
            "or pass --allow-no-own-traffic to build from the bundled corpora only"
        )
    if own.height and is_bundled_gold_dir(gold_dir):
        raise GoldBuildRefused(
            f"gold {version} holds {own.height} of your users' messages and may not go into the project's bundled "
            f"{DEFAULT_GOLD_DIR} (tracked by git): set evaluate.gold_dir to a folder in your own storage, "
            "e.g. --set evaluate.gold_dir=.spamloop/gold"
        )
    gold = pl.concat([bundled, own], how="vertical").sort("message_id")
    gold_dir.mkdir(parents=True, exist_ok=True)
    tmp_parquet = parquet_path.with_suffix(".parquet.tmp")
    gold.write_parquet(tmp_parquet, compression="zstd", statistics=False)
    build_rule = BUILD_RULES[rule]
    if summary is not None:
        build_rule += (
            "; plus verified own-traffic rows (human review verdicts and the human-verified audit sample, "
            "tasks/evaluate/gold.py::select_own_rows: re-normalised, newest verdict per message, not in the bundled "
            "rows by message or template key, one per campaign)"
        )
    manifest = GoldManifest(
        version=version,
        file=parquet_path.name,
        sha256=sha256_file(tmp_parquet),
        size_bytes=tmp_parquet.stat().st_size,
        content_sha256=content_digest(gold),
        rows=gold.height,
        counts=_counts(gold),
        build_rule=build_rule,
        heldout_subtypes=sorted(GOLD_V2_HELDOUT_SUBTYPES) if rule == "v2" else [],
        normalization_version=NORMALIZATION_VERSION,
        sources=_seed_sources(seed_dir),
        own_traffic=summary,
    )
    tmp_manifest = manifest_path.with_suffix(".json.tmp")
    tmp_manifest.write_text(json.dumps(manifest.model_dump(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # Parquet first, manifest last: a killed build leaves no manifest, so nothing loads a half-written version.
    os.replace(tmp_parquet, parquet_path)
    os.replace(tmp_manifest, manifest_path)
    return manifest


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
        # Bundled corpora only: the versions shipped in data/gold. A deployment's own gold: `spamloop gold build`.
        manifest: Any = build_gold(args.version, args.seed_dir, args.gold_dir)
        print(f"built gold {manifest.version}: {manifest.rows} rows, sha256 {manifest.sha256}, labels {manifest.counts['label']}")
    else:
        gold = load_gold(args.version, args.gold_dir)
        print(f"gold {gold.version} ok: {gold.manifest.rows} rows, sha256 {gold.manifest.sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())

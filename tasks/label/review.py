"""Human review: export the open queue for reviewers, import their verdicts back (CSV or JSONL).

An export row carries the PII-free ``text_for_llm``, the ensemble's tentative verdict and every
provider's vote, plus empty ``label, category, reviewer, comment`` columns to fill in. Importing
takes the same file (or any file with ``message_id, label`` and optional ``category, reviewer,
comment``); rows left without a label are skipped, invalid rows are reported and not imported.

The audit export (``export_audit_sample``) writes the same columns for a stable random sample of messages the
LLMs labelled on their own, marked ``reason=audit`` and blind (no LLM verdict shown, so the reviewer is not
anchored on it); the same import reads them back. Every imported verdict on a message of the snapshot becomes a
gold candidate (``own:audit`` for an audit-sample message, else ``own:review``) with the raw text its gold row needs.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from models.label_prompt import HAM_CATEGORIES, LABELS, SPAM_CATEGORIES
from tasks.label.store import LabelStore

VERDICT_COLUMNS = ("label", "category", "reviewer", "comment")
EXPORT_COLUMNS = (
    "message_id",
    "reason",
    "text_for_llm",
    "ensemble_label",
    "ensemble_category",
    "agreement",
    "confidence",
    "votes",
    *VERDICT_COLUMNS,
)
AUDIT_REASON = "audit"


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise ValueError(f"{path}: use a .csv or .jsonl file")


def export_review_queue(config: Any, path: Path) -> int:
    """Write the open review queue (no human verdict yet) to ``path``; returns the row count."""
    with LabelStore.for_config(config) as store:
        queue = store.open_review_items()
    rows: list[dict[str, Any]] = []
    for item in queue.iter_rows(named=True):
        votes = json.loads(item["votes_json"])
        rows.append(
            {
                "message_id": item["message_id"],
                "reason": item["reason"],
                "text_for_llm": item["text_for_llm"],
                "ensemble_label": item["ensemble_label"],
                "ensemble_category": item["ensemble_category"],
                "agreement": item["agreement"],
                "confidence": item["confidence"],
                "votes": votes,
                **{column: "" for column in VERDICT_COLUMNS},
            }
        )
    _write_rows(path, rows)
    return len(rows)


def _audit_rank(message_id: str, seed: int) -> bytes:
    """Stable pseudo-random order: the same seed always samples the same messages first."""
    return hashlib.sha256(f"audit:{seed}:{message_id}".encode()).digest()


def export_audit_sample(config: Any, path: Path, messages: pl.DataFrame, size: int, seed: int) -> int:
    """Write up to ``size`` LLM-labelled messages for a blind human check (``reason=audit``); returns the row count.

    The population: messages of ``messages`` (a snapshot) that the LLM ensemble labelled itself and decided without
    review, with no human verdict yet. Messages exported before and still unverified come first (a re-export
    repeats them), then new ones in a stable seeded order, so the sample is uniform over that population. The
    ensemble's verdict is kept in the store, not in the file: the import measures how often the human agrees.
    """
    if size < 1:
        raise ValueError(f"audit sample size must be >= 1, got {size}")
    with LabelStore.for_config(config) as store:
        population = store.audit_population()
        exported = store.audit_sample()
    texts = messages.select("message_id", "text_for_llm").unique(subset="message_id", keep="first")
    eligible = population.join(texts, on="message_id", how="inner")
    ranked = sorted(
        eligible.iter_rows(named=True),
        key=lambda row: (row["message_id"] not in exported, _audit_rank(row["message_id"], seed)),
    )[:size]
    rows = [
        {
            "message_id": row["message_id"],
            "reason": AUDIT_REASON,
            "text_for_llm": row["text_for_llm"],
            **{column: "" for column in ("ensemble_label", "ensemble_category", "agreement", "confidence")},
            "votes": [],
            **{column: "" for column in VERDICT_COLUMNS},
        }
        for row in ranked
    ]
    _write_rows(path, rows)
    with LabelStore.for_config(config) as store:
        store.put_audit_sample(ranked, export_file=path.name)
    return len(rows)


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if _format_of(path) == "jsonl":
        with tmp.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            for row in rows:
                # One readable cell per vote list: "openai=spam/gambling/0.95; gemini=..."
                row = dict(row)
                row["votes"] = "; ".join(
                    f"{v['provider']}={v['label']}/{v['category']}/{v['confidence']:.2f}" for v in row["votes"]
                )
                writer.writerow(row)
    tmp.replace(path)


@dataclass
class ImportReport:
    imported: int = 0
    skipped_unreviewed: int = 0
    rejected: list[str] = field(default_factory=list)
    # Gold candidates written, by source; verdicts whose message is not in the snapshot given (no text: no candidate).
    candidates: dict[str, int] = field(default_factory=lambda: {"own:review": 0, "own:audit": 0})
    without_text: int = 0
    # Audit-sample verdicts, and how many agree with the LLM label the message had when exported.
    audit_verified: int = 0
    audit_agreed: int = 0


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if _format_of(path) == "jsonl":
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def import_verdicts(
    config: Any, path: Path, messages: pl.DataFrame | None = None, snapshot_id: str | None = None
) -> ImportReport:
    """Store reviewers' verdicts from ``path``. A later import of the same message replaces the earlier one.

    With ``messages`` (the snapshot ``snapshot_id``: ``message_id, text, campaign_id, is_synthetic``), every
    verdict on one of its messages also becomes a gold candidate holding the raw text; the rest are counted in
    ``without_text``.
    """
    report = ImportReport()
    accepted: list[dict[str, Any]] = []
    for number, raw in enumerate(_read_rows(path), start=2 if _format_of(path) == "csv" else 1):
        message_id = _clean(raw.get("message_id"))
        label = (_clean(raw.get("label")) or "").lower() or None
        category = (_clean(raw.get("category")) or "").lower() or None
        if not message_id:
            report.rejected.append(f"row {number}: no message_id")
            continue
        if label is None:
            report.skipped_unreviewed += 1
            continue
        if label not in LABELS:
            report.rejected.append(f"row {number}: label {label!r} is not spam/ham")
            continue
        allowed = SPAM_CATEGORIES if label == "spam" else HAM_CATEGORIES
        if category is not None and category not in allowed:
            report.rejected.append(f"row {number}: category {category!r} does not fit label {label!r}")
            continue
        accepted.append(
            {
                "message_id": message_id,
                "label": label,
                "category": category,
                "reviewer": _clean(raw.get("reviewer")),
                "comment": _clean(raw.get("comment")),
            }
        )
    found = _snapshot_rows(messages, [row["message_id"] for row in accepted])
    with LabelStore.for_config(config) as store:
        audited = store.audit_sample()
        candidates = []
        for row in accepted:
            source = "own:audit" if row["message_id"] in audited else "own:review"
            if source == "own:audit":
                report.audit_verified += 1
                report.audit_agreed += int(audited[row["message_id"]] == row["label"])
            message = found.get(row["message_id"])
            if message is None:
                report.without_text += 1
                continue
            report.candidates[source] += 1
            candidates.append(
                {
                    **row,
                    "source": source,
                    "snapshot_id": snapshot_id,
                    "campaign_id": message.get("campaign_id"),
                    "text": message["text"],
                    "is_synthetic": bool(message.get("is_synthetic")),
                    "llm_label": audited.get(row["message_id"]),
                }
            )
        report.imported = store.put_human_verdicts(accepted, source_file=path.name, candidates=candidates)
    return report


def _snapshot_rows(messages: pl.DataFrame | None, message_ids: list[str]) -> dict[str, dict[str, Any]]:
    """message_id -> its snapshot row (raw text, campaign, synthetic flag), for the given ids found there."""
    if messages is None or not message_ids:
        return {}
    columns = [name for name in ("message_id", "text", "campaign_id", "is_synthetic") if name in messages.columns]
    rows = messages.select(columns).filter(pl.col("message_id").is_in(message_ids) & pl.col("text").is_not_null())
    return {row["message_id"]: row for row in rows.iter_rows(named=True)}

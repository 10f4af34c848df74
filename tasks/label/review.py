"""Human review: export the open queue for reviewers, import their verdicts back (CSV or JSONL).

An export row carries the PII-free ``text_for_llm``, the ensemble's tentative verdict and every
provider's vote, plus empty ``label, category, reviewer, comment`` columns to fill in. Importing
takes the same file (or any file with ``message_id, label`` and optional ``category, reviewer,
comment``); rows left without a label are skipped, invalid rows are reported and not imported.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.label.prompt import HAM_CATEGORIES, LABELS, SPAM_CATEGORIES
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
    return len(rows)


@dataclass
class ImportReport:
    imported: int = 0
    skipped_unreviewed: int = 0
    rejected: list[str] = field(default_factory=list)


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


def import_verdicts(config: Any, path: Path) -> ImportReport:
    """Store reviewers' verdicts from ``path``. A later import of the same message replaces the earlier one."""
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
    with LabelStore.for_config(config) as store:
        report.imported = store.put_human_verdicts(accepted, source_file=path.name)
    return report

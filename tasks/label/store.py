"""The label store: one SQLite database under ``<state>/labels/labels.sqlite`` in WAL mode.

Tables
- ``llm_votes``: the cache. One row per (message_id, provider, model, prompt_version), written as
  each batch returns, so a killed run loses at most its in-flight requests and a re-run asks for
  nothing that is already answered. Errors and abstentions are never cached.
- ``abstentions``: provenance of items a provider did not answer in a run (not a cache).
- ``ensemble_labels``: the vote over a message's cached votes, or a label propagated from its
  campaign representative (``propagated_from``). ``needs_review`` rows are not final labels.
- ``review_queue``: messages a human should look at, with the PII-free text and every vote.
- ``human_verdicts``: imported reviewer decisions. LLM runs never write this table.
- ``audit_sample``: LLM-labelled messages exported for a blind human check (``review audit-export``), with the
  ensemble's label at export time.
- ``gold_candidates``: human verdicts that may enter a gold version (``spamloop gold build``): source
  ``own:review`` or ``own:audit``, reviewer, when, the snapshot and campaign, and the raw text the gold row needs
  (re-normalised at build). Raw text stays in this operator-side file, like the corpus; it is never sent anywhere.
- ``cost_ledger`` / ``runs``: per run and provider requests, tokens and USD; run status.

``final_labels`` merges human > llm-ensemble > seed into the contract of docs/architecture.md.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from models.seed import load_seed_labels

logger = logging.getLogger(__name__)

STORE_FILENAME = "labels.sqlite"
DEFAULT_SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "seed"

FINAL_LABEL_SCHEMA: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "label": pl.String(),
    "label_source": pl.String(),
    "category": pl.String(),
    "confidence": pl.Float64(),
}

GOLD_CANDIDATE_COLUMNS: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "source": pl.String(),
    "label": pl.String(),
    "category": pl.String(),
    "reviewer": pl.String(),
    "verified_at": pl.String(),
    "source_file": pl.String(),
    "snapshot_id": pl.String(),
    "campaign_id": pl.String(),
    "text": pl.String(),
    "is_synthetic": pl.Int64(),
    "llm_label": pl.String(),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_votes (
    message_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, prompt_version TEXT NOT NULL,
    label TEXT NOT NULL, category TEXT NOT NULL, confidence REAL NOT NULL,
    run_id TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (message_id, provider, model, prompt_version)
);
CREATE TABLE IF NOT EXISTS abstentions (
    run_id TEXT NOT NULL, message_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
    reason TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ensemble_labels (
    message_id TEXT PRIMARY KEY, label TEXT, category TEXT, confidence REAL, agreement REAL,
    n_votes INTEGER NOT NULL, needs_review INTEGER NOT NULL, review_reason TEXT,
    propagated_from TEXT, prompt_version TEXT NOT NULL, run_id TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS review_queue (
    message_id TEXT PRIMARY KEY, reason TEXT NOT NULL, text_for_llm TEXT NOT NULL, votes_json TEXT NOT NULL,
    ensemble_label TEXT, ensemble_category TEXT, agreement REAL, confidence REAL,
    run_id TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS human_verdicts (
    message_id TEXT PRIMARY KEY, label TEXT NOT NULL, category TEXT, reviewer TEXT, comment TEXT,
    source_file TEXT, imported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_sample (
    message_id TEXT PRIMARY KEY, llm_label TEXT NOT NULL, llm_category TEXT, export_file TEXT, exported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gold_candidates (
    message_id TEXT PRIMARY KEY, source TEXT NOT NULL, label TEXT NOT NULL, category TEXT, reviewer TEXT,
    verified_at TEXT NOT NULL, source_file TEXT, snapshot_id TEXT, campaign_id TEXT, text TEXT NOT NULL,
    is_synthetic INTEGER NOT NULL, llm_label TEXT
);
CREATE TABLE IF NOT EXISTS cost_ledger (
    run_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, requests INTEGER NOT NULL,
    failed_requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (run_id, provider)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    prompt_version TEXT NOT NULL, message TEXT, summary_json TEXT
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CachedVote:
    message_id: str
    provider: str
    model: str
    label: str
    category: str
    confidence: float


class LabelStore:
    """Thin wrapper over the SQLite file. Use from one thread; every write commits at once."""

    def __init__(self, labels_dir: Path) -> None:
        labels_dir.mkdir(parents=True, exist_ok=True)
        self.path = labels_dir / STORE_FILENAME
        self._conn = sqlite3.connect(self.path, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._conn.commit()

    @classmethod
    def for_config(cls, config: Any) -> "LabelStore":
        return cls(config.paths.labels)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "LabelStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._conn:
            yield self._conn

    # --- cache -------------------------------------------------------------------------------

    def put_votes(self, votes: Iterable[CachedVote], prompt_version: str, run_id: str) -> int:
        rows = [
            (v.message_id, v.provider, v.model, prompt_version, v.label, v.category, v.confidence, run_id, _now())
            for v in votes
        ]
        with self._tx() as conn:
            conn.executemany("INSERT OR REPLACE INTO llm_votes VALUES (?,?,?,?,?,?,?,?,?)", rows)
        return len(rows)

    def cached_votes(
        self, message_ids: Iterable[str], providers: Iterable[tuple[str, str]], prompt_version: str
    ) -> dict[str, dict[str, CachedVote]]:
        """Votes by message id, then provider name, for the given (provider, model) pairs."""
        wanted = set(providers)
        ids = list(dict.fromkeys(message_ids))
        result: dict[str, dict[str, CachedVote]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cursor = self._conn.execute(
                "SELECT message_id, provider, model, label, category, confidence FROM llm_votes "
                f"WHERE prompt_version = ? AND message_id IN ({marks})",
                [prompt_version, *chunk],
            )
            for row in cursor:
                vote = CachedVote(*row)
                if (vote.provider, vote.model) in wanted:
                    result.setdefault(vote.message_id, {})[vote.provider] = vote
        return result

    def put_abstentions(self, rows: Iterable[tuple[str, str, str, str]], run_id: str) -> None:
        """Rows of (message_id, provider, model, reason)."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO abstentions VALUES (?,?,?,?,?,?)",
                [(run_id, m, p, model, reason, _now()) for m, p, model, reason in rows],
            )

    # --- ensemble, review, human -----------------------------------------------------------

    def put_ensemble(self, rows: list[dict[str, Any]], prompt_version: str, run_id: str) -> None:
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO ensemble_labels VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        r["message_id"],
                        r.get("label"),
                        r.get("category"),
                        r.get("confidence"),
                        r.get("agreement"),
                        r.get("n_votes", 0),
                        int(bool(r.get("needs_review", False))),
                        r.get("review_reason"),
                        r.get("propagated_from"),
                        prompt_version,
                        run_id,
                        _now(),
                    )
                    for r in rows
                ],
            )

    def put_review_items(self, rows: list[dict[str, Any]], run_id: str) -> None:
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO review_queue VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        r["message_id"],
                        r["reason"],
                        r["text_for_llm"],
                        json.dumps(r["votes"], ensure_ascii=False),
                        r.get("label"),
                        r.get("category"),
                        r.get("agreement"),
                        r.get("confidence"),
                        run_id,
                        _now(),
                    )
                    for r in rows
                ],
            )

    def close_review_items(self, message_ids: list[str]) -> None:
        """Drop queue entries whose message has since been decided without needing review."""
        with self._tx() as conn:
            conn.executemany("DELETE FROM review_queue WHERE message_id = ?", [(m,) for m in message_ids])

    def open_review_items(self) -> pl.DataFrame:
        """Queued messages that have no human verdict yet."""
        cursor = self._conn.execute(
            "SELECT q.message_id, q.reason, q.text_for_llm, q.votes_json, q.ensemble_label, q.ensemble_category, "
            "q.agreement, q.confidence, q.run_id, q.created_at FROM review_queue q "
            "LEFT JOIN human_verdicts h ON h.message_id = q.message_id WHERE h.message_id IS NULL "
            "ORDER BY q.created_at, q.message_id"
        )
        columns = [d[0] for d in cursor.description]
        return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row").with_columns(
            pl.col("agreement").cast(pl.Float64), pl.col("confidence").cast(pl.Float64)
        )

    def put_human_verdicts(
        self, rows: list[dict[str, Any]], source_file: str, candidates: list[dict[str, Any]] | None = None
    ) -> int:
        """Store verdicts and, in the same transaction, replace these messages' gold candidates with ``candidates``
        (GOLD_CANDIDATE_COLUMNS rows): a re-imported verdict never leaves a stale candidate behind."""
        now = _now()
        with self._tx() as conn:
            conn.executemany("DELETE FROM gold_candidates WHERE message_id = ?", [(r["message_id"],) for r in rows])
            conn.executemany(
                "INSERT OR REPLACE INTO gold_candidates VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c["message_id"], c["source"], c["label"], c.get("category"), c.get("reviewer"), now,
                        source_file, c.get("snapshot_id"), c.get("campaign_id"), c["text"],
                        int(bool(c.get("is_synthetic"))), c.get("llm_label"),
                    )
                    for c in candidates or []
                ],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO human_verdicts VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        r["message_id"],
                        r["label"],
                        r.get("category"),
                        r.get("reviewer"),
                        r.get("comment"),
                        source_file,
                        now,
                    )
                    for r in rows
                ],
            )
        return len(rows)

    # --- audit sample and gold candidates ----------------------------------------------------

    def audit_population(self) -> pl.DataFrame:
        """Messages the LLMs labelled themselves (not propagated), decided without review and with no human verdict:
        ``message_id, label, category``."""
        cursor = self._conn.execute(
            "SELECT e.message_id, e.label, e.category FROM ensemble_labels e "
            "LEFT JOIN human_verdicts h ON h.message_id = e.message_id "
            "WHERE h.message_id IS NULL AND e.needs_review = 0 AND e.label IS NOT NULL AND e.propagated_from IS NULL "
            "ORDER BY e.message_id"
        )
        return pl.DataFrame(
            cursor.fetchall(), schema={"message_id": pl.String, "label": pl.String, "category": pl.String}, orient="row"
        )

    def put_audit_sample(self, rows: list[dict[str, Any]], export_file: str) -> None:
        """Record exported audit messages (``message_id, label, category`` of the LLMs); the first export is kept."""
        now = _now()
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO audit_sample VALUES (?,?,?,?,?)",
                [(r["message_id"], r["label"], r.get("category"), export_file, now) for r in rows],
            )

    def audit_sample(self) -> dict[str, str]:
        """message_id -> the LLM label it had when exported for audit."""
        return dict(self._conn.execute("SELECT message_id, llm_label FROM audit_sample").fetchall())

    def gold_candidates(self) -> pl.DataFrame:
        """Every gold candidate, GOLD_CANDIDATE_COLUMNS, ordered by message id."""
        cursor = self._conn.execute(f"SELECT {', '.join(GOLD_CANDIDATE_COLUMNS)} FROM gold_candidates ORDER BY message_id")
        return pl.DataFrame(cursor.fetchall(), schema=GOLD_CANDIDATE_COLUMNS, orient="row").with_columns(
            pl.col("is_synthetic").cast(pl.Boolean)
        )

    # --- runs and cost ---------------------------------------------------------------------

    def start_run(self, run_id: str, prompt_version: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?)",
                (run_id, _now(), None, "running", prompt_version, None, None),
            )

    def finish_run(self, run_id: str, status: str, message: str, summary: dict[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, message = ?, summary_json = ? WHERE run_id = ?",
                (_now(), status, message, json.dumps(summary), run_id),
            )

    def run_status(self, run_id: str) -> tuple[str, str | None] | None:
        """(status, message) of a recorded run, or None if the store has never seen it."""
        row = self._conn.execute("SELECT status, message FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else (row[0], row[1])

    def put_cost_rows(self, run_id: str, rows: list[dict[str, Any]]) -> None:
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO cost_ledger VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        r["provider"],
                        r["model"],
                        r["requests"],
                        r["failed_requests"],
                        r["input_tokens"],
                        r["output_tokens"],
                        r["cost_usd"],
                        _now(),
                    )
                    for r in rows
                ],
            )

    def cost_ledger(self) -> pl.DataFrame:
        cursor = self._conn.execute("SELECT * FROM cost_ledger ORDER BY created_at, provider")
        columns = [d[0] for d in cursor.description]
        return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row")

    # --- reads -----------------------------------------------------------------------------

    def _frame(self, sql: str) -> pl.DataFrame:
        cursor = self._conn.execute(sql)
        rows = cursor.fetchall()
        return pl.DataFrame(rows, schema=FINAL_LABEL_SCHEMA, orient="row")

    def human_labels(self) -> pl.DataFrame:
        return self._frame(
            "SELECT message_id, label, 'human', category, 1.0 FROM human_verdicts ORDER BY message_id"
        )

    def ensemble_final(self) -> pl.DataFrame:
        return self._frame(
            "SELECT message_id, label, 'llm-ensemble', category, confidence FROM ensemble_labels "
            "WHERE needs_review = 0 AND label IS NOT NULL ORDER BY message_id"
        )

    def ensemble_table(self) -> pl.DataFrame:
        cursor = self._conn.execute("SELECT * FROM ensemble_labels ORDER BY message_id")
        columns = [d[0] for d in cursor.description]
        return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row", infer_schema_length=None)

    def count(self, table: str) -> int:
        if table not in {
            "llm_votes", "abstentions", "ensemble_labels", "review_queue", "human_verdicts", "audit_sample", "gold_candidates"
        }:
            raise ValueError(table)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def load_seed_final_labels(seed_dir: Path | None = None) -> pl.DataFrame:
    """Seed labels in the final-label schema (an empty frame when the seed corpora have no rows)."""
    seed = load_seed_labels(seed_dir or DEFAULT_SEED_DIR)
    if seed is None or seed.height == 0:
        return pl.DataFrame(schema=FINAL_LABEL_SCHEMA)
    category = pl.col("category").cast(pl.String) if "category" in seed.columns else pl.lit(None, pl.String)
    confidence = (
        pl.col("confidence").cast(pl.Float64) if "confidence" in seed.columns else pl.lit(1.0, pl.Float64)
    )
    return seed.select(
        pl.col("message_id").cast(pl.String),
        pl.col("label").cast(pl.String),
        pl.lit("seed").alias("label_source"),
        category.alias("category"),
        confidence.alias("confidence"),
    )


def merge_final_labels(human: pl.DataFrame, ensemble: pl.DataFrame, seed: pl.DataFrame) -> pl.DataFrame:
    """One row per message: human beats llm-ensemble beats seed."""
    merged = pl.concat(
        [
            human.with_columns(pl.lit(0).alias("_rank")),
            ensemble.with_columns(pl.lit(1).alias("_rank")),
            seed.select(list(FINAL_LABEL_SCHEMA)).with_columns(pl.lit(2).alias("_rank")),
        ],
        how="vertical_relaxed",
    )
    return (
        merged.sort(["message_id", "_rank"])
        .unique(subset="message_id", keep="first", maintain_order=True)
        .drop("_rank")
        .cast(FINAL_LABEL_SCHEMA)
    )


def final_labels(config: Any, seed_dir: Path | None = None, include_seed: bool = True) -> pl.DataFrame:
    """``message_id, label, label_source, category, confidence``; priority human > llm-ensemble > seed."""
    with LabelStore.for_config(config) as store:
        human = store.human_labels()
        ensemble = store.ensemble_final()
    seed_dir = seed_dir or getattr(config, "seed_dir", None)
    seed = load_seed_final_labels(seed_dir) if include_seed else pl.DataFrame(schema=FINAL_LABEL_SCHEMA)
    return merge_final_labels(human, ensemble, seed)

"""What the replay measures each week: the phones' model on new campaigns and ham, labels against the truth, cost.

Plain Python (no Prefect): the replay driver (``flows/replay.py``) calls these between weekly retrains.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from models.label_prompt import HAM_CATEGORIES, SPAM_CATEGORIES
from models.normalization import normalize_frame
from models.privacy import scrub as scrub_pii

BLOCK_RECALL = 0.9  # a campaign counts as blocked once the phones' recall on it reaches this
USERS = 50_000
SMS_PER_USER_PER_DAY = 10
DAYS_PER_MONTH = 30

# Generator categories (v1 and v2 names) -> the labelling policy's categories, for the simulated answers.
_CATEGORY_MAP = {
    "investment": "investment_scam",
    "impersonation": "impersonation_smishing",
    "phishing": "phishing_link",
    "personal": "personal",
}


def policy_category(label: str, category: str | None) -> str:
    """The labelling policy's category for a generator category (the simulated providers answer with it)."""
    category = category or ""
    mapped = _CATEGORY_MAP.get(category, category)
    if category.startswith("smishing"):
        mapped = "impersonation_smishing"
    allowed = SPAM_CATEGORIES if label == "spam" else HAM_CATEGORIES
    if mapped in allowed:
        return mapped
    return "advertising" if label == "spam" else "transactional"


def llm_texts(raw_texts: Sequence[str], max_text_chars: int) -> pl.DataFrame:
    """``message_id, llm_text`` of raw texts, exactly as ingest + the label stage derive them."""
    frame = normalize_frame(pl.DataFrame({"text": list(raw_texts)}, schema={"text": pl.String}), text_col="text")
    texts = [scrub_pii(t or "")[:max_text_chars] for t in frame["text_for_llm"].to_list()]
    return pl.DataFrame({"message_id": frame["message_id"], "llm_text": texts})


@dataclass
class PhoneModel:
    """The model phones run: the bundle the published manifest points at, scored like the app does."""

    version: str
    client: Any

    def spam(self, texts: Sequence[str]) -> list[bool]:
        return [p.label == "spam" for p in self.client.predict(list(texts))]


def phone_model(config: Any) -> PhoneModel | None:
    """The published version (manifest) loaded with the reference client; None before anything was published."""
    from models.reference_client import ReferenceClient
    from tasks.publish.publish import read_manifest
    from tasks.publish.stores import open_store

    store = open_store(config.publish, config.s3, config.state_dir)
    found = read_manifest(store, config.export.model_name, config.publish)
    if found is None:
        return None
    manifest = found[0]
    bundle_dir = config.paths.exports / manifest.version
    kind = "tflite_int8" if "tflite_int8" in manifest.models else next(k for k in manifest.models if k.startswith("tflite"))
    return PhoneModel(manifest.version, ReferenceClient(bundle_dir, model=kind))


def recall(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def per_campaign_recall(model: PhoneModel | None, heldout: pl.DataFrame) -> dict[str, float]:
    """Recall of the phones' model on each campaign's held-out spam (0 when phones have no model yet)."""
    spam = heldout.filter((pl.col("label") == "spam") & (pl.col("campaign") != ""))
    out: dict[str, float] = {}
    for (campaign,), group in spam.group_by(["campaign"], maintain_order=True):
        texts = group["text"].to_list()
        out[str(campaign)] = 0.0 if model is None else float(sum(model.spam(texts)) / len(texts))
    return out


def ham_fpr(model: PhoneModel | None, heldout: pl.DataFrame) -> float | None:
    ham = heldout.filter(pl.col("label") == "ham")["text"].to_list()
    if model is None or not ham:
        return None
    return sum(model.spam(ham)) / len(ham)


# --- the label store, read-only ---------------------------------------------------------------------------------


def _read(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    if not db.is_file():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql, params).fetchall()


def label_db(config: Any) -> Path:
    from tasks.label.store import STORE_FILENAME

    return config.paths.labels / STORE_FILENAME


def label_run_ids(db: Path) -> set[str]:
    return {row[0] for row in _read(db, "SELECT run_id FROM runs")}


def label_usage(db: Path, run_ids: set[str]) -> dict[str, Any]:
    """Requests, tokens and USD of the given label runs, in total and per provider."""
    marks = ",".join("?" * len(run_ids))
    rows = _read(
        db,
        f"SELECT provider, SUM(requests), SUM(failed_requests), SUM(input_tokens), SUM(output_tokens), SUM(cost_usd) "
        f"FROM cost_ledger WHERE run_id IN ({marks}) GROUP BY provider",
        sorted(run_ids),
    ) if run_ids else []
    per = {p: {"requests": r, "failed": f, "input_tokens": i, "output_tokens": o, "cost_usd": c} for p, r, f, i, o, c in rows}
    return {
        "requests": sum(v["requests"] for v in per.values()),
        "input_tokens": sum(v["input_tokens"] for v in per.values()),
        "output_tokens": sum(v["output_tokens"] for v in per.values()),
        "cost_usd": sum(v["cost_usd"] for v in per.values()),
        "per_provider": per,
    }


def label_run_summaries(db: Path, run_ids: set[str]) -> list[dict[str, Any]]:
    rows = _read(db, "SELECT run_id, summary_json FROM runs") if run_ids else []
    return [json.loads(summary) for run_id, summary in rows if run_id in run_ids and summary]


def open_reviews(db: Path) -> int:
    rows = _read(db, "SELECT COUNT(*) FROM review_queue")
    return int(rows[0][0]) if rows else 0


def week_labels(db: Path, run_ids: set[str]) -> pl.DataFrame:
    """Ensemble rows written by the given runs: ``message_id, label, needs_review, n_votes``."""
    marks = ",".join("?" * len(run_ids))
    rows = _read(
        db, f"SELECT message_id, label, needs_review, n_votes FROM ensemble_labels WHERE run_id IN ({marks})", sorted(run_ids)
    ) if run_ids else []
    return pl.DataFrame(rows, schema={"message_id": pl.String, "label": pl.String, "needs_review": pl.Int64, "n_votes": pl.Int64}, orient="row")


def week_votes(db: Path, run_ids: set[str]) -> pl.DataFrame:
    """Every vote the given runs received: ``message_id, provider, label, confidence``."""
    marks = ",".join("?" * len(run_ids))
    rows = _read(
        db, f"SELECT message_id, provider, label, confidence FROM llm_votes WHERE run_id IN ({marks})", sorted(run_ids)
    ) if run_ids else []
    return pl.DataFrame(
        rows, schema={"message_id": pl.String, "provider": pl.String, "label": pl.String, "confidence": pl.Float64}, orient="row"
    )


def accuracy(labels: pl.DataFrame, truth: pl.DataFrame) -> tuple[float | None, int]:
    """Share of ``labels`` (message_id, label) equal to the truth (message_id, truth), over those with a truth."""
    joined = labels.join(truth, on="message_id", how="inner").filter(pl.col("truth").is_not_null())
    if not joined.height:
        return None, 0
    return float((joined["label"] == joined["truth"]).mean()), joined.height


def combined_accuracy(votes: pl.DataFrame, truth: pl.DataFrame) -> dict[str, tuple[float | None, int]]:
    """Accuracy against the truth of each provider alone, of the majority vote and of Dawid-Skene (crowd-kit).

    Over the messages the providers voted on (campaign representatives). Majority ties go to the higher mean
    confidence, as ``tasks.label.vote.decide`` does. Dawid-Skene (EM over per-provider confusion matrices) is
    crowd-kit's ``DawidSkene``.
    """
    out: dict[str, tuple[float | None, int]] = {}
    if not votes.height:
        return out
    for (provider,), group in votes.group_by(["provider"], maintain_order=True):
        out[str(provider)] = accuracy(group.select("message_id", "label"), truth)
    majority = (
        votes.group_by("message_id", "label")
        .agg(pl.len().alias("n"), pl.col("confidence").mean().alias("c"))
        .sort(["message_id", "n", "c"], descending=[False, True, True])
        .unique(subset="message_id", keep="first", maintain_order=True)
        .select("message_id", "label")
    )
    out["majority vote"] = accuracy(majority, truth)
    out["Dawid-Skene"] = accuracy(dawid_skene(votes), truth)
    return out


def dawid_skene(votes: pl.DataFrame, n_iter: int = 100) -> pl.DataFrame:
    """``message_id, label`` by crowd-kit's Dawid-Skene over ``message_id, provider, label`` votes."""
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    frame = pd.DataFrame(
        {"task": votes["message_id"].to_list(), "worker": votes["provider"].to_list(), "label": votes["label"].to_list()}
    )
    labels = DawidSkene(n_iter=n_iter).fit_predict(frame)
    return pl.DataFrame({"message_id": [str(i) for i in labels.index], "label": [str(v) for v in labels.to_list()]})


def krw_per_month(cost_usd: float, messages: int, krw_per_usd: float) -> float | None:
    """The week's LLM spend per message, times 50k users x 10 SMS a day x 30 days, in KRW."""
    if messages <= 0:
        return None
    return cost_usd / messages * USERS * SMS_PER_USER_PER_DAY * DAYS_PER_MONTH * krw_per_usd


def naive_cost_usd(providers: Sequence[Any], llm_texts_list: Sequence[str], output_per_message: int) -> float:
    """One message per request to every provider, full answers: the reference the cost levers are judged against."""
    from models.llm_cost import estimate_provider

    batches = [[text] for text in llm_texts_list]
    return sum(estimate_provider(p, batches, output_per_message, "full").cost_usd for p in providers)



def cascade_check(
    week_messages: pl.DataFrame,
    voted_ids: set[str],
    seed_ids: set[str],
    champion: PhoneModel | None,
    simulation: Any,
    label_config: Any,
) -> dict[str, Any]:
    """What the cascade saved this week and what it cost in accuracy, against sending everything to the LLMs.

    ``week_messages``: the week's new snapshot messages with ``message_id, text, llm_text, truth, is_campaign_rep``.
    Skipped = representatives without a seed label that no provider was asked about. Their would-be LLM labels are
    the simulated providers' own verdicts (deterministic per message: what they answer when asked), voted like the
    run would (routing included); their input tokens are counted on the exact prompts, in batches of K.
    """
    from models.llm_cost import estimate_request_input_tokens

    reps = week_messages.filter(pl.col("is_campaign_rep") & ~pl.col("message_id").is_in(sorted(seed_ids)))
    skipped = reps.filter(~pl.col("message_id").is_in(sorted(voted_ids)) & pl.col("truth").is_not_null())
    out: dict[str, Any] = {"skipped": skipped.height, "champion_accuracy": None, "llm_accuracy": None, "extra_input_tokens": 0}
    if not skipped.height or champion is None:
        return out
    texts, llm, truth = skipped["text"].to_list(), skipped["llm_text"].to_list(), skipped["truth"].to_list()
    champion_labels = ["spam" if flag else "ham" for flag in champion.spam(texts)]
    out["champion_accuracy"] = sum(a == b for a, b in zip(champion_labels, truth)) / len(truth)
    voters = [p.name for p in label_config.providers if p.name not in label_config.tiebreak_providers]
    kinds = {p.name: p.kind for p in label_config.providers}
    would, escalated = [], 0
    for text in llm:
        votes = [v for v in (simulation.verdict(kinds[name], text) for name in voters) if v is not None]
        if label_config.tiebreak_providers and (len({v[0] for v in votes}) != 1 or len(votes) < len(voters)):
            escalated += 1
            votes += [v for v in (simulation.verdict(kinds[n], text) for n in label_config.tiebreak_providers) if v is not None]
        labels = [v[0] for v in votes]
        would.append(max(set(labels), key=labels.count) if labels else None)
    out["llm_accuracy"] = sum(a == b for a, b in zip(would, truth)) / len(truth)
    size = label_config.batch_size
    per_provider = sum(
        estimate_request_input_tokens(llm[i : i + size], label_config.answer_format) for i in range(0, len(llm), size)
    )
    share = escalated / len(llm) if label_config.tiebreak_providers else 0.0
    out["extra_input_tokens"] = int(per_provider * (len(voters) + share * len(label_config.tiebreak_providers)))
    return out

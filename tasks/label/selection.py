"""Which messages go to the LLMs: unlabelled campaign representatives, minus what the champion is sure of."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import polars as pl

SCORE_COLUMNS: tuple[str, ...] = ("spam_probability", "spam_score", "score")


@dataclass
class Selection:
    """``to_label``: representative rows to send. ``waiting_members``: (message_id, rep_id) of unlabelled
    campaign members that take their representative's label once it has one. ``propagate_now``:
    (message_id, rep_id) whose representative is already labelled. ``skipped_confident``: representative
    ids left to the champion. ``audit_ids``: champion-confident ids still sent to the LLMs. ``contradicted_ids``:
    champion-confident ids sent anyway because the campaign's user verdicts (majority) say the opposite."""

    to_label: pl.DataFrame
    waiting_members: pl.DataFrame
    propagate_now: pl.DataFrame
    skipped_confident: list[str]
    audit_ids: list[str]
    contradicted_ids: list[str] = field(default_factory=list)


def _audit_pick(message_id: str, seed: int, fraction: float) -> bool:
    """Stable pseudo-random choice: the same messages are audited in every re-run with the same seed."""
    digest = hashlib.sha256(f"{seed}:{message_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _score_column(scores: pl.DataFrame) -> str:
    for name in SCORE_COLUMNS:
        if name in scores.columns:
            return name
    raise ValueError(f"champion_scores needs message_id and one of {SCORE_COLUMNS}, got {scores.columns}")


def select_for_labelling(
    messages: pl.DataFrame,
    existing_labels: pl.DataFrame,
    champion_scores: pl.DataFrame | None = None,
    confidence: float | None = None,
    audit_fraction: float = 0.05,
    seed: int = 13,
    use_campaigns: bool = True,
) -> Selection:
    """Unlabelled messages to label, one per campaign, with the champion cascade applied.

    A message already in ``existing_labels`` is never sent again. Campaign members go through their
    representative (``is_campaign_rep``; the earliest member when the frame has none). When
    ``champion_scores`` (message_id + spam probability) and ``confidence`` are given, representatives
    the champion scores at least that confidently (either way) are skipped, except a stable
    ``audit_fraction`` sample that still goes to the LLMs to measure the champion, and representatives whose
    campaign's user verdicts contradict the champion (more spam reports than ham marks where it says ham, and
    the reverse): a new campaign is what the model on phones is confidently wrong about.
    """
    labelled = set(existing_labels.get_column("message_id").to_list()) if existing_labels.height else set()
    frame = messages.unique(subset="message_id", keep="first", maintain_order=True)
    has_campaigns = use_campaigns and "campaign_id" in frame.columns
    frame = frame.with_columns(
        (pl.col("campaign_id").fill_null(pl.col("message_id")) if has_campaigns else pl.col("message_id")).alias(
            "_campaign"
        ),
        (
            pl.col("is_campaign_rep").fill_null(False)
            if has_campaigns and "is_campaign_rep" in frame.columns
            else pl.lit(not has_campaigns)
        ).alias("_is_rep"),
    )
    order = ["first_seen_at", "message_id"] if "first_seen_at" in frame.columns else ["message_id"]
    # One representative per campaign: the flagged one, else the earliest member.
    reps = (
        frame.sort([pl.col("_is_rep").not_(), *order])
        .unique(subset="_campaign", keep="first", maintain_order=True)
        .select(pl.col("_campaign"), pl.col("message_id").alias("rep_id"))
    )
    frame = frame.join(reps, on="_campaign", how="left")
    unlabelled = frame.filter(~pl.col("message_id").is_in(list(labelled)))
    rep_rows = unlabelled.filter(pl.col("message_id") == pl.col("rep_id"))
    members = unlabelled.filter(pl.col("message_id") != pl.col("rep_id")).select("message_id", "rep_id")
    rep_labelled = pl.col("rep_id").is_in(list(labelled))
    propagate_now = members.filter(rep_labelled)
    waiting = members.filter(~rep_labelled)

    skipped: list[str] = []
    audit: list[str] = []
    contradicted: list[str] = []
    if champion_scores is not None and confidence is not None and champion_scores.height:
        column = _score_column(champion_scores)
        scores = dict(
            zip(champion_scores["message_id"].to_list(), champion_scores[column].cast(pl.Float64).to_list())
        )
        reports = _campaign_reports(unlabelled)
        for message_id in rep_rows["message_id"].to_list():
            p = scores.get(message_id)
            if p is None or max(p, 1.0 - p) < confidence:
                continue
            spam_reports, ham_reports = reports.get(message_id, (0, 0))
            if (spam_reports > ham_reports) if p < 0.5 else (ham_reports > spam_reports):
                # The users' verdicts on the campaign say otherwise: exactly what a new campaign looks like to the
                # model on phones (confident, and wrong), so it goes to the LLMs.
                contradicted.append(message_id)
                continue
            if _audit_pick(message_id, seed, audit_fraction):
                audit.append(message_id)
            else:
                skipped.append(message_id)
        rep_rows = rep_rows.filter(~pl.col("message_id").is_in(skipped))
        waiting = waiting.filter(~pl.col("rep_id").is_in(skipped))

    return Selection(
        to_label=rep_rows.drop("_campaign", "_is_rep", "rep_id"),
        waiting_members=waiting,
        propagate_now=propagate_now,
        skipped_confident=skipped,
        audit_ids=audit,
        contradicted_ids=contradicted,
    )


def _campaign_reports(unlabelled: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """rep_id -> (user spam reports, user ham reports) summed over the campaign's unlabelled members."""
    if "user_spam_reports" not in unlabelled.columns or "user_ham_reports" not in unlabelled.columns:
        return {}
    sums = unlabelled.group_by("rep_id").agg(
        pl.col("user_spam_reports").fill_null(0).sum().alias("spam"), pl.col("user_ham_reports").fill_null(0).sum().alias("ham")
    )
    return {rep: (int(spam), int(ham)) for rep, spam, ham in sums.iter_rows()}

"""Majority vote over the providers' votes on one message, and when to ask a human instead."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Vote:
    provider: str
    label: str
    category: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    """The ensemble's verdict. ``label`` is None when there were no votes."""

    label: str | None
    category: str | None
    confidence: float | None
    agreement: float | None
    n_votes: int
    review_reason: str | None

    @property
    def needs_review(self) -> bool:
        return self.review_reason is not None


def decide(
    votes: Sequence[Vote],
    *,
    min_agreement: float,
    min_confidence: float,
    min_votes: int,
) -> Decision:
    """Majority label; ties go to the label with the higher mean confidence.

    ``agreement`` is the share of votes for the winning label. ``confidence`` is the mean probability
    the voters give the winning label (a dissenting vote with confidence c counts as 1 - c), so a
    split or hesitant ensemble scores low. A message goes to review for too few votes, agreement
    below ``min_agreement`` or confidence below ``min_confidence``.
    """
    if not votes:
        return Decision(None, None, None, None, 0, "no_votes")
    counts = Counter(v.label for v in votes)

    def mean_confidence(label: str) -> float:
        chosen = [v.confidence for v in votes if v.label == label]
        return sum(chosen) / len(chosen)

    label = max(counts, key=lambda lab: (counts[lab], mean_confidence(lab), lab == "spam"))
    winners = [v for v in votes if v.label == label]
    category_weight: Counter[str] = Counter()
    for v in winners:
        category_weight[v.category] += 1.0 + v.confidence / 10  # count first, confidence breaks ties
    category = max(sorted(category_weight), key=lambda c: category_weight[c])
    agreement = len(winners) / len(votes)
    confidence = sum(v.confidence if v.label == label else 1.0 - v.confidence for v in votes) / len(votes)
    reason: str | None = None
    if len(votes) < min_votes:
        reason = "too_few_votes"
    elif agreement < min_agreement:
        reason = "disagreement"
    elif confidence < min_confidence:
        reason = "low_confidence"
    return Decision(label, category, round(confidence, 4), round(agreement, 4), len(votes), reason)

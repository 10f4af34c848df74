"""Operating threshold and spam-filter metrics (overall and per language)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sklearn.metrics import average_precision_score, confusion_matrix

# Used only when dev has no ham at all, so no FPR can be measured.
FALLBACK_THRESHOLD = 0.5
METRIC_LANGS: tuple[str, ...] = ("ko", "en")
ThresholdRule = Literal["pooled", "every_language", "every_language_and_ham_group"]


class ThresholdChoice(BaseModel):
    """The operating threshold picked on dev and what it gives there."""

    threshold: float = Field(description="Predict spam when the spam probability is >= this.")
    target_ham_fpr: float = Field(description="The ham FPR the threshold had to stay at or under.")
    dev_ham_fpr: float = Field(description="Ham FPR on dev at the threshold (nan when dev has no ham).")
    dev_spam_recall: float = Field(description="Spam recall on dev at the threshold (nan when dev has no spam).")
    allowed_false_positives: int = Field(description="floor(target * dev ham count): hams that may score >= threshold.")
    fallback: bool = Field(description="True when dev had no ham and FALLBACK_THRESHOLD was used.")


def choose_threshold(scores: Sequence[float], is_spam: Sequence[bool], target_ham_fpr: float) -> ThresholdChoice:
    """The lowest threshold whose dev ham FPR is <= target_ham_fpr (spam iff score >= threshold).

    With n hams, at most k = floor(target * n) of them may be flagged, so the threshold must sit just above
    the (k+1)-th highest ham score; the lowest such value is the next float above it. Ties: hams with equal
    scores are all on the same side of any threshold, so a tie at the boundary pushes the threshold above the
    whole tie (the FPR then ends under the target, never over). If k >= n every ham may be flagged and the
    threshold is 0. If dev has no ham, no FPR can be measured: FALLBACK_THRESHOLD (0.5) with fallback=True.
    Dev having no spam does not matter to the choice (recall is then reported as nan).
    """
    score_array = np.asarray(scores, dtype=np.float64)
    spam_mask = np.asarray(is_spam, dtype=bool)
    if score_array.shape != spam_mask.shape:
        raise ValueError("scores and is_spam must have the same length")
    ham_scores = np.sort(score_array[~spam_mask])[::-1]
    n_ham = ham_scores.size
    if n_ham == 0:
        threshold, fallback, allowed = FALLBACK_THRESHOLD, True, 0
    else:
        allowed = int(math.floor(target_ham_fpr * n_ham + 1e-9))
        fallback = False
        threshold = 0.0 if allowed >= n_ham else float(np.nextafter(ham_scores[allowed], np.inf))
    predicted = score_array >= threshold
    ham_fpr = float(predicted[~spam_mask].mean()) if n_ham else float("nan")
    recall = float(predicted[spam_mask].mean()) if spam_mask.any() else float("nan")
    return ThresholdChoice(
        threshold=threshold,
        target_ham_fpr=target_ham_fpr,
        dev_ham_fpr=ham_fpr,
        dev_spam_recall=recall,
        allowed_false_positives=allowed,
        fallback=fallback,
    )


def choose_threshold_every_group(
    scores: Sequence[float], is_spam: Sequence[bool], groupings: Sequence[Sequence[str | None]], target_ham_fpr: float
) -> ThresholdChoice:
    """The lowest threshold at which dev ham FPR is <= target_ham_fpr pooled *and* in every group of every grouping
    (e.g. the languages; the ham groups) with enough dev hams to measure it: the highest of the pooled choice and
    each such group's own choice. A row whose group is None belongs to no group of that grouping.

    A group counts when its dev hams allow at least one false positive at the target (n >= 1/target); below that
    the threshold would sit on its single highest ham, which says more about that one message than about the group.
    The returned FPR and recall are the pooled ones."""
    score_array = np.asarray(scores, dtype=np.float64)
    spam_mask = np.asarray(is_spam, dtype=bool)
    group_arrays = [np.asarray(grouping, dtype=object) for grouping in groupings]
    if any(score_array.shape != spam_mask.shape or array.shape != score_array.shape for array in [spam_mask, *group_arrays]):
        raise ValueError("scores, is_spam and every grouping must have the same length")
    pooled = choose_threshold(score_array, spam_mask, target_ham_fpr)
    threshold = pooled.threshold
    for array in group_arrays:
        for group in sorted({str(value) for value in array if value is not None}):
            rows = array == group
            n_ham = int((rows & ~spam_mask).sum())
            if n_ham and target_ham_fpr * n_ham >= 1.0 - 1e-9:
                threshold = max(threshold, choose_threshold(score_array[rows], spam_mask[rows], target_ham_fpr).threshold)
    if threshold == pooled.threshold:
        return pooled
    predicted = score_array >= threshold
    return pooled.model_copy(update={
        "threshold": threshold,
        "dev_ham_fpr": float(predicted[~spam_mask].mean()),
        "dev_spam_recall": float(predicted[spam_mask].mean()) if spam_mask.any() else float("nan"),
    })


def choose_threshold_every_language(
    scores: Sequence[float], is_spam: Sequence[bool], langs: Sequence[str], target_ham_fpr: float
) -> ThresholdChoice:
    """The lowest threshold at which dev ham FPR is <= target_ham_fpr pooled *and* in every language with enough
    dev hams to measure it (``choose_threshold_every_group`` with the languages as the one grouping).

    A pooled choice lets the language with most hams set the operating point, so a smaller language's hams can be
    flagged several times as often (the English hams of the bundled sample: dev FPR 1.1 % at a pooled 0.5 %).
    ``langs`` are ``detect_lang`` codes; the returned FPR and recall are the pooled ones."""
    if len(langs) != len(scores):
        raise ValueError("scores, is_spam and langs must have the same length")
    return choose_threshold_every_group(scores, is_spam, [langs], target_ham_fpr)


class LanguageThresholds(BaseModel):
    """One operating threshold per language (``detect_lang`` codes), and the one for every other language."""

    default: float = Field(description="Threshold of a message whose language has none of its own: the every-language one.")
    by_language: dict[str, float] = Field(description="Threshold of each language with enough dev hams to choose its own.")

    def for_langs(self, langs: Sequence[str]) -> np.ndarray:
        """Each message's threshold, by its language."""
        return np.asarray([self.by_language.get(str(lang), self.default) for lang in langs], dtype=np.float64)


def choose_thresholds_by_language(
    scores: Sequence[float], is_spam: Sequence[bool], langs: Sequence[str], target_ham_fpr: float
) -> LanguageThresholds:
    """Each language with enough dev hams (n >= 1/target, as ``choose_threshold_every_language`` counts them) gets the
    lowest threshold that holds its own dev ham FPR at the target; any other language gets the every-language
    threshold (the highest of the pooled one and every language's), which holds the target wherever it was measured."""
    score_array = np.asarray(scores, dtype=np.float64)
    spam_mask = np.asarray(is_spam, dtype=bool)
    lang_array = np.asarray(langs, dtype=object)
    default = choose_threshold_every_language(score_array, spam_mask, lang_array, target_ham_fpr).threshold
    by_language = {}
    for lang in sorted({str(value) for value in lang_array}):
        rows = lang_array == lang
        n_ham = int((rows & ~spam_mask).sum())
        if n_ham and target_ham_fpr * n_ham >= 1.0 - 1e-9:
            by_language[lang] = choose_threshold(score_array[rows], spam_mask[rows], target_ham_fpr).threshold
    return LanguageThresholds(default=default, by_language=by_language)


def operating_threshold(
    scores: Sequence[float], is_spam: Sequence[bool], langs: Sequence[str], target_ham_fpr: float, rule: ThresholdRule,
    ham_groups: Sequence[str | None] | None = None,
) -> ThresholdChoice:
    """The dev threshold by ``rule``: ``pooled`` (choose_threshold), ``every_language``
    (choose_threshold_every_language) or ``every_language_and_ham_group`` (also in each ham group of ``ham_groups``,
    models/categories.py::category_group of each row: the transactional notices and the personal messages, so that
    the notices a filter must never block are held to the target on their own). Training picks the encoder's and
    the baseline's this way."""
    if rule == "every_language_and_ham_group":
        if ham_groups is None:
            raise ValueError("the every_language_and_ham_group rule needs each dev row's ham group")
        return choose_threshold_every_group(scores, is_spam, [langs, ham_groups], target_ham_fpr)
    if rule == "every_language":
        return choose_threshold_every_language(scores, is_spam, langs, target_ham_fpr)
    if rule == "pooled":
        return choose_threshold(scores, is_spam, target_ham_fpr)
    raise ValueError(f"unknown threshold rule {rule!r}")


def binary_metrics(scores: Sequence[float], is_spam: Sequence[bool], threshold: float) -> dict[str, float]:
    """Spam precision/recall/F1, ham FPR, PR-AUC and counts at a threshold; nan where a class is missing."""
    score_array = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(is_spam, dtype=bool)
    predicted = score_array >= threshold
    n_spam = int(truth.sum())
    n_ham = int((~truth).sum())
    tn, fp, fn, tp = (
        confusion_matrix(truth, predicted, labels=[False, True]).ravel().tolist() if truth.size else (0, 0, 0, 0)
    )
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / n_spam if n_spam else float("nan")
    if n_spam and tp:
        f1 = 2 * precision * recall / (precision + recall)
    else:
        f1 = 0.0 if n_spam else float("nan")
    return {
        "spam_precision": float(precision),
        "spam_recall": float(recall),
        "spam_f1": float(f1),
        "ham_fpr": fp / n_ham if n_ham else float("nan"),
        "pr_auc": float(average_precision_score(truth, score_array)) if n_spam and n_ham else float("nan"),
        "n": float(truth.size),
        "n_spam": float(n_spam),
        "n_ham": float(n_ham),
        "tp": float(tp),
        "fp": float(fp),
        "fn": float(fn),
        "tn": float(tn),
    }


def metrics_by_lang(
    scores: Sequence[float], is_spam: Sequence[bool], langs: Sequence[str], threshold: float
) -> dict[str, dict[str, float]]:
    """binary_metrics for all rows ("all") and for each of METRIC_LANGS."""
    score_array = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(is_spam, dtype=bool)
    lang_array = np.asarray(langs, dtype=object)
    result = {"all": binary_metrics(score_array, truth, threshold)}
    for lang in METRIC_LANGS:
        mask = lang_array == lang
        result[lang] = binary_metrics(score_array[mask], truth[mask], threshold)
    return result


def flatten_metrics(metrics: dict[str, dict[str, float]], prefix: str) -> dict[str, float]:
    """{"all": {"spam_f1": x}} -> {"<prefix>_spam_f1": x, "<prefix>_ko_spam_f1": ...}; nan values left out (MLflow)."""
    flat: dict[str, float] = {}
    for group, values in metrics.items():
        group_prefix = prefix if group == "all" else f"{prefix}_{group}"
        for name, value in values.items():
            if not math.isnan(value):
                flat[f"{group_prefix}_{name}"] = value
    return flat

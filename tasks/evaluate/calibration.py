"""How the gates behave on gold sets of the real gold's size, by simulation (tests and bench/gate_calibration.py).

A simulated gold keeps the real gold's rows, languages and classes; only which messages each model flags is
drawn anew, from true rates that are known. The bootstrap resamples are the gate's own (fixed seed), and the
verdicts come from the real gate functions, so the pass rate over many simulated golds is the gate's operating
characteristic: how often it passes a candidate whose true quality is known.

Two models on one simulated gold are drawn jointly: on each class a share ``churn`` of the messages swaps
(half flagged by the reference only, half by the candidate only) on top of the net difference between their
rates, so ``churn`` controls how far apart two equally good models are message by message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.bootstrap import Resamples, rates_from_counts
from tasks.evaluate.gates import GateResult, comparison_gate, floor_gate
from tasks.evaluate.metrics import GoldMeasurement


@dataclass(frozen=True)
class TrueRates:
    """A model's true behaviour: the chance it flags a spam (recall) and a ham (FPR)."""

    recall: float
    ham_fpr: float


def draw_flags(
    is_spam: np.ndarray, reference: TrueRates, candidate: TrueRates, churn: tuple[float, float], n_golds: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(reference, candidate) flags, each (n_golds, rows): drawn jointly per message with the given churn
    (spam share, ham share) on top of the difference of the two models' rates."""
    rng = np.random.default_rng(seed)
    truth = np.asarray(is_spam, dtype=bool)
    rates_ref = np.where(truth, reference.recall, reference.ham_fpr)
    delta = np.where(truth, candidate.recall - reference.recall, candidate.ham_fpr - reference.ham_fpr)
    swap = np.where(truth, churn[0], churn[1]) / 2.0
    only_ref = swap + np.maximum(-delta, 0.0)  # flagged by the reference alone
    only_cand = swap + np.maximum(delta, 0.0)  # flagged by the candidate alone
    both = rates_ref - only_ref
    if (both < -1e-12).any() or (both + only_ref + only_cand > 1 + 1e-12).any():
        raise ValueError("churn too large for these rates")
    draw = rng.random((n_golds, truth.size))
    flag_ref = draw < both + only_ref
    flag_cand = (draw < both) | ((draw >= both + only_ref) & (draw < both + only_ref + only_cand))
    return flag_ref, flag_cand


def measurements(
    resamples: Resamples, is_spam: np.ndarray, scopes: Mapping[str, np.ndarray], flags: np.ndarray, confidence: float = 0.95
) -> list[GoldMeasurement]:
    """One GoldMeasurement per simulated gold (row of ``flags``), thresholded metrics only, on ``resamples``."""
    truth = np.asarray(is_spam, dtype=bool)
    scope_masks = {name: np.asarray(mask, dtype=bool) for name, mask in scopes.items()}
    columns = []
    for row in flags:
        for mask in scope_masks.values():
            columns += [mask & truth & row, mask & ~truth & row]
    tp_fp = (resamples.weights @ np.stack(columns, axis=1).astype(np.float32)).astype(np.float64)
    full = np.stack(columns, axis=1).sum(axis=0).astype(np.float64)
    sizes = {name: (float((mask & truth).sum()), float((mask & ~truth).sum())) for name, mask in scope_masks.items()}
    class_counts = {
        name: (resamples.weights @ np.stack([mask & truth, mask & ~truth], axis=1).astype(np.float32)).astype(np.float64)
        for name, mask in scope_masks.items()
    }
    result = []
    per_gold = 2 * len(scope_masks)
    for gold_index in range(flags.shape[0]):
        points, samples = {}, {}
        for position, name in enumerate(scope_masks):
            column = gold_index * per_gold + 2 * position
            n_spam, n_ham = sizes[name]
            tp, fp = full[column], full[column + 1]
            point = {key: float(value) for key, value in rates_from_counts(tp, fp, n_spam, n_ham).items()}
            points[name] = point | {"pr_auc": math.nan, "n": n_spam + n_ham, "n_spam": n_spam, "n_ham": n_ham,
                                    "tp": tp, "fp": fp, "fn": n_spam - tp, "tn": n_ham - fp}
            counts = class_counts[name]
            samples[name] = rates_from_counts(tp_fp[:, column], tp_fp[:, column + 1], counts[:, 0], counts[:, 1])
        result.append(GoldMeasurement(points=points, samples=samples, confidence=confidence))
    return result


def pass_rate(gates: list[GateResult]) -> float:
    """Share of the gates (one per simulated gold) that pass."""
    return sum(gate.verdict == "pass" for gate in gates) / len(gates)


def comparison_pass_rate(
    resamples: Resamples,
    is_spam: np.ndarray,
    scopes: Mapping[str, np.ndarray],
    scope: str,
    metric: str,
    margin: float,
    reference: TrueRates,
    candidate: TrueRates,
    churn: tuple[float, float] = (0.0, 0.0),
    n_golds: int = 200,
    seed: int = 0,
) -> float:
    """Share of simulated golds on which the comparison gate (regression / baseline rule) passes the candidate."""
    flag_ref, flag_cand = draw_flags(is_spam, reference, candidate, churn, n_golds, seed)
    wanted = {name: scopes[name] for name in (scope,)}
    refs = measurements(resamples, is_spam, wanted, flag_ref)
    cands = measurements(resamples, is_spam, wanted, flag_cand)
    return pass_rate([comparison_gate("simulated", "regression", metric, c, r, scope, margin, "reference") for c, r in zip(cands, refs, strict=True)])


def floor_pass_rate(
    is_spam: np.ndarray, mask: np.ndarray, metric: str, limit: float, true_rate: float, n_golds: int = 2000, seed: int = 0
) -> float:
    """Share of simulated golds on which a floor on recall or ham FPR (decided on the point estimate) passes a
    model whose true rate is ``true_rate``; the interval does not enter the verdict, so none is drawn."""
    truth = np.asarray(is_spam, dtype=bool)
    rows = int((np.asarray(mask, dtype=bool) & (truth if metric == "spam_recall" else ~truth)).sum())
    hits = np.random.default_rng(seed).binomial(rows, true_rate, size=n_golds)
    at_least = metric == "spam_recall"
    gates = [
        floor_gate("simulated", "floor", metric, hit / rows, limit, at_least, rows, count=f"{hit}/{rows}")
        for hit in hits
    ]
    return pass_rate(gates)

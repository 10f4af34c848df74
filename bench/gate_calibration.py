"""How the promotion gates behave on gold sets of the real gold's size: the bootstrap's cost and, by simulation,
how often each gate passes a candidate whose true quality is known.

    .venv/bin/python bench/gate_calibration.py [--gold-version v1] [--golds 400] [--resamples 2000] [--tile K] [--pr-auc]

A simulated gold keeps the real gold's rows, languages and classes; only which messages each model flags is
drawn anew from known rates (tasks/evaluate/calibration.py). Comparisons (no regression, the TF-IDF bar) are
run through the real gate on the gate's own resamples, for true losses from 0 up and two churn levels: 0 (the
candidate's errors contain the reference's, as with the test suite's nested TF-IDF models) and 5% of spam / 0.5%
of ham swapped between two equally good models (different retrains). Floors and behavioural limits are decided
on the point estimate, so their pass rate is binomial: the table gives the band of true rates in which the
verdict is a coin toss (pass rate between 5% and 95%). ``--pr-auc`` adds the PR-AUC regression gate on
binormal scores (slower: two PR-AUC bootstraps per simulated gold). ``--tile K`` repeats every gold row K times,
a preview of a gold set K times larger with the same mix. About a minute and a half without them on 2 cores.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from scipy.stats import binom  # noqa: E402
from sklearn.metrics import average_precision_score  # noqa: E402

from models.gold import load_gold  # noqa: E402
from spamloop.settings.evaluate import EvaluateConfig  # noqa: E402
from tasks.evaluate.behavioural import run_behavioural_tests  # noqa: E402
from tasks.evaluate.calibration import TrueRates, comparison_pass_rate  # noqa: E402
from tasks.evaluate.gates import comparison_gate  # noqa: E402
from tasks.evaluate.metrics import GoldBootstrap  # noqa: E402

REFERENCE = TrueRates(recall=0.95, ham_fpr=0.008)  # about today's encoder on gold v1
CHURNS = ((0.0, 0.0), (0.05, 0.005))
RECALL_LOSSES = (0.0, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.10, 0.15, 0.20)
FPR_RISES = (0.0, 0.001, 0.002, 0.0025, 0.004, 0.006, 0.008, 0.012, 0.016)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold-version", default="v1")
    parser.add_argument("--golds", type=int, default=400, help="simulated gold sets per cell")
    parser.add_argument("--resamples", type=int, default=None, help="bootstrap resamples (default: the config's)")
    parser.add_argument("--tile", type=int, default=1, help="simulate a gold K times larger (rows repeated K times)")
    parser.add_argument("--pr-auc", action="store_true", help="also the PR-AUC regression gate (binormal scores)")
    return parser.parse_args()


def expected_f1(rates: TrueRates, n_spam: float, n_ham: float) -> float:
    tp, fp = rates.recall * n_spam, rates.ham_fpr * n_ham
    return 2 * tp / (2 * tp + fp + n_spam - tp)


def cost(gold, config: EvaluateConfig) -> None:
    rng = np.random.default_rng(0)
    truth = np.asarray(gold.is_spam)
    scores = [np.clip(np.where(truth, rng.beta(6, 1, truth.size), rng.beta(1, 12, truth.size)), 0, 1) for _ in range(3)]
    started = time.perf_counter()
    bootstrap = GoldBootstrap(gold.frame, config.bootstrap_resamples, config.bootstrap_seed)
    resampled = time.perf_counter()
    bootstrap.measure(scores[0], 0.5)
    candidate = time.perf_counter()
    bootstrap.measure(scores[1], 0.5, pr_auc_scopes=["all"])
    bootstrap.measure(scores[2], 0.5, pr_auc_scopes=[])
    others = time.perf_counter()
    run_behavioural_tests(lambda texts: [0.5] * len(texts), 0.5, n_resamples=config.bootstrap_resamples)
    behavioural = time.perf_counter()
    print(f"## Bootstrap cost on gold {gold.version} ({gold.frame.height} messages, {config.bootstrap_resamples} resamples)\n")
    print("| step | seconds |\n|---|---:|")
    print(f"| stratified resamples | {resampled - started:.2f} |")
    print(f"| candidate: every scope, PR-AUC on every scope with both classes | {candidate - resampled:.2f} |")
    print(f"| champion (PR-AUC on all) + baseline (no PR-AUC) | {others - candidate:.2f} |")
    print(f"| behavioural pass rates | {behavioural - others:.2f} |")
    print(f"| total | {behavioural - started:.2f} |\n")


def comparisons(bootstrap: GoldBootstrap, config: EvaluateConfig, golds: int) -> None:
    gates = [
        ("regression", "all", "spam_f1", config.max_f1_drop or 0.0),
        ("regression", "all", "ham_fpr", config.max_ham_fpr_increase or 0.0),
        ("baseline", "all", "spam_f1", 0.0),
        ("baseline", "lang_en", "spam_f1", 0.0),
        ("baseline", "all", "ham_fpr", 0.0),
        ("baseline", "lang_en", "ham_fpr", 0.0),
    ]
    print(f"## Comparison gates: share of {golds} simulated golds on which the candidate passes\n")
    print(f"Reference: recall {REFERENCE.recall}, ham FPR {REFERENCE.ham_fpr}. Churn: spam/ham share swapped between the two models.\n")
    print("| gate | scope | margin | true loss | " + " | ".join(f"pass, churn {s:g}/{h:g}" for s, h in CHURNS) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(CHURNS))
    for group, scope, metric, margin in gates:
        mask = bootstrap.scopes[scope]
        n_spam, n_ham = float((mask & bootstrap.is_spam).sum()), float((mask & ~bootstrap.is_spam).sum())
        steps = RECALL_LOSSES if metric == "spam_f1" else FPR_RISES
        for step in steps:
            candidate = (
                TrueRates(REFERENCE.recall - step, REFERENCE.ham_fpr)
                if metric == "spam_f1"
                else TrueRates(REFERENCE.recall, REFERENCE.ham_fpr + step)
            )
            loss = (
                expected_f1(REFERENCE, n_spam, n_ham) - expected_f1(candidate, n_spam, n_ham)
                if metric == "spam_f1"
                else step
            )
            rates = [
                comparison_pass_rate(
                    bootstrap.resamples, bootstrap.is_spam, bootstrap.scopes, scope, metric, margin, REFERENCE, candidate,
                    churn, golds, seed=17,
                )
                for churn in CHURNS
            ]
            print(f"| {group}_{metric} | {scope} | {margin:g} | {loss:.4f} | " + " | ".join(f"{r:.3f}" for r in rates) + " |")
    print()


def _rate_where(n: int, limit: float, at_least: bool, pass_probability: float) -> float:
    """The true rate at which a point-estimate floor on n rows passes with the given probability (bisection)."""

    def passes(rate: float) -> float:
        allowed = math.floor(n * limit + 1e-9)  # hits allowed under a cap
        if at_least:
            return float(binom.sf(math.ceil(n * limit - 1e-9) - 1, n, rate))  # P(hits >= ceil(n * limit))
        return float(binom.cdf(allowed, n, rate))

    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        # passes() rises with the rate for a minimum and falls for a cap.
        if (passes(middle) < pass_probability) == at_least:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def floors(bootstrap: GoldBootstrap, config: EvaluateConfig) -> None:
    truth = bootstrap.is_spam
    rows = [("floor", "all", "spam_recall", config.min_spam_recall, True), ("floor", "all", "ham_fpr", config.max_ham_fpr, False)]
    rows += [
        ("slice", floor.slice, floor.metric, floor.minimum if floor.minimum is not None else floor.maximum, floor.minimum is not None)
        for floor in config.slice_floors
        if floor.metric in ("spam_recall", "ham_fpr")
    ]
    print("## Floors (point estimate): the band of true rates where the verdict is a coin toss\n")
    print("| gate | scope | n | limit | passes >= 95% when the true rate is | fails >= 95% when it is |")
    print("|---|---|---:|---:|---|---|")
    for group, scope, metric, limit, at_least in rows:
        if limit is None:
            continue
        mask = bootstrap.scopes[scope] & (truth if metric == "spam_recall" else ~truth)
        n = int(mask.sum())
        good, bad = _rate_where(n, limit, at_least, 0.95), _rate_where(n, limit, at_least, 0.05)
        relation = (">=", "<=") if at_least else ("<=", ">=")
        print(f"| {group}_{metric} | {scope} | {n} | {limit:g} | {relation[0]} {good:.4f} | {relation[1]} {bad:.4f} |")
    counts = run_behavioural_tests(lambda texts: [0.5] * len(texts), 0.5, n_resamples=1000).counts
    limits = {
        "invariance": config.min_invariance_pass_rate,
        "directional": config.min_directional_pass_rate,
        "functionality": config.min_functionality_pass_rate,
    }
    for kind, limit in limits.items():
        if limit is not None:
            n = counts[kind]
            good, bad = _rate_where(n, limit, True, 0.95), _rate_where(n, limit, True, 0.05)
            print(f"| behaviour_{kind} | cases | {n} | {limit:g} | >= {good:.4f} | <= {bad:.4f} |")
    print()


def _true_average_precision(shift: float, spam_share: float, rng: np.random.Generator) -> float:
    n = 400_000
    truth = rng.random(n) < spam_share
    return float(average_precision_score(truth, rng.normal(size=n) + shift * truth))


def pr_auc(bootstrap: GoldBootstrap, config: EvaluateConfig, golds: int) -> None:
    rng = np.random.default_rng(5)
    truth = bootstrap.is_spam
    share = float(truth.mean())
    reference_shift, correlation = 3.0, 0.8
    reference_ap = _true_average_precision(reference_shift, share, rng)
    margin = config.max_pr_auc_drop or 0.0
    print(f"## PR-AUC regression (margin {margin:g}): binormal scores, reference AP {reference_ap:.4f}, score correlation {correlation}\n")
    print("| true loss | pass |\n|---:|---:|")
    for shift in (3.0, 2.8, 2.6, 2.4, 2.2, 2.0):
        loss = reference_ap - (_true_average_precision(shift, share, rng) if shift != reference_shift else reference_ap)
        passed = 0
        for _ in range(golds):
            shared = rng.normal(size=truth.size)
            reference = shared + reference_shift * truth
            candidate = correlation * shared + math.sqrt(1 - correlation**2) * rng.normal(size=truth.size) + shift * truth
            ref_measured = bootstrap.measure(reference, math.inf, pr_auc_scopes=["all"])
            cand_measured = bootstrap.measure(candidate, math.inf, pr_auc_scopes=["all"])
            gate = comparison_gate("simulated", "regression", "pr_auc", cand_measured, ref_measured, "all", margin, "reference")
            passed += gate.verdict == "pass"
        print(f"| {loss:.4f} | {passed / golds:.3f} |")
    print()


def main() -> None:
    args = _parse_args()
    config = EvaluateConfig(gold_version=args.gold_version)
    if args.resamples:
        config = config.model_copy(update={"bootstrap_resamples": args.resamples})
    gold = load_gold(config.gold_version, config.gold_dir)
    cost(gold, config)
    frame = pl.concat([gold.frame] * args.tile) if args.tile > 1 else gold.frame
    if args.tile > 1:
        print(f"Simulated golds below: gold {gold.version} tiled {args.tile} times ({frame.height} rows).\n")
    bootstrap = GoldBootstrap(frame, config.bootstrap_resamples, config.bootstrap_seed)
    started = time.perf_counter()
    comparisons(bootstrap, config, args.golds)
    floors(bootstrap, config)
    if args.pr_auc:
        pr_auc(bootstrap, config, max(50, args.golds // 4))
    print(f"simulations: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

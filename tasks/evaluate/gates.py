"""Promotion gates: each one a verdict (pass / fail / skipped / not_evaluated) with a reason a person can read.

Metric limits are checked with ``mlflow.validate_evaluation_results``. MLflow's ``min_absolute_change`` must be
positive, i.e. it can only demand that a candidate *beats* the baseline; "no worse than the champion minus a
margin" is expressed instead as an absolute ``threshold`` computed from the champion's metric on the same gold
set (``champion - margin`` for greater-is-better metrics, ``champion + margin`` for ham FPR).
"""

from __future__ import annotations

import logging
import math
from typing import Literal

from mlflow.models import MetricThreshold
from mlflow.models.evaluation import EvaluationResult as MlflowEvaluationResult
from mlflow.models.evaluation.validation import ModelValidationFailedException, validate_evaluation_results
from pydantic import BaseModel, Field

from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.behavioural import BehaviouralReport

Verdict = Literal["pass", "fail", "skipped", "not_evaluated"]
GREATER_IS_BETTER: dict[str, bool] = {
    "spam_precision": True,
    "spam_recall": True,
    "spam_f1": True,
    "pr_auc": True,
    "ham_fpr": False,
}
SPAM_METRICS = frozenset({"spam_precision", "spam_recall", "spam_f1"})
# MLflow's validator logs two INFO lines per check; the gate table already says everything.
logging.getLogger("mlflow.models.evaluation.validation").setLevel(logging.WARNING)


class GateResult(BaseModel):
    """One gate's verdict."""

    name: str = Field(description="Stable gate name; becomes the registry tag gate_<name>.")
    group: str = Field(description="floor, regression, slice, behavioural or ondevice.")
    verdict: Verdict = Field(description="pass, fail, skipped (does not apply) or not_evaluated (input missing).")
    reason: str = Field(description="Why, with the numbers.")
    value: float | None = Field(default=None, description="The measured value, if any.")
    limit: float | None = Field(default=None, description="The limit it was held to, if any.")


class OndeviceReport(BaseModel):
    """What the export stage measured for the on-device model (optional input of the evaluate stage)."""

    size_bytes: int = Field(ge=0, description="Size of the shipped model file in bytes.")
    p50_latency_ms: float = Field(ge=0, description="Median single-message inference latency on the reference runtime.")
    parity_passed: bool = Field(description="Whether exported and trained model agree within tolerance on the parity set.")
    detail: str = Field(default="", description="Format and settings, e.g. 'tflite int8, seq 64'.")


def overall_verdict(gates: list[GateResult]) -> Literal["pass", "fail"]:
    """pass iff no gate failed (skipped and not_evaluated gates do not block)."""
    return "fail" if any(gate.verdict == "fail" for gate in gates) else "pass"


def _limit_check(
    metric: str, value: float, limit: float, at_least: bool, baseline: dict[str, float] | None = None
) -> tuple[bool, str]:
    """Check value >= limit (at_least) or value <= limit with MLflow's validator; returns (passed, message).

    ``baseline`` (the champion's metrics) is handed to MLflow as the baseline result for the record; the limit
    itself already contains it (see the module docstring).
    """
    thresholds = {metric: MetricThreshold(threshold=float(limit), greater_is_better=at_least)}
    candidate = MlflowEvaluationResult(metrics={metric: float(value)}, artifacts={}, run_id="candidate")
    baseline_result = (
        MlflowEvaluationResult(metrics=dict(baseline), artifacts={}, run_id="champion") if baseline is not None else None
    )
    try:
        validate_evaluation_results(
            validation_thresholds=thresholds, candidate_result=candidate, baseline_result=baseline_result
        )
    except ModelValidationFailedException as error:
        return False, error.message
    return True, f"Metric {metric} passed the validation."


def _metric_gate(
    name: str,
    group: str,
    metric: str,
    value: float | None,
    limit: float,
    at_least: bool,
    context: str = "",
    baseline: dict[str, float] | None = None,
) -> GateResult:
    if value is None or math.isnan(value):
        return GateResult(name=name, group=group, verdict="fail", reason=f"{metric} not measurable{context}", limit=limit)
    passed, _ = _limit_check(metric, value, limit, at_least, baseline)
    relation = (">=" if passed else "<") if at_least else ("<=" if passed else ">")
    return GateResult(
        name=name,
        group=group,
        verdict="pass" if passed else "fail",
        reason=f"{metric} {value:.4f} {relation} {limit:.4f}{context}",
        value=float(value),
        limit=float(limit),
    )


def floor_gates(overall: dict[str, float], config: EvaluateConfig) -> list[GateResult]:
    """Absolute floors on the whole gold set."""
    limits = {
        "spam_f1": config.min_spam_f1,
        "spam_precision": config.min_spam_precision,
        "spam_recall": config.min_spam_recall,
        "ham_fpr": config.max_ham_fpr,
        "pr_auc": config.min_pr_auc,
    }
    return [
        _metric_gate(f"floor_{metric}", "floor", metric, overall[metric], limit, GREATER_IS_BETTER[metric])
        for metric, limit in limits.items()
        if limit is not None
    ]


def baseline_gates(
    candidate: dict[str, dict[str, float]],
    baseline: dict[str, dict[str, float]] | None,
    config: EvaluateConfig,
) -> list[GateResult]:
    """The quality bar: on the gold set the candidate must beat the TF-IDF baseline by F1 and by ham FPR.

    ``candidate``/``baseline`` map a scope ("all" or a slice name such as "lang_en") to metrics at each
    model's own threshold. Ties count as not worse. No baseline given: not_evaluated.
    """
    if not config.beat_baseline_scopes:
        return []
    if baseline is None:
        return [
            GateResult(name="baseline", group="baseline", verdict="not_evaluated", reason="no baseline model was given")
        ]
    gates = []
    for scope in config.beat_baseline_scopes:
        for metric, at_least in (("spam_f1", True), ("ham_fpr", False)):
            limit = baseline.get(scope, {}).get(metric, float("nan"))
            name = f"baseline_{scope}_{metric}"
            if math.isnan(limit):
                gates.append(GateResult(name=name, group="baseline", verdict="skipped", reason=f"baseline {metric} not measurable on {scope}"))
                continue
            gates.append(
                _metric_gate(name, "baseline", metric, candidate.get(scope, {}).get(metric), limit, at_least, f" (TF-IDF baseline, {scope})")
            )
    return gates


def regression_gates(
    candidate: dict[str, float], champion: dict[str, float] | None, config: EvaluateConfig, champion_label: str = "champion"
) -> list[GateResult]:
    """No regression against the champion beyond a margin, on the same gold set; skipped when there is no champion."""
    margins = {"spam_f1": config.max_f1_drop, "pr_auc": config.max_pr_auc_drop, "ham_fpr": config.max_ham_fpr_increase}
    gates = []
    for metric, margin in margins.items():
        if margin is None:
            continue
        name = f"regression_{metric}"
        if champion is None:
            gates.append(GateResult(name=name, group="regression", verdict="skipped", reason="skipped: no champion"))
            continue
        baseline = champion.get(metric, float("nan"))
        if math.isnan(baseline):
            gates.append(
                GateResult(name=name, group="regression", verdict="skipped", reason=f"skipped: {champion_label} {metric} not measurable")
            )
            continue
        limit = baseline - margin if GREATER_IS_BETTER[metric] else baseline + margin
        gates.append(
            _metric_gate(
                name,
                "regression",
                metric,
                candidate[metric],
                limit,
                GREATER_IS_BETTER[metric],
                f" ({champion_label} {baseline:.4f}, margin {margin})",
                baseline=champion,
            )
        )
    return gates


def slice_gates(slices: dict[str, dict[str, float]], config: EvaluateConfig) -> list[GateResult]:
    """Per-slice limits; skipped when the slice has too few rows of the class its metric is about."""
    gates = []
    for floor in config.slice_floors:
        name = f"slice_{floor.slice}_{floor.metric}"
        values = slices.get(floor.slice)
        if values is None:
            gates.append(GateResult(name=name, group="slice", verdict="fail", reason=f"unknown slice {floor.slice!r}"))
            continue
        needed_class = "spam" if floor.metric in SPAM_METRICS else "ham"
        rows = int(values[f"n_{needed_class}"]) if floor.metric != "pr_auc" else int(min(values["n_spam"], values["n_ham"]))
        if rows < config.min_slice_rows:
            gates.append(
                GateResult(
                    name=name,
                    group="slice",
                    verdict="skipped",
                    reason=f"skipped: {rows} {needed_class} rows in slice {floor.slice} < {config.min_slice_rows}",
                )
            )
            continue
        for limit, at_least in ((floor.minimum, True), (floor.maximum, False)):
            if limit is not None:
                gates.append(
                    _metric_gate(name, "slice", floor.metric, values[floor.metric], limit, at_least, f" on {floor.slice}")
                )
    return gates


def behavioural_gates(report: BehaviouralReport, config: EvaluateConfig) -> list[GateResult]:
    """Minimum pass rates of the behavioural test kinds."""
    limits = {
        "invariance": config.min_invariance_pass_rate,
        "directional": config.min_directional_pass_rate,
        "functionality": config.min_functionality_pass_rate,
    }
    gates = []
    for kind, limit in limits.items():
        if limit is None:
            continue
        rate = report.pass_rates.get(kind, float("nan"))
        total = report.counts.get(kind, 0)
        passed = not math.isnan(rate) and rate >= limit
        failed_ids = [case.case_id for case in report.failures(kind)][:5]
        reason = f"{kind} pass rate {rate:.3f} ({round(rate * total)}/{total}) {'>=' if passed else '<'} {limit:.3f}"
        if failed_ids:
            reason += f"; failing: {', '.join(failed_ids)}"
        gates.append(
            GateResult(
                name=f"behaviour_{kind}",
                group="behavioural",
                verdict="pass" if passed else "fail",
                reason=reason,
                value=rate,
                limit=limit,
            )
        )
    return gates


def ondevice_gates(report: OndeviceReport | None, config: EvaluateConfig) -> list[GateResult]:
    """Size, latency and parity from the export stage's report; 'not_evaluated' (or fail if required) when absent."""
    wanted = [
        ("ondevice_size", config.max_model_bytes is not None),
        ("ondevice_latency", config.max_p50_latency_ms is not None),
        ("ondevice_parity", config.require_parity),
    ]
    if report is None:
        verdict: Verdict = "fail" if config.require_ondevice_report else "not_evaluated"
        reason = "no on-device report" + (" (required)" if config.require_ondevice_report else ": not evaluated")
        return [GateResult(name=name, group="ondevice", verdict=verdict, reason=reason) for name, on in wanted if on]
    gates = []
    if config.max_model_bytes is not None:
        ok = report.size_bytes <= config.max_model_bytes
        gates.append(
            GateResult(
                name="ondevice_size",
                group="ondevice",
                verdict="pass" if ok else "fail",
                reason=f"model {report.size_bytes:,} bytes {'<=' if ok else '>'} {config.max_model_bytes:,}",
                value=float(report.size_bytes),
                limit=float(config.max_model_bytes),
            )
        )
    if config.max_p50_latency_ms is not None:
        ok = report.p50_latency_ms <= config.max_p50_latency_ms
        gates.append(
            GateResult(
                name="ondevice_latency",
                group="ondevice",
                verdict="pass" if ok else "fail",
                reason=f"p50 latency {report.p50_latency_ms:.2f} ms {'<=' if ok else '>'} {config.max_p50_latency_ms:.2f} ms",
                value=report.p50_latency_ms,
                limit=config.max_p50_latency_ms,
            )
        )
    if config.require_parity:
        gates.append(
            GateResult(
                name="ondevice_parity",
                group="ondevice",
                verdict="pass" if report.parity_passed else "fail",
                reason="parity check passed" if report.parity_passed else "parity check failed",
            )
        )
    return gates


def gate_table(gates: list[GateResult]) -> str:
    """Markdown table of gates."""
    lines = ["| gate | group | verdict | reason |", "|---|---|---|---|"]
    for gate in gates:
        mark = {"pass": "✅ pass", "fail": "❌ fail", "skipped": "➖ skipped", "not_evaluated": "➖ not evaluated"}[gate.verdict]
        lines.append(f"| {gate.name} | {gate.group} | {mark} | {gate.reason.replace('|', '/')} |")
    return "\n".join(lines)

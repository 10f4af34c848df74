"""Promotion gates: each one a verdict with its value, 95% interval, n and a reason a person can read.

Semantics per gate kind (docs/evaluation.md, "Gate semantics"):

- **Floors** (whole gold set, slices, behavioural pass rates) are decided on the point estimate against the
  written limit, checked with ``mlflow.validate_evaluation_results``. The interval and n are shown beside the
  verdict, and the reason says when the interval contains the limit (the verdict is within noise). A slice with
  fewer rows of the class its metric needs than ``min_slice_rows`` is ``undecided (n=...)``.
- **Comparisons** (no regression against the champion, the TF-IDF baseline bar) are decided on the paired
  difference candidate - reference over the same bootstrap resamples. A comparison fails only when the candidate
  is worse with confidence (the interval lies entirely on the worse side of 0) and the interval does not rule out
  a loss larger than the margin (its worse end lies beyond the margin).
- A required gate that fails or is undecided blocks promotion; ``skipped`` (does not apply) and
  ``not_evaluated`` (input missing) do not.
"""

from __future__ import annotations

import logging
import math
from typing import Literal

from mlflow.models import MetricThreshold
from mlflow.models.evaluation import EvaluationResult as MlflowEvaluationResult
from mlflow.models.evaluation.validation import ModelValidationFailedException, validate_evaluation_results
from pydantic import BaseModel, Field

from models.bootstrap import percentile_interval
from models.release import BLOCKING_VERDICTS
from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.behavioural import BehaviouralReport
from tasks.evaluate.metrics import ALL_SCOPE, GoldMeasurement, metric_count

Verdict = Literal["pass", "fail", "undecided", "skipped", "not_evaluated"]
GREATER_IS_BETTER: dict[str, bool] = {
    "spam_precision": True,
    "spam_recall": True,
    "spam_f1": True,
    "pr_auc": True,
    "ham_fpr": False,
}
SPAM_METRICS = frozenset({"spam_precision", "spam_recall", "spam_f1"})
# "Beats the baseline" means "not worse than the baseline": ties pass, as they always have.
BASELINE_MARGIN = 0.0
# MLflow's validator logs two INFO lines per check; the gate table already says everything.
logging.getLogger("mlflow.models.evaluation.validation").setLevel(logging.WARNING)


class GateResult(BaseModel):
    """One gate's verdict."""

    name: str = Field(description="Stable gate name; becomes the registry tag gate_<name>.")
    group: str = Field(description="floor, regression, slice, behavioural, baseline or ondevice.")
    verdict: Verdict = Field(
        description="pass, fail, undecided (too few rows to judge), skipped (does not apply) or not_evaluated (input missing)."
    )
    reason: str = Field(description="Why, with the numbers.")
    value: float | None = Field(
        default=None,
        description="The measured value: the metric (floors, slices, behavioural) or the paired difference "
        "candidate - reference (regression, baseline).",
    )
    limit: float | None = Field(
        default=None,
        description="The limit it was held to; for a comparison the margin as a bound on the difference "
        "(-margin, or +margin where lower is better).",
    )
    ci_low: float | None = Field(default=None, description="Lower end of the value's bootstrap interval.")
    ci_high: float | None = Field(default=None, description="Upper end of the value's bootstrap interval.")
    n: int | None = Field(
        default=None, description="Messages (or behavioural cases) the value rests on: rows of the class its metric needs."
    )
    count: str | None = Field(default=None, description="The rate as messages, e.g. '4/119' hams flagged.")
    reference: float | None = Field(default=None, description="Comparisons: the champion's or baseline's metric.")
    required: bool = Field(
        default=True, description="A required gate that fails or is undecided blocks promotion; others are reported only."
    )

    @property
    def blocking(self) -> bool:
        return self.required and self.verdict in BLOCKING_VERDICTS

    def verdict_label(self) -> str:
        """'pass', 'fail', 'undecided (n=12)', 'skipped', 'not evaluated'; '(info)' on a gate that never blocks."""
        label = self.verdict.replace("_", " ")
        if self.verdict == "undecided":
            label += f" (n={self.n if self.n is not None else '?'})"
        return label if self.required else f"{label} (info)"

    def interval_label(self) -> str:
        """'[0.912, 0.961]', signed for a difference; '–' without an interval."""
        if self.ci_low is None or self.ci_high is None or math.isnan(self.ci_low) or math.isnan(self.ci_high):
            return "–"
        sign = "+" if self.group in ("regression", "baseline") else ""
        return f"[{self.ci_low:{sign}.4f}, {self.ci_high:{sign}.4f}]"

    def n_label(self) -> str:
        """'n=119 (4/119)', or '–'."""
        if self.n is None:
            return "–"
        return f"{self.n}" + (f" ({self.count})" if self.count else "")


class OndeviceReport(BaseModel):
    """What the export stage measured for the on-device model (optional input of the evaluate stage)."""

    size_bytes: int = Field(ge=0, description="Size of the shipped model file in bytes.")
    p50_latency_ms: float = Field(ge=0, description="Median single-message inference latency on the reference runtime.")
    parity_passed: bool = Field(description="Whether exported and trained model agree within tolerance on the parity set.")
    detail: str = Field(default="", description="Format and settings, e.g. 'tflite int8, seq 64'.")


def blocking_gates(gates: list[GateResult]) -> list[GateResult]:
    """The gates that stop promotion: required and failed or undecided."""
    return [gate for gate in gates if gate.blocking]


def overall_verdict(gates: list[GateResult]) -> Literal["pass", "fail"]:
    """pass iff no required gate failed or was undecided (skipped and not_evaluated gates do not block)."""
    return "fail" if blocking_gates(gates) else "pass"


def _limit_check(metric: str, value: float, limit: float, at_least: bool) -> tuple[bool, str]:
    """Check value >= limit (at_least) or value <= limit with MLflow's validator; returns (passed, message)."""
    thresholds = {metric: MetricThreshold(threshold=float(limit), greater_is_better=at_least)}
    candidate = MlflowEvaluationResult(metrics={metric: float(value)}, artifacts={}, run_id="candidate")
    try:
        validate_evaluation_results(validation_thresholds=thresholds, candidate_result=candidate, baseline_result=None)
    except ModelValidationFailedException as error:
        return False, error.message
    return True, f"Metric {metric} passed the validation."


def _class_rows(values: dict[str, float], metric: str) -> int:
    """Rows of the class a metric is about: spam for precision/recall/F1, ham for FPR, the smaller for PR-AUC."""
    if metric in SPAM_METRICS:
        return int(values.get("n_spam", 0))
    if metric == "ham_fpr":
        return int(values.get("n_ham", 0))
    return int(min(values.get("n_spam", 0), values.get("n_ham", 0)))


def _class_name(metric: str) -> str:
    return "spam" if metric in SPAM_METRICS else "ham" if metric == "ham_fpr" else "spam-or-ham"


def _interval_fields(interval: tuple[float, float] | None) -> dict[str, float | None]:
    if interval is None or math.isnan(interval[0]) or math.isnan(interval[1]):
        return {"ci_low": None, "ci_high": None}
    return {"ci_low": float(interval[0]), "ci_high": float(interval[1])}


def floor_gate(
    name: str,
    group: str,
    metric: str,
    value: float,
    limit: float,
    at_least: bool,
    n: int,
    *,
    interval: tuple[float, float] | None = None,
    count: str | None = None,
    min_rows: int = 1,
    context: str = "",
    unit: str | None = None,
    required: bool = True,
) -> GateResult:
    """A limit on one measured value, decided on the point estimate; undecided below ``min_rows``."""
    unit = unit or f"{_class_name(metric)} rows"
    common = dict(name=name, group=group, limit=float(limit), n=int(n), count=count, required=required, **_interval_fields(interval))
    if n < min_rows or value is None or math.isnan(value):
        why = f"{n} {unit}{context} < {min_rows}" if n < min_rows else f"{metric} not measurable{context}"
        return GateResult(verdict="undecided", reason=f"undecided (n={n}): {why}", **common)
    passed, _ = _limit_check(metric, value, limit, at_least)
    relation = (">=" if passed else "<") if at_least else ("<=" if passed else ">")
    figures = f"{metric} {value:.4f}" + (f" ({count})" if count else "")
    if common["ci_low"] is not None:
        figures += f" [{common['ci_low']:.4f}, {common['ci_high']:.4f}]"
    reason = f"{figures} {relation} {limit:.4f}{context}, n={n}"
    if common["ci_low"] is not None and common["ci_low"] <= limit <= common["ci_high"]:
        reason += "; within noise: the interval contains the limit"
    return GateResult(verdict="pass" if passed else "fail", reason=reason, value=float(value), **common)


def comparison_gate(
    name: str,
    group: str,
    metric: str,
    candidate: GoldMeasurement,
    reference: GoldMeasurement,
    scope: str,
    margin: float,
    reference_label: str,
) -> GateResult:
    """Candidate vs reference on the paired difference of one metric over the same resamples.

    fail iff the candidate is worse with confidence (the difference's interval lies entirely on the worse side
    of 0) and the interval reaches beyond the margin (a loss larger than the margin is not ruled out).
    """
    at_least = GREATER_IS_BETTER[metric]
    own, other = candidate.points.get(scope, {}), reference.points.get(scope, {})
    value, ref_value = own.get(metric, math.nan), other.get(metric, math.nan)
    n = _class_rows(own, metric)
    bound = (-margin if at_least else margin) + 0.0  # + 0.0: a zero margin reads 0, not -0
    context = f" on {scope}" if scope != ALL_SCOPE else ""
    common = dict(name=name, group=group, limit=bound, n=n, count=metric_count(own, metric), required=True)
    own_samples, ref_samples = candidate.samples.get(scope, {}).get(metric), reference.samples.get(scope, {}).get(metric)
    if math.isnan(value) or math.isnan(ref_value) or own_samples is None or ref_samples is None:
        return GateResult(
            verdict="undecided",
            reason=f"undecided (n={n}): {metric}{context} not measurable for the candidate or {reference_label}",
            **common,
        )
    if own_samples.shape != ref_samples.shape:
        raise ValueError("candidate and reference were not measured on the same resamples")
    low, high = percentile_interval(own_samples - ref_samples, candidate.confidence)
    difference = value - ref_value
    # Orient so that a positive gain means the candidate is better.
    gain_low, gain_high = (low, high) if at_least else (-high, -low)
    worse_with_confidence = gain_high < 0
    beyond_margin_possible = gain_low < -margin
    failed = worse_with_confidence and beyond_margin_possible
    if failed:
        why = f"worse with confidence, possibly by more than the margin {margin:g}"
    elif not worse_with_confidence:
        why = "not worse with confidence"
    else:
        why = f"worse, but by less than the margin {margin:g} with confidence"
    reason = (
        f"{metric}{context} {value:.4f} vs {reference_label} {ref_value:.4f}: "
        f"difference {difference:+.4f} [{low:+.4f}, {high:+.4f}]; {why} (n={n})"
    )
    return GateResult(
        verdict="fail" if failed else "pass",
        reason=reason,
        value=float(difference),
        ci_low=float(low),
        ci_high=float(high),
        reference=float(ref_value),
        **common,
    )


def floor_gates(candidate: GoldMeasurement, config: EvaluateConfig) -> list[GateResult]:
    """Absolute floors on the whole gold set, decided on the point estimate."""
    limits = {
        "spam_f1": config.min_spam_f1,
        "spam_precision": config.min_spam_precision,
        "spam_recall": config.min_spam_recall,
        "ham_fpr": config.max_ham_fpr,
        "pr_auc": config.min_pr_auc,
    }
    overall = candidate.overall
    return [
        floor_gate(
            f"floor_{metric}",
            "floor",
            metric,
            overall.get(metric, math.nan),
            limit,
            GREATER_IS_BETTER[metric],
            _class_rows(overall, metric),
            interval=candidate.interval(ALL_SCOPE, metric),
            count=metric_count(overall, metric),
        )
        for metric, limit in limits.items()
        if limit is not None
    ]


def baseline_gates(candidate: GoldMeasurement, baseline: GoldMeasurement | None, config: EvaluateConfig) -> list[GateResult]:
    """The quality bar: on each scope the candidate must not be worse than the TF-IDF baseline, by F1 and by
    ham FPR, each model at its own threshold; decided on the paired difference (margin 0). No baseline:
    not_evaluated."""
    if not config.beat_baseline_scopes:
        return []
    if baseline is None:
        return [
            GateResult(name="baseline", group="baseline", verdict="not_evaluated", reason="no baseline model was given")
        ]
    return [
        comparison_gate(
            f"baseline_{scope}_{metric}", "baseline", metric, candidate, baseline, scope, BASELINE_MARGIN, "TF-IDF baseline"
        )
        for scope in config.beat_baseline_scopes
        for metric in ("spam_f1", "ham_fpr")
    ]


def regression_gates(
    candidate: GoldMeasurement, champion: GoldMeasurement | None, config: EvaluateConfig, champion_label: str = "champion"
) -> list[GateResult]:
    """No regression against the champion beyond a margin, on the paired difference; skipped without a champion."""
    margins = {"spam_f1": config.max_f1_drop, "pr_auc": config.max_pr_auc_drop, "ham_fpr": config.max_ham_fpr_increase}
    gates = []
    for metric, margin in margins.items():
        if margin is None:
            continue
        name = f"regression_{metric}"
        if champion is None:
            gates.append(GateResult(name=name, group="regression", verdict="skipped", reason="skipped: no champion"))
            continue
        gates.append(comparison_gate(name, "regression", metric, candidate, champion, ALL_SCOPE, margin, champion_label))
    return gates


def slice_gates(candidate: GoldMeasurement, config: EvaluateConfig) -> list[GateResult]:
    """Per-slice limits on the point estimate; undecided when the slice has too few rows of the metric's class."""
    gates = []
    for floor in config.slice_floors:
        name = f"slice_{floor.slice}_{floor.metric}"
        values = candidate.points.get(floor.slice)
        if values is None:
            gates.append(
                GateResult(name=name, group="slice", verdict="fail", reason=f"unknown slice {floor.slice!r}", required=floor.required)
            )
            continue
        limit, at_least = (floor.minimum, True) if floor.minimum is not None else (floor.maximum, False)
        gates.append(
            floor_gate(
                name,
                "slice",
                floor.metric,
                values.get(floor.metric, math.nan),
                float(limit),
                at_least,
                _class_rows(values, floor.metric),
                interval=candidate.interval(floor.slice, floor.metric),
                count=metric_count(values, floor.metric),
                min_rows=config.min_slice_rows,
                context=f" on {floor.slice}",
                required=floor.required,
            )
        )
    return gates


def behavioural_gates(report: BehaviouralReport, config: EvaluateConfig) -> list[GateResult]:
    """Minimum pass rates of the behavioural test kinds, on the point estimate; the failing case ids in the reason."""
    limits = {
        "invariance": config.min_invariance_pass_rate,
        "directional": config.min_directional_pass_rate,
        "functionality": config.min_functionality_pass_rate,
    }
    gates = []
    for kind, limit in limits.items():
        if limit is None:
            continue
        total = report.counts.get(kind, 0)
        rate = report.pass_rates.get(kind, math.nan)
        passed = total - len(report.failures(kind))
        gate = floor_gate(
            f"behaviour_{kind}",
            "behavioural",
            f"{kind}_pass_rate",
            rate,
            limit,
            True,
            total,
            interval=report.intervals.get(kind),
            count=f"{passed}/{total}" if total else None,
            unit="cases",
        )
        if total and gate.verdict != "undecided":
            # e.g. 0.95 of 11 cases: not one may fail, so one case flips the verdict.
            gate.reason += f"; the limit allows {math.floor(total * (1 - limit) + 1e-9)} of {total} to fail"
        failed_ids = [case.case_id for case in report.failures(kind)][:5]
        if failed_ids:
            gate.reason += f"; failing: {', '.join(failed_ids)}"
        gates.append(gate)
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


def _figure(value: float | None, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return "–"
    if signed:
        return f"{value:+.4f}"
    # Plain digits, never scientific notation: sizes in bytes read 914,432, not 9.144e+05.
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:.4g}"
    return f"{value:.6f}".rstrip("0") if "e" in text else text


def gate_rows(gates: list[GateResult]) -> list[tuple[str, str, str, str, str, str]]:
    """(gate, value, 95% interval, n, limit, verdict) per gate: the columns every gate table shows."""
    rows = []
    for gate in gates:
        signed = gate.group in ("regression", "baseline")
        rows.append(
            (
                gate.name,
                ("Δ " if signed and gate.value is not None else "") + _figure(gate.value, signed),
                gate.interval_label(),
                gate.n_label(),
                _figure(gate.limit, signed),
                gate.verdict_label(),
            )
        )
    return rows


def gate_table(gates: list[GateResult]) -> str:
    """Markdown table of gates: verdict beside value, interval and n, then the reason."""
    marks = {"pass": "✅", "fail": "❌", "undecided": "❔", "skipped": "➖", "not_evaluated": "➖"}
    lines = ["| gate | group | verdict | value | 95% interval | n | limit | reason |", "|---|---|---|---|---|---|---|---|"]
    for gate, (name, value, interval, n, limit, verdict) in zip(gates, gate_rows(gates), strict=True):
        cells = [name, gate.group, f"{marks[gate.verdict]} {verdict}", value, interval, n, limit, gate.reason]
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)

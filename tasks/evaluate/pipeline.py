"""The evaluate stage end to end (plain Python): score the gold set, run behavioural tests, judge the gates,
log an MLflow evaluation run, register the candidate and move aliases only when allowed."""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import polars as pl
from mlflow import MlflowClient
from pydantic import BaseModel, ConfigDict, Field

from models.bootstrap import confusion_rate_samples, percentile_interval
from models.candidate import Candidate
from models.gold import GoldSet, load_gold
from models.misclassified import misclassified_table
from models.normalization import model_text
from models.registry import find_champion, registry_client
from models.release import failed_gates_tag
from models.scoring import spam_scores
from spamloop.config import SpamloopConfig
from spamloop.settings.evaluate import EvaluateConfig
from tasks.evaluate.behavioural import BehaviouralReport, run_behavioural_tests
from tasks.evaluate.gates import (
    GateResult,
    OndeviceReport,
    baseline_gates,
    behavioural_gates,
    blocking_gates,
    floor_gates,
    gate_table,
    ondevice_gates,
    overall_verdict,
    regression_gates,
    slice_gates,
)
from tasks.evaluate.metrics import (
    ALL_SCOPE,
    CONFIDENCE_LEVEL,
    HEADLINE_METRICS,
    GoldBootstrap,
    GoldMeasurement,
    flat_metrics,
    metric_cell,
    metrics_at_threshold,
    metrics_table,
)
from tasks.evaluate.registry import RegistrationOutcome, current_aliases, register_candidate


class ChampionInfo(BaseModel):
    """The champion the candidate was compared with."""

    version: str = Field(description="Registered version behind alias champion.")
    threshold: float = Field(description="Its recorded operating threshold.")
    metrics: dict[str, float] = Field(description="Its metrics on the same gold set at its own threshold.")


class EvaluationResult(BaseModel):
    """Everything the evaluate stage decided about one candidate."""

    # Undefined metrics (no spam flagged: precision) are NaN; JSON's default null would not load back as float.
    model_config = ConfigDict(ser_json_inf_nan="constants")

    candidate_model_uri: str = Field(description="The model that was evaluated.")
    training_run_id: str = Field(description="Training run that produced it.")
    threshold: float = Field(description="Operating threshold used for every thresholded metric.")
    gold_version: str = Field(description="Gold set version.")
    gold_sha256: str = Field(description="Digest of the gold set file.")
    metrics: dict[str, float] = Field(description="Whole gold set metrics at the threshold.")
    slices: dict[str, dict[str, float]] = Field(description="Per-slice metrics at the threshold.")
    intervals: dict[str, dict[str, tuple[float, float]]] = Field(
        default_factory=dict, description="scope ('all' or a slice) -> metric -> bootstrap interval."
    )
    behavioural: BehaviouralReport = Field(description="Behavioural test outcomes.")
    champion: ChampionInfo | None = Field(description="Champion compared against; None for the first model.")
    gates: list[GateResult] = Field(description="Every gate's verdict.")
    verdict: str = Field(description="pass iff no gate failed.")
    registered_model: str = Field(description="Registered model name.")
    version: str = Field(description="Model version the candidate became.")
    challenger_set: bool = Field(description="Whether alias challenger now points at it.")
    promoted: bool = Field(description="Whether alias champion now points at it.")
    aliases_after: dict[str, str | None] = Field(description="champion/challenger versions after the run.")
    evaluation_run_id: str = Field(description="MLflow run holding metrics, gates and the model card.")
    run_link: str = Field(description="UI link of the evaluation run (http tracking) or its run id.")
    model_card: str = Field(description="Markdown model card (also the version's description).")

    @property
    def failed_gates(self) -> list[GateResult]:
        """The gates behind a fail verdict: required gates that failed or could not be decided."""
        return blocking_gates(self.gates)


def baseline_scores(model: Any, raw_texts: Sequence[str]) -> np.ndarray:
    """Spam probabilities of the TF-IDF baseline as logged by the train stage.

    That model is the sklearn pipeline itself (pyfunc predict = predict_proba over [ham, spam]) and was fit
    on model text (``model_text``: placeholders, URL hosts kept), so the texts are turned into it here exactly as
    training did.
    """
    output = np.asarray(model.predict([model_text(text) for text in raw_texts]), dtype=np.float64)
    if output.ndim != 2 or output.shape != (len(raw_texts), 2):
        raise ValueError(f"baseline returned shape {output.shape}; expected ({len(raw_texts)}, 2) [ham, spam] probabilities")
    return output[:, 1]


def run_link(tracking_uri: str, experiment_id: str, run_id: str) -> str:
    """`<tracking_uri>/#/experiments/<id>/runs/<run_id>` for an http(s) tracking server, else the run id."""
    if tracking_uri.startswith(("http://", "https://")):
        return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
    return run_id


def _training_lineage(client: MlflowClient, training_run_id: str) -> dict[str, str]:
    try:
        run = client.get_run(training_run_id)
    except mlflow.exceptions.MlflowException:
        return {"snapshot_id": "unknown", "dataset_source": "unknown", "dataset_digest": "unknown"}
    tags, params = run.data.tags, run.data.params
    return {
        key: tags.get(key) or params.get(key) or "unknown" for key in ("snapshot_id", "dataset_source", "dataset_digest")
    }


def recorded_threshold(client: MlflowClient, training_run_id: str) -> float:
    """The operating threshold the train stage recorded (param or metric ``threshold``)."""
    data = client.get_run(training_run_id).data
    if "threshold" in data.params:
        return float(data.params["threshold"])
    if "threshold" in data.metrics:
        return float(data.metrics["threshold"])
    raise ValueError(f"training run {training_run_id} records no threshold; pass one explicitly")


def model_card(
    name: str,
    candidate_model_uri: str,
    training_run_id: str,
    lineage: dict[str, str],
    threshold: float,
    gold: GoldSet,
    metrics: dict[str, float],
    slices: dict[str, dict[str, float]],
    behavioural: BehaviouralReport,
    gates: list[GateResult],
    verdict: str,
    champion: ChampionInfo | None,
    intervals: dict[str, dict[str, tuple[float, float]]] | None = None,
    bootstrap_note: str = "",
    sources_section: str = "",
) -> str:
    """Short markdown model card: data, threshold, metrics with counts and intervals, gold by source (own traffic),
    behavioural pass rates, gates."""
    champion_line = (
        f"v{champion.version} (threshold {champion.threshold:.4f}, F1 {champion.metrics['spam_f1']:.4f}, "
        f"ham FPR {champion.metrics['ham_fpr']:.4f})"
        if champion
        else "none (first model)"
    )
    rates = ", ".join(
        f"{kind} {rate:.3f} ({round(rate * behavioural.counts[kind])}/{behavioural.counts[kind]})"
        for kind, rate in behavioural.pass_rates.items()
    )
    return "\n".join(
        [
            f"# {name} candidate — verdict: **{verdict}**",
            "",
            f"- model: `{candidate_model_uri}`; training run `{training_run_id}`",
            f"- data: snapshot `{lineage['snapshot_id']}`, source `{lineage['dataset_source']}`, digest `{lineage['dataset_digest']}`",
            f"- gold set: {gold.version} ({gold.manifest.rows} messages, sha256 `{gold.manifest.sha256[:16]}`)",
            f"- threshold: {threshold:.6f} (spam iff score >= threshold)",
            f"- compared with champion: {champion_line}",
            f"- behavioural pass rates: {rates}",
            *([f"- intervals: {bootstrap_note}"] if bootstrap_note else []),
            "",
            "## Metrics on the gold set",
            "",
            "Each rate: value (messages) [95% interval].",
            "",
            metrics_table(metrics, slices, intervals),
            "",
            *([sources_section, ""] if sources_section else []),
            "## Gates",
            "",
            gate_table(gates),
            "",
        ]
    )


def own_traffic_share(gold: GoldSet) -> float:
    """Share of the gold set's messages that are the deployment's own verified traffic (source own:*)."""
    sources = gold.frame["source"].to_list()
    return sum(source.startswith("own:") for source in sources) / max(len(sources), 1)


def gold_sources_section(gold: GoldSet, scores: Sequence[float], threshold: float, bootstrap: GoldBootstrap) -> str:
    """Model card section: what share of gold is own traffic, and the candidate's F1 and ham FPR on each source
    (a bundled corpus, own:review, own:audit) with n, counts and intervals on the gates' resamples."""
    sources = gold.frame["source"].to_list()
    names = sorted(set(sources), key=lambda name: (name.startswith("own:"), name))
    masks = {name: np.asarray([source == name for source in sources]) for name in names}
    score_array = np.asarray(scores, dtype=np.float64)
    samples = confusion_rate_samples(bootstrap.resamples, bootstrap.is_spam, score_array >= threshold, masks)
    own = sum(int(mask.sum()) for name, mask in masks.items() if name.startswith("own:"))
    lines = [
        "## Gold by source",
        "",
        f"Own traffic: {own:,} of {len(sources):,} messages ({own_traffic_share(gold):.1%})"
        + ("." if own else ": every gate judges this model on the bundled corpora only (`spamloop gold build`)."),
        "",
        "| source | n | spam | ham | F1 | ham FPR |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, mask in masks.items():
        values = metrics_at_threshold(score_array[mask], bootstrap.is_spam[mask], threshold)
        cells = [
            metric_cell(values, metric, percentile_interval(samples[name][metric], bootstrap.confidence))
            for metric in ("spam_f1", "ham_fpr")
        ]
        lines.append(f"| {name} | {int(values['n'])} | {int(values['n_spam'])} | {int(values['n_ham'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _champion_info(
    client: MlflowClient, name: str, gold: GoldSet, batch_size: int, bootstrap: GoldBootstrap
) -> tuple[ChampionInfo, GoldMeasurement] | None:
    """The champion scored on the gold set at its own threshold, on the candidate's resamples (paired)."""
    champion = find_champion(client, name)
    if champion is None:
        return None
    model_version = client.get_model_version(name, champion.version)
    threshold_tag = model_version.tags.get("threshold")
    if threshold_tag is None:
        raise ValueError(f"champion version {champion.version} has no threshold tag")
    model = mlflow.pyfunc.load_model(champion.model_uri)
    scores = spam_scores(model, gold.frame["text"].to_list(), batch_size)
    measured = bootstrap.measure(scores, float(threshold_tag), pr_auc_scopes=[ALL_SCOPE])
    return ChampionInfo(version=champion.version, threshold=float(threshold_tag), metrics=measured.overall), measured


def _finite(values: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in values.items() if not math.isnan(value)}


def gate_difference_metrics(gates: list[GateResult]) -> dict[str, float]:
    """MLflow metrics of the comparison gates: ``<gate>_diff`` (candidate - reference) with ``_lo`` / ``_hi``."""
    metrics: dict[str, float] = {}
    for gate in gates:
        if gate.group in ("regression", "baseline") and gate.value is not None:
            metrics[f"{gate.name}_diff"] = gate.value
            if gate.ci_low is not None and gate.ci_high is not None:
                metrics[f"{gate.name}_diff_lo"], metrics[f"{gate.name}_diff_hi"] = gate.ci_low, gate.ci_high
    return metrics


@dataclass(frozen=True)
class _Evidence:
    """The candidate at its threshold and its references, measured on the same gold resamples, plus the
    behavioural cases: everything the gates, the model card and the evaluation run read."""

    model_uri: str
    training_run_id: str
    threshold: float
    gold: GoldSet
    scores: np.ndarray
    bootstrap: GoldBootstrap
    measured: GoldMeasurement
    intervals: dict[str, dict[str, tuple[float, float]]]
    behavioural: BehaviouralReport
    champion: ChampionInfo | None
    champion_measured: GoldMeasurement | None
    baseline_measured: GoldMeasurement | None


def run_evaluation(
    config: SpamloopConfig,
    eval_config: EvaluateConfig,
    candidate: Candidate,
    ondevice: OndeviceReport | None = None,
) -> EvaluationResult:
    """Evaluate a candidate on the gold set, judge every gate, log the evaluation run and register the version.

    The candidate's ``threshold`` None means the training run's recorded ``threshold`` param (or metric); its
    baseline, when given, is judged at ``baseline_threshold`` (else the same threshold).
    Aliases: challenger moves to the candidate only if every gate passes; champion additionally needs
    ``eval_config.auto_promote`` (otherwise `spamloop registry approve`). Any failure leaves them untouched.
    """
    candidate.require("evaluate", "run_id", "model_uri")
    tracking_uri = config.resolved_tracking_uri
    client = _tracking_client(config, tracking_uri)
    name = eval_config.registered_model_name
    evidence = _gather_evidence(client, name, candidate, eval_config)
    gates = _judge_gates(evidence, ondevice, eval_config)
    verdict = overall_verdict(gates)
    lineage = _training_lineage(client, evidence.training_run_id)
    card = _candidate_card(name, evidence, lineage, gates, verdict, eval_config)
    experiment_id, evaluation_run_id = _log_evaluation_run(config, eval_config, evidence, gates, verdict, card, ondevice)
    outcome = _register_version(client, tracking_uri, eval_config, evidence, lineage, gates, verdict, card, evaluation_run_id)
    return EvaluationResult(
        candidate_model_uri=evidence.model_uri,
        training_run_id=evidence.training_run_id,
        threshold=evidence.threshold,
        gold_version=evidence.gold.version,
        gold_sha256=evidence.gold.manifest.sha256,
        metrics=evidence.measured.overall,
        slices=evidence.measured.slices,
        intervals=evidence.intervals,
        behavioural=evidence.behavioural,
        champion=evidence.champion,
        gates=gates,
        verdict=verdict,
        registered_model=name,
        version=outcome.version,
        challenger_set=outcome.challenger_set,
        promoted=outcome.promoted,
        aliases_after=current_aliases(client, name),
        evaluation_run_id=evaluation_run_id,
        run_link=run_link(tracking_uri, experiment_id, evaluation_run_id),
        model_card=card,
    )


def _tracking_client(config: SpamloopConfig, tracking_uri: str) -> MlflowClient:
    """Point MLflow's tracking and registry at ``tracking_uri`` (creating the SQLite folder) and return a client."""
    if tracking_uri.startswith("sqlite:///"):
        config.paths.mlflow_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    return registry_client(tracking_uri)


def _gather_evidence(client: MlflowClient, name: str, candidate: Candidate, eval_config: EvaluateConfig) -> _Evidence:
    """Score the candidate on gold and the behavioural cases, then the champion and the baseline on its resamples."""
    model_uri, training_run_id, threshold = str(candidate.model_uri), str(candidate.run_id), candidate.threshold
    if threshold is None:
        threshold = recorded_threshold(client, training_run_id)
    gold = load_gold(eval_config.gold_version, eval_config.gold_dir)
    model = mlflow.pyfunc.load_model(model_uri)
    scores = spam_scores(model, gold.frame["text"].to_list(), eval_config.predict_batch_size)
    # One set of resamples for every model: each comparison is paired on the same drawn messages.
    bootstrap = GoldBootstrap(gold.frame, eval_config.bootstrap_resamples, eval_config.bootstrap_seed, CONFIDENCE_LEVEL)
    measured = bootstrap.measure(scores, threshold)
    intervals = measured.intervals()
    behavioural = run_behavioural_tests(
        lambda texts: spam_scores(model, texts, eval_config.predict_batch_size),
        threshold,
        eval_config.behavioural_seed,
        n_resamples=eval_config.bootstrap_resamples,
        confidence=CONFIDENCE_LEVEL,
    )
    champion_found = _champion_info(client, name, gold, eval_config.predict_batch_size, bootstrap)
    champion, champion_measured = champion_found if champion_found else (None, None)
    baseline_measured = _baseline_measurement(candidate, gold, bootstrap, threshold, eval_config)
    return _Evidence(
        model_uri, training_run_id, threshold, gold, scores, bootstrap, measured, intervals, behavioural,
        champion, champion_measured, baseline_measured,
    )


def _baseline_measurement(
    candidate: Candidate, gold: GoldSet, bootstrap: GoldBootstrap, threshold: float, eval_config: EvaluateConfig
) -> GoldMeasurement | None:
    """The candidate's TF-IDF baseline on the gold resamples at its own threshold; None when none is gated."""
    if not (candidate.baseline_model_uri and eval_config.beat_baseline_scopes):
        return None
    b_scores = baseline_scores(mlflow.pyfunc.load_model(candidate.baseline_model_uri), gold.frame["text"].to_list())
    b_threshold = candidate.baseline_threshold if candidate.baseline_threshold is not None else threshold
    return bootstrap.measure(b_scores, b_threshold, pr_auc_scopes=[])


def _judge_gates(evidence: _Evidence, ondevice: OndeviceReport | None, eval_config: EvaluateConfig) -> list[GateResult]:
    """Every gate, in the order the model card and gates.json list them."""
    measured, champion = evidence.measured, evidence.champion
    return [
        *floor_gates(measured, eval_config),
        *regression_gates(
            measured, evidence.champion_measured, eval_config, f"champion v{champion.version}" if champion else "champion"
        ),
        *slice_gates(measured, eval_config),
        *behavioural_gates(evidence.behavioural, eval_config),
        *ondevice_gates(ondevice, eval_config),
        *baseline_gates(measured, evidence.baseline_measured, eval_config),
    ]


def _candidate_card(
    name: str,
    evidence: _Evidence,
    lineage: dict[str, str],
    gates: list[GateResult],
    verdict: str,
    eval_config: EvaluateConfig,
) -> str:
    """The model card of this evaluation, with how its intervals were drawn and the gold-by-source section."""
    bootstrap_note = (
        f"{CONFIDENCE_LEVEL:.0%} percentile bootstrap over gold messages, stratified by language and "
        f"class, {eval_config.bootstrap_resamples} resamples, seed {eval_config.bootstrap_seed}; comparisons with "
        "the champion and the baseline are paired on the same resamples"
    )
    return model_card(
        name, evidence.model_uri, evidence.training_run_id, lineage, evidence.threshold, evidence.gold,
        evidence.measured.overall, evidence.measured.slices, evidence.behavioural, gates, verdict, evidence.champion,
        evidence.intervals, bootstrap_note,
        gold_sources_section(evidence.gold, evidence.scores, evidence.threshold, evidence.bootstrap),
    )


def _log_evaluation_run(
    config: SpamloopConfig,
    eval_config: EvaluateConfig,
    evidence: _Evidence,
    gates: list[GateResult],
    verdict: str,
    card: str,
    ondevice: OndeviceReport | None,
) -> tuple[str, str]:
    """The MLflow evaluation run (params, metrics, card, gates, behavioural outcomes, gold mistakes);
    returns (experiment id, run id)."""
    experiment = mlflow.set_experiment(config.mlflow_experiment)
    training_run_id = evidence.training_run_id
    with mlflow.start_run(
        nested=mlflow.active_run() is not None,  # inside a caller's run (e.g. the retrain flow): a child run
        run_name=f"evaluate-{training_run_id[:8]}",
        tags={"role": "evaluation", "stage": "evaluate", "training_run_id": training_run_id, "verdict": verdict},
    ) as run:
        mlflow.log_params(_evaluation_params(eval_config, evidence, ondevice))
        mlflow.log_metrics(_evaluation_metrics(eval_config, evidence, gates))
        _log_evaluation_artifacts(card, gates, verdict, evidence.behavioural)
        _log_gold_misclassified(evidence.gold, evidence.scores, evidence.threshold, eval_config.misclassified_examples)
        evaluation_run_id = run.info.run_id
    return experiment.experiment_id, evaluation_run_id


def _evaluation_params(
    eval_config: EvaluateConfig, evidence: _Evidence, ondevice: OndeviceReport | None
) -> dict[str, Any]:
    return {
        "candidate_model_uri": evidence.model_uri,
        "threshold": evidence.threshold,
        "gold_version": evidence.gold.version,
        "gold_sha256": evidence.gold.manifest.sha256,
        "champion_version": evidence.champion.version if evidence.champion else "none",
        "auto_promote": eval_config.auto_promote,
        "ondevice_report": ondevice is not None,
        "bootstrap_resamples": eval_config.bootstrap_resamples,
        "bootstrap_seed": eval_config.bootstrap_seed,
        "confidence_level": CONFIDENCE_LEVEL,
    }


def _evaluation_metrics(eval_config: EvaluateConfig, evidence: _Evidence, gates: list[GateResult]) -> dict[str, float]:
    """Gold metrics with intervals, own-traffic share, behavioural pass rates, comparison differences, and the
    baseline's and champion's own figures."""
    behavioural = evidence.behavioural
    run_metrics = flat_metrics(evidence.measured.overall, evidence.measured.slices, evidence.intervals)
    run_metrics["gold_own_traffic_share"] = own_traffic_share(evidence.gold)
    run_metrics |= {f"behaviour_{kind}_pass_rate": rate for kind, rate in behavioural.pass_rates.items()}
    run_metrics |= {
        f"behaviour_{kind}_pass_rate_{end}": value
        for kind, interval in behavioural.intervals.items()
        for end, value in zip(("lo", "hi"), interval, strict=True)
        if not math.isnan(value)
    }
    run_metrics |= gate_difference_metrics(gates)
    if evidence.baseline_measured:
        # The gated scopes, plus Korean for the reviewer (the synthetic half the gates leave to `all`).
        logged_scopes = {"all", "lang_ko", *eval_config.beat_baseline_scopes}
        run_metrics |= {
            f"baseline_{scope}_{key}": value
            for scope, values in evidence.baseline_measured.points.items()
            for key, value in _finite(values).items()
            if key in ("spam_f1", "ham_fpr") and scope in logged_scopes
        }
    if evidence.champion:
        run_metrics |= {
            f"champion_{key}": value for key, value in _finite(evidence.champion.metrics).items() if key in HEADLINE_METRICS
        }
    return run_metrics


def _log_evaluation_artifacts(card: str, gates: list[GateResult], verdict: str, behavioural: BehaviouralReport) -> None:
    """evaluation/: model_card.md, gates.json, gates.md and behavioural.json in the active run."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "model_card.md").write_text(card, encoding="utf-8")
        (folder / "gates.json").write_text(json.dumps([g.model_dump() for g in gates], indent=2), encoding="utf-8")
        (folder / "gates.md").write_text(gate_verdicts_markdown(verdict, gates), encoding="utf-8")
        # Case ids and scores only: behavioural texts never leave the code.
        (folder / "behavioural.json").write_text(behavioural.model_dump_json(indent=2), encoding="utf-8")
        mlflow.log_artifacts(str(folder), artifact_path="evaluation")


def _register_version(
    client: MlflowClient,
    tracking_uri: str,
    eval_config: EvaluateConfig,
    evidence: _Evidence,
    lineage: dict[str, str],
    gates: list[GateResult],
    verdict: str,
    card: str,
    evaluation_run_id: str,
) -> RegistrationOutcome:
    """Register the candidate (aliases move only on a pass), then tag the evaluation run with the outcome."""
    # The gate verdicts are the evaluation run's evaluation/gates.md (and gates.json); the version carries only
    # `verdict` and `failed_gates` (register_candidate), not one tag per gate.
    version_tags = {
        "threshold": repr(float(evidence.threshold)),
        "training_run_id": evidence.training_run_id,
        "evaluation_run_id": evaluation_run_id,
        "gold_version": evidence.gold.version,
        "gold_sha256": evidence.gold.manifest.sha256,
        "snapshot_id": lineage["snapshot_id"],
    }
    outcome = register_candidate(
        client, tracking_uri, eval_config.registered_model_name, evidence.model_uri, verdict, version_tags, card,
        gate_rows=[g.model_dump() for g in gates],  # the rows of evaluation/gates.json: tag gates_sha256
        auto_promote=eval_config.auto_promote,
    )
    with mlflow.start_run(run_id=evaluation_run_id):
        mlflow.set_tags({"model_version": outcome.version, "promoted": str(outcome.promoted).lower()})
    return outcome


GOLD_MISCLASSIFIED_COLUMNS = ("message_id", "text_model", "label", "lang", "category_group", "corpus")


def _log_gold_misclassified(gold: GoldSet, scores: np.ndarray, threshold: float, limit: int) -> None:
    """gold_misclassified.json in the evaluation run: the most confident gold mistakes, as the model read them
    (normalised text, PII as placeholders), beside the dev table of the training run."""
    if limit <= 0:
        return
    frame = gold.frame.with_columns(pl.Series("text_model", [model_text(text) for text in gold.frame["text"].to_list()]))
    table = misclassified_table(frame, GOLD_MISCLASSIFIED_COLUMNS, np.asarray(gold.is_spam), scores, threshold, limit)
    mlflow.log_table(data=table.to_pandas(), artifact_file="gold_misclassified.json")


def gate_verdicts_markdown(verdict: str, gates: list[GateResult]) -> str:
    """evaluation/gates.md: the verdict, the failed gates by name, then every gate (failed first) in one table."""
    failed = failed_gates_tag([gate.model_dump() for gate in gates])
    ordered = sorted(gates, key=lambda gate: gate.verdict in ("pass", "skipped", "not_evaluated"))
    return "\n".join([f"# Gates: {verdict}", "", f"failed: {failed}", "", gate_table(ordered), ""])


def evaluation_markdown(result: EvaluationResult) -> str:
    """The Prefect artifact: verdict, what happened to the aliases, a link to the MLflow run and the gate table."""
    if result.promoted:
        outcome = f"promoted: **champion → v{result.version}**"
    elif result.challenger_set:
        outcome = (
            f"challenger → v{result.version}; awaiting review: "
            f"`spamloop registry approve {result.version} --comment \"…\"`"
        )
    else:
        outcome = "blocked: aliases unchanged"
    link = result.run_link if result.run_link.startswith("http") else f"run id `{result.run_link}`"
    champion = f"v{result.champion.version}" if result.champion else "none (first model)"
    return "\n".join(
        [
            f"# Evaluation of {result.registered_model} v{result.version}: {result.verdict.upper()}",
            "",
            f"- {outcome}",
            f"- aliases now: champion {result.aliases_after.get('champion') or '–'}, "
            f"challenger {result.aliases_after.get('challenger') or '–'}",
            f"- compared with champion: {champion}",
            f"- gold set {result.gold_version}, threshold {result.threshold:.4f}",
            f"- MLflow evaluation run: {link}",
            "",
            gate_table(result.gates),
            "",
        ]
    )

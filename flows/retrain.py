"""The weekly retrain: the whole loop as one Prefect flow; each stage is a subflow that also runs alone.

ingest -> label -> train -> export (candidate bundle + parity) -> evaluate (gates, registry) -> approval -> publish

Export runs before evaluate because the promotion gates include the on-device budget and parity.
Nothing reaches phones unless every gate passed and the champion alias moved to the candidate (and the
publish flow checks the registry verdict again). A run that publishes nothing ends in a named Completed
state, ``Blocked`` or ``AwaitingReview``, whose message says why; its result is still the RetrainSummary.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, tags
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, State
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from flows.evaluate import ApprovalRequest, approve_version, evaluate
from flows.export import export
from flows.ingest import ingest
from flows.label import label
from flows.orchestration import run_log_of_deployment_run, run_name, tag_run
from flows.publish import publish
from flows.resume import existing_bundle, finished_evaluation, record_evaluation
from flows.train import train
from models.gold import load_gold
from models.ondevice import TFLITE_INT8
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.console import active_run_log
from spamloop.progress import stage_finished, stage_started
from spamloop.runtime import prepare_runtime
from tasks.evaluate.gates import GateResult, OndeviceReport, gate_rows
from tasks.evaluate.pipeline import run_link
from tasks.export.measure import ondevice_figures

BOOTSTRAP_REVIEWER = "spamloop-bootstrap"
# Final state names of a run that published nothing (state type stays COMPLETED: the loop worked as designed).
STATE_BLOCKED = "Blocked"
STATE_AWAITING_REVIEW = "AwaitingReview"
PUBLISH_STATUS_STATES = {"blocked": STATE_BLOCKED, "awaiting-review": STATE_AWAITING_REVIEW}
GOLD_METRICS = ("spam_f1", "ham_fpr", "spam_precision", "spam_recall", "pr_auc")
# Each gate's verdict beside its value, 95% interval and n (comparisons: the difference candidate - reference).
GATE_COLUMNS = ("gate", "value", "95% interval", "n", "limit", "passed")


class StageOutcome(BaseModel):
    """What one stage of a retrain run did."""

    stage: str = Field(description="Stage name.")
    status: str = Field(description="completed, skipped, blocked or awaiting-review.")
    summary: str = Field(description="One line a person reads.")
    figures: dict[str, Any] = Field(default_factory=dict, description="Headline numbers of the stage.")


class RetrainSummary(BaseModel):
    """The outcome of a weekly retrain run."""

    stages: list[StageOutcome] = Field(default_factory=list, description="Stages in the order they ran.")
    quality: list[dict[str, Any]] = Field(
        default_factory=list, description="Encoder vs TF-IDF baseline on dev, side by side (all / ko / en)."
    )
    published_version: str | None = Field(default=None, description="Bundle version the manifest now points at.")
    gold_metrics: dict[str, float] = Field(
        default_factory=dict, description="The candidate on the gold set at its threshold (evaluate stage)."
    )
    gates: list[GateResult] = Field(default_factory=list, description="Every promotion gate's verdict.")
    links: dict[str, str] = Field(
        default_factory=dict, description="MLflow training/evaluation run and registry version: UI URL, or id."
    )
    browse_hint: str | None = Field(
        default=None, description="How to open the MLflow UI when tracking is a local SQLite file."
    )

    def add(self, stage: str, status: str, summary: str, **figures: Any) -> None:
        self.stages.append(StageOutcome(stage=stage, status=status, summary=summary, figures=figures))
        stage_finished(stage, status, summary)

    def stage(self, name: str) -> StageOutcome | None:
        """The last outcome recorded for stage ``name``."""
        return next((s for s in reversed(self.stages) if s.stage == name), None)

    def to_markdown(self) -> str:
        lines = ["# Weekly retrain", "", "| stage | status | summary |", "|---|---|---|"]
        lines += [f"| {s.stage} | {s.status} | {_cell(s.summary)} |" for s in self.stages]
        if self.quality:
            lines += ["", "## Encoder vs baseline (dev, at each model's threshold)", ""]
            lines += ["| model | slice | spam F1 | ham FPR | precision | recall |", "|---|---|---|---|---|---|"]
            lines += [
                f"| {q['model']} | {q['slice']} | {q['spam_f1']:.4f} | {q['ham_fpr']:.4f} | "
                f"{q['spam_precision']:.4f} | {q['spam_recall']:.4f} |"
                for q in self.quality
            ]
        if self.gold_metrics:
            lines += ["", "## Candidate on the gold set", "", "| metric | value |", "|---|---|"]
            lines += [f"| {name} | {value:.4f} |" for name, value in self.gold_metrics.items()]
        if self.gates:
            lines += ["", "## Promotion gates", "", f"| {' | '.join(GATE_COLUMNS)} |", "|---|---|---|---|---|---|"]
            lines += [
                f"| {name} | {value} | {interval} | {n} | {limit} | {_passed(gate, verdict)} |"
                for gate, (name, value, interval, n, limit, verdict) in zip(self.gates, gate_rows(self.gates), strict=True)
            ]
        lines += ["", f"**Published version:** {self.published_version or 'none (manifest unchanged)'}"]
        if self.links:
            lines += ["", "## Links", ""]
            lines += [f"- {name}: {_link(value)}" for name, value in self.links.items()]
        if self.browse_hint:
            lines += ["", f"Browse: `{self.browse_hint}`"]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """A literal "|" (e.g. "max|Δ|" in the parity summary) would split a table cell."""
    return text.replace("|", "\\|")


def _passed(gate: GateResult, label: str) -> str:
    """yes / **no** / **undecided (n=12)**: a gate that blocks promotion is in bold."""
    text = {"pass": "yes", "fail": "no"}.get(gate.verdict)
    text = label if text is None else text if gate.required else f"{text} (info)"
    return f"**{text}**" if gate.blocking else text


def _link(value: str) -> str:
    return f"[{value}]({value})" if value.startswith(("http://", "https://")) else f"`{value}`"


def registry_version_link(tracking_uri: str, name: str, version: str) -> str:
    """``<uri>/#/models/<name>/versions/<v>`` for an http(s) tracking server, else ``<name> v<version>``."""
    if tracking_uri.startswith(("http://", "https://")):
        return f"{tracking_uri.rstrip('/')}/#/models/{name}/versions/{version}"
    return f"{name} v{version}"


def mlflow_links(tracking_uri: str, training_run_id: str, evaluated: Any | None) -> tuple[dict[str, str], str | None]:
    """Links for the summary and, for a local store, the command that opens its UI."""
    from mlflow import MlflowClient

    links: dict[str, str] = {}
    try:
        experiment_id = MlflowClient(tracking_uri=tracking_uri).get_run(training_run_id).info.experiment_id
        links["MLflow training run"] = run_link(tracking_uri, experiment_id, training_run_id)
    except Exception:  # noqa: BLE001 - a link is worth less than the summary it sits in
        links["MLflow training run"] = training_run_id
    if evaluated is not None:
        links["MLflow evaluation run"] = evaluated.run_link
        links["Registry version"] = registry_version_link(tracking_uri, evaluated.registered_model, evaluated.version)
    hint = None
    if not tracking_uri.startswith(("http://", "https://")):
        hint = f"mlflow ui --backend-store-uri {tracking_uri} --port 5000"
    return links, hint


def _quality_rows(trained: Any) -> list[dict[str, Any]]:
    rows = []
    for model, metrics in (("encoder", trained.encoder_metrics), ("baseline", trained.baseline_metrics)):
        for slice_name, values in metrics.items():
            rows.append({"model": model, "slice": slice_name, **{k: float(values.get(k, float("nan"))) for k in (
                "spam_f1", "ham_fpr", "spam_precision", "spam_recall")}})
    return rows


def retrain_state(summary: RetrainSummary) -> RetrainSummary | State:
    """The flow's return value: the summary when a model was published (state Completed); otherwise a Completed
    state named Blocked (gates or parity failed) or AwaitingReview (passed, waiting for a reviewer) whose message is
    the reason, carrying the same summary as its result."""
    publish = summary.stage("publish")
    name = PUBLISH_STATUS_STATES.get(publish.status) if publish is not None else None
    if summary.published_version is not None or name is None:
        return summary
    return Completed(name=name, message=publish.summary, data=summary)


@flow(name="weekly-retrain", flow_run_name=run_name("weekly-retrain"), log_prints=True)
def weekly_retrain(config: SpamloopConfig = CONFIG_DEFAULTS) -> RetrainSummary | State:
    """Run the whole loop once: new reports in, a gated model out to phones.

    Re-running after a failure resumes (flows/resume.py): cached labels, a finished or checkpointed training
    run, its bundle and its evaluation are found again, and publishing is idempotent. Calling it returns the
    RetrainSummary; when nothing was published the run's final state is named Blocked or AwaitingReview, with
    the reason as its message (``return_state=True`` gives that state).

    Args:
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
    """
    config = resolve_config(config)
    tag_run("weekly")
    prepare_runtime(config)
    # Stage runs started from here carry "weekly"; the same flows started by hand carry their deployment's tags.
    # A worker's run writes library output to <state>/logs/ as the CLI does (spamloop/console.py).
    with tags("weekly"), run_log_of_deployment_run(config, "weekly-retrain"):
        summary = _run_stages(config)
        attach_run_log(config, summary)
    logger = get_run_logger()
    create_markdown_artifact(key="retrain-summary", markdown=summary.to_markdown(), description="Weekly retrain")
    for stage in summary.stages:
        logger.info("%s: %s — %s", stage.stage, stage.status, stage.summary)
    return retrain_state(summary)


def attach_run_log(config: SpamloopConfig, summary: RetrainSummary) -> None:
    """The run's log file (library output, spamloop/console.py) as an artifact of its MLflow training run."""
    run_log, trained = active_run_log(), summary.stage("train")
    if run_log is not None and trained is not None and trained.figures.get("run_id"):
        run_log.attach_to_mlflow(config.resolved_tracking_uri, str(trained.figures["run_id"]))


def _run_stages(config: SpamloopConfig) -> RetrainSummary:
    logger = get_run_logger()
    summary = RetrainSummary()

    stage_started("ingest")
    ingested = ingest(config=config)
    summary.add(
        "ingest",
        "completed",
        f"snapshot {ingested.snapshot_id}: read {ingested.read} = accepted {ingested.accepted} + "
        f"duplicate {ingested.duplicate} + quarantined {ingested.quarantined}",
        read=ingested.read, accepted=ingested.accepted, duplicate=ingested.duplicate, quarantined=ingested.quarantined,
    )

    stage_started("label")
    labelled = label(config=config)
    if labelled is None:
        summary.add("label", "skipped", "no snapshot to label")
    else:
        counts = labelled.summary()
        summary.add(
            "label",
            labelled.status,
            f"{labelled.message or labelled.status}: selected {counts['selected']}, decided {counts['decided']}, "
            f"review {counts['review_queued']}, {counts['requests']} requests, ${labelled.cost_usd:.4f}",
            cost_usd=labelled.cost_usd,
        )

    stage_started("train")
    trained = train(config=config)
    summary.quality = _quality_rows(trained)
    enc, base = trained.encoder_metrics.get("all", {}), trained.baseline_metrics.get("all", {})
    summary.add(
        "train",
        "completed",
        f"encoder F1 {enc.get('spam_f1', 0):.3f} / ham FPR {enc.get('ham_fpr', 0):.4f} vs baseline "
        f"F1 {base.get('spam_f1', 0):.3f} / ham FPR {base.get('ham_fpr', 0):.4f} (dev, {trained.n_train} train rows)",
        run_id=trained.run_id,
    )

    stage_started("export")
    exported = existing_bundle(config, trained.run_name, trained.run_id)
    if exported is not None:
        logger.info("bundle %s of this training run already exported: reusing it", exported.bundle_dir)
    else:
        gold = load_gold(config.evaluate.gold_version, config.evaluate.gold_dir)
        exported = export(
            model_dir=trained.model_dir,
            version=trained.run_name,
            threshold=trained.threshold,
            eval_texts=gold.frame["text"].to_list(),
            config=config,
            tokenizer_dir=trained.tokenizer_dir,
            max_seq_len=trained.max_seq_len,
            mlflow_run_id=trained.run_id,
            metrics={f"dev_{name}": float(value) for name, value in trained.encoder_metrics.get("all", {}).items()},
        )
    ondevice = None
    if exported.bundle_dir is not None:
        # The int8 file is what phones download; the gates judge its size and latency.
        ondevice = OndeviceReport(**ondevice_figures(exported.bundle_dir, TFLITE_INT8, exported.report.passed))
    summary.add(
        "export",
        "completed" if exported.bundle_dir is not None else "blocked",
        exported.report.summary(),
        bundle=str(exported.bundle_dir) if exported.bundle_dir else None,
    )

    stage_started("evaluate")
    evaluated = finished_evaluation(config, trained.run_name, trained.run_id)
    if evaluated is not None:
        logger.info("training run %s was already evaluated as version %s: reusing it", trained.run_id, evaluated.version)
    else:
        evaluated = evaluate(
            training_run_id=trained.run_id,
            candidate_model_uri=trained.model_uri,
            threshold=trained.threshold,
            ondevice=ondevice,
            config=config,
            baseline_model_uri=trained.baseline_model_uri or None,
            baseline_threshold=trained.baseline_threshold,
        )
        record_evaluation(config, trained.run_name, evaluated)
    summary.gold_metrics = {name: float(evaluated.metrics[name]) for name in GOLD_METRICS if name in evaluated.metrics}
    summary.gates = list(evaluated.gates)
    summary.links, summary.browse_hint = mlflow_links(config.resolved_tracking_uri, trained.run_id, evaluated)
    failed = ", ".join(g.name for g in evaluated.failed_gates)
    summary.add(
        "evaluate",
        evaluated.verdict,
        f"version {evaluated.version} on gold {evaluated.gold_version}: F1 {evaluated.metrics.get('spam_f1', 0):.3f}, "
        f"ham FPR {evaluated.metrics.get('ham_fpr', 0):.4f}" + (f"; failed gates: {failed}" if failed else ""),
        version=evaluated.version, run_link=evaluated.run_link,
    )

    stage_started("publish")
    promoted = evaluated.promoted
    if evaluated.verdict == "pass" and not promoted and evaluated.champion is None and config.evaluate.bootstrap_first_model:
        # Nothing is on phones yet, so there is no champion to protect: the first passing model ships.
        approve_version(
            ApprovalRequest(version=evaluated.version, comment="first model: no champion to protect", reviewer=BOOTSTRAP_REVIEWER),
            config=config,
        )
        promoted = True

    if not promoted:
        status = "blocked" if evaluated.verdict != "pass" else "awaiting-review"
        hint = (
            f"version {evaluated.version} failed {len(evaluated.failed_gates)} gate(s): {failed}"
            if evaluated.verdict != "pass"
            else f"version {evaluated.version} passed every gate and awaits review: "
            f"spamloop registry approve {evaluated.version} --comment '...'"
        )
        summary.add("publish", status, f"not published: {hint}")
    elif exported.bundle_dir is None:
        summary.add("publish", "blocked", "not published: the parity gate failed")
    else:
        manifest = publish(bundle_dir=exported.bundle_dir, config=config, report=exported.report)
        summary.published_version = manifest.version
        summary.add("publish", "completed", f"manifest -> {manifest.name} {manifest.version}", version=manifest.version)
    return summary


def print_summary(summary: RetrainSummary, console: Console) -> None:
    table = Table(title="weekly retrain")
    for column in ("stage", "status", "summary"):
        table.add_column(column)
    for stage in summary.stages:
        table.add_row(stage.stage, stage.status, stage.summary)
    console.print(table)
    if summary.quality:
        quality = Table(title="encoder vs TF-IDF baseline (dev, at each model's threshold)")
        for column in ("model", "slice", "spam F1", "ham FPR", "precision", "recall"):
            quality.add_column(column)
        for q in summary.quality:
            quality.add_row(
                q["model"], q["slice"], f"{q['spam_f1']:.4f}", f"{q['ham_fpr']:.4f}",
                f"{q['spam_precision']:.4f}", f"{q['spam_recall']:.4f}",
            )
        console.print(quality)
    if summary.gates:
        gates = Table(title="promotion gates (gold set; comparisons: difference candidate - reference)")
        for column in GATE_COLUMNS:
            gates.add_column(column, overflow="fold")  # on a narrow terminal wrap, never cut a figure or a name
        for gate, (name, value, interval, n, limit, verdict) in zip(summary.gates, gate_rows(summary.gates), strict=True):
            gates.add_row(name, value, interval, n, limit, _passed(gate, verdict).strip("*"))
        console.print(gates)
    console.print(f"published version: {summary.published_version or 'none (manifest unchanged)'}")
    for name, value in summary.links.items():
        console.print(f"{name}: {value}", soft_wrap=True)
    if summary.browse_hint:
        console.print(f"browse: {summary.browse_hint}", soft_wrap=True)

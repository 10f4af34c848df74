"""The weekly retrain's summary: what each stage did, as the Prefect artifact (Markdown) and the CLI tables (rich).

Plain Python (no Prefect): flows/retrain.py fills a RetrainSummary stage by stage and renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from spamloop.progress import stage_finished
from tasks.evaluate.gates import GateResult, gate_rows
from tasks.evaluate.pipeline import EvaluationResult, run_link

if TYPE_CHECKING:
    from tasks.export.pipeline import ExportResult
    from tasks.ingest.pipeline import IngestResult
    from tasks.label.plan import LabelingResult
    from tasks.publish.publish import Manifest
    from tasks.train.pipeline import TrainingResult

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

    # --- one recorder per stage: the line a person reads and the figures behind it -----------------------------

    def add_ingest(self, ingested: IngestResult) -> None:
        self.add(
            "ingest",
            "completed",
            f"snapshot {ingested.snapshot_id}: read {ingested.read} = accepted {ingested.accepted} + "
            f"duplicate {ingested.duplicate} + quarantined {ingested.quarantined}",
            read=ingested.read, accepted=ingested.accepted, duplicate=ingested.duplicate, quarantined=ingested.quarantined,
        )

    def add_label(self, labelled: LabelingResult | None) -> None:
        if labelled is None:
            self.add("label", "skipped", "no snapshot to label")
            return
        counts = labelled.summary()
        self.add(
            "label",
            labelled.status,
            f"{labelled.message or labelled.status}: selected {counts['selected']}, decided {counts['decided']}, "
            f"review {counts['review_queued']}, {counts['requests']} requests, ${labelled.cost_usd:.4f}",
            cost_usd=labelled.cost_usd,
        )

    def add_train(self, trained: TrainingResult) -> None:
        self.quality = quality_rows(trained)
        enc, base = trained.encoder_metrics.get("all", {}), trained.baseline_metrics.get("all", {})
        self.add(
            "train",
            "completed",
            f"encoder F1 {enc.get('spam_f1', 0):.3f} / ham FPR {enc.get('ham_fpr', 0):.4f} vs baseline "
            f"F1 {base.get('spam_f1', 0):.3f} / ham FPR {base.get('ham_fpr', 0):.4f} (dev, {trained.n_train} train rows)",
            run_id=trained.run_id,
        )

    def add_export(self, exported: ExportResult) -> None:
        self.add(
            "export",
            "completed" if exported.bundle_dir is not None else "blocked",
            exported.report.summary(),
            bundle=str(exported.bundle_dir) if exported.bundle_dir else None,
        )

    def add_evaluate(self, evaluated: EvaluationResult, tracking_uri: str, training_run_id: str) -> None:
        self.gold_metrics = {name: float(evaluated.metrics[name]) for name in GOLD_METRICS if name in evaluated.metrics}
        self.gates = list(evaluated.gates)
        self.links, self.browse_hint = mlflow_links(tracking_uri, training_run_id, evaluated)
        failed = ", ".join(g.name for g in evaluated.failed_gates)
        self.add(
            "evaluate",
            evaluated.verdict,
            f"version {evaluated.version} on gold {evaluated.gold_version}: F1 {evaluated.metrics.get('spam_f1', 0):.3f}, "
            f"ham FPR {evaluated.metrics.get('ham_fpr', 0):.4f}" + (f"; failed gates: {failed}" if failed else ""),
            version=evaluated.version, run_link=evaluated.run_link,
        )

    def add_publish(self, evaluated: EvaluationResult, manifest: Manifest | None) -> None:
        """Published, or why not: gates failed (blocked), awaiting a reviewer, or the parity gate failed (blocked)."""
        if not evaluated.promoted:
            status = "blocked" if evaluated.verdict != "pass" else "awaiting-review"
            failed = ", ".join(g.name for g in evaluated.failed_gates)
            hint = (
                f"version {evaluated.version} failed {len(evaluated.failed_gates)} gate(s): {failed}"
                if evaluated.verdict != "pass"
                else f"version {evaluated.version} passed every gate and awaits review: "
                f"spamloop registry approve {evaluated.version} --comment '...'"
            )
            self.add("publish", status, f"not published: {hint}")
        elif manifest is None:  # champion, but parity failed: no bundle to ship
            self.add("publish", "blocked", "not published: the parity gate failed")
        else:
            self.published_version = manifest.version
            self.add("publish", "completed", f"manifest -> {manifest.name} {manifest.version}", version=manifest.version)

    # --- rendering ------------------------------------------------------------------------------------------------

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


def mlflow_links(
    tracking_uri: str, training_run_id: str, evaluated: EvaluationResult | None
) -> tuple[dict[str, str], str | None]:
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


def quality_rows(trained: TrainingResult) -> list[dict[str, Any]]:
    """Encoder and baseline dev metrics, one row per (model, slice)."""
    rows = []
    for model, metrics in (("encoder", trained.encoder_metrics), ("baseline", trained.baseline_metrics)):
        for slice_name, values in metrics.items():
            rows.append({"model": model, "slice": slice_name, **{k: float(values.get(k, float("nan"))) for k in (
                "spam_f1", "ham_fpr", "spam_precision", "spam_recall")}})
    return rows


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

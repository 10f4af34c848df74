"""The weekly retrain: the whole loop as one Prefect flow; each stage is a subflow that also runs alone.

ingest -> label -> train -> export (candidate bundle + parity) -> evaluate (gates, registry) -> approval -> publish

Export runs before evaluate because the promotion gates include the on-device budget and parity.
Nothing reaches phones unless every gate passed and the champion alias moved to the candidate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from flows.evaluate import ApprovalRequest, approve_version, evaluate
from flows.export import export
from flows.ingest import ingest
from flows.label import label
from flows.publish import publish
from flows.train import train
from models.ondevice import TFLITE_INT8
from spamloop.config import SpamloopConfig, load_config
from spamloop.runtime import prepare_runtime
from tasks.evaluate.gates import OndeviceReport
from tasks.evaluate.gold import load_gold
from tasks.export.measure import ondevice_figures

BOOTSTRAP_REVIEWER = "spamloop-bootstrap"


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

    def add(self, stage: str, status: str, summary: str, **figures: Any) -> None:
        self.stages.append(StageOutcome(stage=stage, status=status, summary=summary, figures=figures))

    def to_markdown(self) -> str:
        lines = ["# Weekly retrain", "", "| stage | status | summary |", "|---|---|---|"]
        lines += [f"| {s.stage} | {s.status} | {s.summary} |" for s in self.stages]
        if self.quality:
            lines += ["", "## Encoder vs baseline (dev, at each model's threshold)", ""]
            lines += ["| model | slice | spam F1 | ham FPR | precision | recall |", "|---|---|---|---|---|---|"]
            lines += [
                f"| {q['model']} | {q['slice']} | {q['spam_f1']:.4f} | {q['ham_fpr']:.4f} | "
                f"{q['spam_precision']:.4f} | {q['spam_recall']:.4f} |"
                for q in self.quality
            ]
        return "\n".join(lines) + "\n"


def _run_name() -> str:
    return f"weekly-retrain-{datetime.now(ZoneInfo('Asia/Seoul')):%Y%m%d-%H%M}"


def _quality_rows(trained: Any) -> list[dict[str, Any]]:
    rows = []
    for model, metrics in (("encoder", trained.encoder_metrics), ("baseline", trained.baseline_metrics)):
        for slice_name, values in metrics.items():
            rows.append({"model": model, "slice": slice_name, **{k: float(values.get(k, float("nan"))) for k in (
                "spam_f1", "ham_fpr", "spam_precision", "spam_recall")}})
    return rows


@flow(name="weekly-retrain", flow_run_name=_run_name, log_prints=True)
def weekly_retrain(config: SpamloopConfig | None = None) -> RetrainSummary:
    """Run the whole loop once: new reports in, a gated model out to phones."""
    config = config or load_config()
    prepare_runtime(config)
    logger = get_run_logger()
    summary = RetrainSummary()

    ingested = ingest(config=config)
    summary.add(
        "ingest",
        "completed",
        f"snapshot {ingested.snapshot_id}: read {ingested.read} = accepted {ingested.accepted} + "
        f"duplicate {ingested.duplicate} + quarantined {ingested.quarantined}",
        read=ingested.read, accepted=ingested.accepted, duplicate=ingested.duplicate, quarantined=ingested.quarantined,
    )

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

    evaluated = evaluate(
        training_run_id=trained.run_id,
        candidate_model_uri=trained.model_uri,
        threshold=trained.threshold,
        ondevice=ondevice,
        config=config,
        baseline_model_uri=trained.baseline_model_uri or None,
        baseline_threshold=trained.baseline_threshold,
    )
    failed = ", ".join(g.name for g in evaluated.failed_gates)
    summary.add(
        "evaluate",
        evaluated.verdict,
        f"version {evaluated.version} on gold {evaluated.gold_version}: F1 {evaluated.metrics.get('spam_f1', 0):.3f}, "
        f"ham FPR {evaluated.metrics.get('ham_fpr', 0):.4f}" + (f"; failed gates: {failed}" if failed else ""),
        version=evaluated.version, run_link=evaluated.run_link,
    )

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
            f"gates failed ({failed})"
            if evaluated.verdict != "pass"
            else f"approve with: spamloop registry approve {evaluated.version} --comment '...'"
        )
        summary.add("publish", status, f"not published: {hint}")
    elif exported.bundle_dir is None:
        summary.add("publish", "blocked", "not published: the parity gate failed")
    else:
        manifest = publish(bundle_dir=exported.bundle_dir, config=config, report=exported.report)
        summary.published_version = manifest.version
        summary.add("publish", "completed", f"manifest -> {manifest.name} {manifest.version}", version=manifest.version)

    create_markdown_artifact(key="retrain-summary", markdown=summary.to_markdown(), description="Weekly retrain")
    for stage in summary.stages:
        logger.info("%s: %s — %s", stage.stage, stage.status, stage.summary)
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

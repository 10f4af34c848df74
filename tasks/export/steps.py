"""Prefect task wrappers of the export stage. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from pathlib import Path
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from models.candidate import Candidate
from models.parity import ParityReport
from spamloop.settings.export import ExportConfig
from tasks.export.pipeline import ExportResult, export_bundle
from tasks.export.tracking import log_export_to_mlflow


def parity_markdown(version: str, report: ParityReport) -> str:
    """The parity report as a Markdown table for the Prefect UI."""
    lines = [
        f"# Export {version}: parity {'PASS' if report.passed else 'FAIL'}",
        "",
        f"{report.texts} texts, threshold {report.threshold}, tokenizer mismatches {report.tokenization_mismatches}",
        "",
        "| file | passed | max abs diff | label agreement | note |",
        "|---|---|---|---|---|",
    ]
    for item in report.files:
        diff = "" if item.max_abs_diff is None else f"{item.max_abs_diff:.2e}"
        agreement = "" if item.label_agreement is None else f"{item.label_agreement:.4f}"
        lines.append(f"| {item.file} | {item.passed} | {diff} | {agreement} | {item.skipped or '; '.join(item.problems)} |")
    if report.reasons:
        lines += ["", "Reasons:", *(f"- {reason}" for reason in report.reasons)]
    return "\n".join(lines) + "\n"


# No retries: conversion is deterministic, a retry would fail the same way (and the version folder is immutable).
@task(name="export-bundle", cache_policy=NO_CACHE)
def export_bundle_task(
    candidate: Candidate, eval_texts: list[str], out_root: Path, export_config: ExportConfig
) -> ExportResult:
    result = export_bundle(candidate, eval_texts, out_root, export_config)
    version = result.version
    logger = get_run_logger()
    logger.info("export %s in %.0f s: %s", version, result.seconds, result.report.summary())
    create_markdown_artifact(key="export-parity", markdown=parity_markdown(version, result.report),
                             description=f"parity of {version}")
    return result


@task(name="export-log-mlflow", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def log_export_task(tracking_uri: str, run_id: str, result: ExportResult) -> None:
    """Attach the export's parity figures, file sizes, bundle.json and report to the training run."""
    sizes: dict[str, int] = {}
    if result.bundle_dir is not None and result.index is not None:
        for kind, name in result.index["models"].items():
            path = result.bundle_dir / name
            files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            sizes[kind] = sum(p.stat().st_size for p in files)
    log_export_to_mlflow(tracking_uri, run_id, result.report, result.bundle_dir, sizes)

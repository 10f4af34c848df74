"""The parity report: what the export stage's parity gate found, and the rule that no failed report ships.

Export writes it (tasks/export/parity.py compares the exported files with PyTorch), the bundle and MLflow carry
it, and publish refuses a bundle whose report failed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

FileKind = Literal["tflite_fp32", "tflite_int8", "coreml_fp16"]


class FileParity(BaseModel):
    """Parity figures of one exported file."""

    file: str = Field(description="File name inside the bundle.")
    kind: FileKind = Field(description="Which export this is.")
    passed: bool = Field(description="Whether this file meets its gate (a skipped check counts as passed).")
    max_abs_diff: float | None = Field(default=None, description="Largest |Δ spam probability| vs PyTorch.")
    mean_abs_diff: float | None = Field(default=None, description="Mean |Δ spam probability| vs PyTorch.")
    label_agreement: float | None = Field(default=None, description="Share of texts with PyTorch's label at the threshold.")
    runs: int = Field(default=0, description="Interpreter invocations (texts x signatures that fit).")
    skipped: str | None = Field(default=None, description="Why a numeric check did not run (e.g. needs macOS).")
    problems: list[str] = Field(default_factory=list, description="Interface or numeric problems found.")


class ParityReport(BaseModel):
    """Outcome of the parity gate; export/publish refuse a report with passed=False."""

    passed: bool = Field(description="True only if every file and the tokenizer check passed.")
    reasons: list[str] = Field(default_factory=list, description="Why it failed (empty when it passed).")
    texts: int = Field(description="Evaluation texts compared.")
    threshold: float = Field(description="Operating threshold used for label agreement.")
    tokenization_mismatches: int = Field(description="Texts whose on-device token ids differ from the HF tokenizer's.")
    files: list[FileParity] = Field(default_factory=list, description="Per exported file.")
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(), description="UTC time of the check.")

    def summary(self) -> str:
        parts = [f"{'PASS' if self.passed else 'FAIL'} on {self.texts} texts"]
        for item in self.files:
            if item.skipped:
                parts.append(f"{item.kind}: skipped ({item.skipped.split(':')[0]})")
            else:
                agreement = f", agreement {item.label_agreement:.4f}" if item.label_agreement is not None else ""
                parts.append(f"{item.kind}: max|Δ| {item.max_abs_diff:.2e}{agreement}")
        return "; ".join(parts) + ("" if self.passed else " — " + "; ".join(self.reasons))


class ParityGateError(RuntimeError):
    """Raised when something tries to ship a version whose parity report failed."""

    def __init__(self, report: ParityReport) -> None:
        super().__init__("parity gate failed: " + "; ".join(report.reasons))
        self.report = report


def require_passed(report: ParityReport) -> None:
    """Raise ParityGateError unless the report passed."""
    if not report.passed:
        raise ParityGateError(report)


def build_report(
    texts: int, threshold: float, tokenization_mismatches: int, files: list[FileParity]
) -> ParityReport:
    """Combine per-file results into the gate decision."""
    reasons: list[str] = []
    if texts == 0:
        reasons.append("no evaluation texts: parity cannot be shown")
    if tokenization_mismatches:
        reasons.append(f"on-device tokenizer differs from the HF tokenizer on {tokenization_mismatches} texts")
    for item in files:
        reasons.extend(item.problems)
    if not any(item.kind == "tflite_fp32" for item in files):
        reasons.append("no fp32 .tflite was checked")
    return ParityReport(
        passed=not reasons,
        reasons=reasons,
        texts=texts,
        threshold=threshold,
        tokenization_mismatches=tokenization_mismatches,
        files=files,
    )

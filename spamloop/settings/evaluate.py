"""Settings of the evaluate stage: the gold set, the promotion gates and how the champion moves.

Every gate is configurable and can be switched off by leaving its limit empty (None). See docs/evaluation.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from spamloop.settings import SettingsSection


class SliceFloor(SettingsSection):
    """One limit on one metric of one slice of the gold set, e.g. smishing spam_recall >= 0.85."""

    slice: str = Field(description="Slice name (see tasks/evaluate/metrics.py::SLICES), e.g. 'lang_ko' or 'smishing'.")
    metric: Literal["spam_precision", "spam_recall", "spam_f1", "ham_fpr", "pr_auc"] = Field(
        description="Metric of the slice the limit applies to."
    )
    minimum: float | None = Field(default=None, ge=0, le=1, description="The metric must be >= this (None: no floor).")
    maximum: float | None = Field(default=None, ge=0, le=1, description="The metric must be <= this (None: no cap).")
    required: bool = Field(
        default=True,
        description="A required limit that fails, or cannot be decided (too few rows), blocks promotion; an "
        "informational one (false) is reported with its verdict and never blocks.",
    )

    @model_validator(mode="after")
    def _one_bound(self) -> SliceFloor:
        # One bound per entry keeps gate names (slice_<slice>_<metric>) unique and readable.
        if (self.minimum is None) == (self.maximum is None):
            raise ValueError(f"slice floor {self.slice}/{self.metric}: give exactly one of minimum or maximum")
        return self


def default_slice_floors() -> list[SliceFloor]:
    """Per-slice limits for the slices that matter most on a phone: Korean, links, smishing, transactional ham."""
    return [
        SliceFloor(slice="lang_ko", metric="spam_recall", minimum=0.80),
        SliceFloor(slice="lang_ko", metric="ham_fpr", maximum=0.02),
        SliceFloor(slice="lang_en", metric="spam_recall", minimum=0.75),
        SliceFloor(slice="lang_en", metric="ham_fpr", maximum=0.02),
        SliceFloor(slice="has_url", metric="spam_recall", minimum=0.80),
        SliceFloor(slice="smishing", metric="spam_recall", minimum=0.85),
        SliceFloor(slice="advertising", metric="spam_recall", minimum=0.70),
        SliceFloor(slice="transactional_ham", metric="ham_fpr", maximum=0.03),
        SliceFloor(slice="obfuscated", metric="spam_recall", minimum=0.60),
    ]


class EvaluateConfig(SettingsSection):
    """Gold set, gate thresholds, registry names and the promotion policy of the evaluate stage."""

    gold_version: str = Field(default="v2", description="Gold set version evaluated against (data/gold/gold-<v>.parquet).")
    gold_dir: Path = Field(default=Path("data/gold"), description="Folder holding the versioned gold set files.")
    registered_model_name: str = Field(
        default="spamloop-sms-spam", description="MLflow registered model that every candidate becomes a version of."
    )
    predict_batch_size: int = Field(default=512, ge=1, description="Texts per predict() call when scoring the gold set.")

    # Absolute floors on the whole gold set (None switches a floor off).
    min_spam_f1: float | None = Field(default=0.85, ge=0, le=1, description="Spam F1 on the gold set must be >= this.")
    min_spam_precision: float | None = Field(
        default=0.90, ge=0, le=1, description="Spam precision on the gold set must be >= this."
    )
    min_spam_recall: float | None = Field(default=0.75, ge=0, le=1, description="Spam recall on the gold set must be >= this.")
    max_ham_fpr: float | None = Field(
        default=0.01, ge=0, le=1, description="Ham false-positive rate on the gold set must be <= this (a blocked friend costs most)."
    )
    min_pr_auc: float | None = Field(default=0.90, ge=0, le=1, description="Spam PR-AUC (average precision) must be >= this.")

    # No regression against the current champion (the version behind alias 'champion').
    max_f1_drop: float | None = Field(
        default=0.01, ge=0, le=1, description="Candidate spam F1 may be at most this much below the champion's on the same gold set."
    )
    max_pr_auc_drop: float | None = Field(
        default=0.01, ge=0, le=1, description="Candidate PR-AUC may be at most this much below the champion's."
    )
    max_ham_fpr_increase: float | None = Field(
        default=0.002, ge=0, le=1, description="Candidate ham FPR may be at most this much above the champion's."
    )

    slice_floors: list[SliceFloor] = Field(
        default_factory=default_slice_floors, description="Limits on metrics of gold-set slices (language, URL, category...)."
    )
    min_slice_rows: int = Field(
        default=20,
        ge=1,
        description="A slice limit is 'undecided (n=...)' when the slice has fewer rows of the class its metric needs "
        "(spam for recall/precision/F1, ham for FPR, the smaller class for PR-AUC): too few to judge. An undecided "
        "required limit blocks promotion.",
    )

    # Confidence intervals (docs/evaluation.md, "Gate semantics").
    bootstrap_resamples: int = Field(
        default=2000,
        ge=1000,
        description="Resamples of the stratified (language x class) bootstrap over gold messages behind every interval.",
    )
    bootstrap_seed: int = Field(default=20240607, description="Seed of the bootstrap: the same resamples every run.")

    # Behavioural tests (pass rates in [0, 1]).
    min_invariance_pass_rate: float | None = Field(
        default=0.95, ge=0, le=1, description="Share of perturbation groups (phone/name/amount/date changed) whose label must not flip."
    )
    min_directional_pass_rate: float | None = Field(
        default=0.80, ge=0, le=1, description="Share of cases where adding a phishing-style URL must raise the spam score."
    )
    min_functionality_pass_rate: float | None = Field(
        default=0.90, ge=0, le=1, description="Share of canonical spam / transactional ham cases that must be labelled right."
    )
    behavioural_seed: int = Field(default=7, description="Seed of the perturbation generator (same cases every run).")

    # On-device budget, judged from the export stage's optional report.
    max_model_bytes: int | None = Field(
        default=8_000_000, ge=1, description="Largest on-device model file (bytes) that may ship."
    )
    max_p50_latency_ms: float | None = Field(
        default=20.0, gt=0, description="Highest median on-device inference latency (ms) that may ship."
    )
    require_parity: bool = Field(
        default=True, description="The exported model must have passed the parity check against the trained one."
    )
    require_ondevice_report: bool = Field(
        default=False,
        description="If true a missing on-device report fails the on-device gates; if false they read 'not evaluated'.",
    )

    beat_baseline_scopes: list[str] = Field(
        default_factory=lambda: ["all", "lang_en", "real"],
        description="Gold scopes ('all' or a slice name) where the candidate must beat the TF-IDF baseline by spam F1 "
        "and by ham FPR. lang_en and real are real data end to end (Korean spam in the bundle is synthetic; real adds "
        "the real Korean ham). Empty disables.",
    )
    bootstrap_first_model: bool = Field(
        default=True,
        description="When no champion exists yet, the weekly retrain promotes the first candidate that passes every "
        "gate (there is nothing on phones to protect); later candidates follow auto_promote / reviewer approval.",
    )
    auto_promote: bool = Field(
        default=False,
        description="Move the 'champion' alias as soon as every gate passes; false means a reviewer must approve "
        "(spamloop registry approve VERSION --comment ...).",
    )

"""Settings of the export stage (TFLite / Core ML / parity gate / bundle) and the publish stage (S3 or file store)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from spamloop.settings import SettingsSection


class ExportConfig(SettingsSection):
    """How a trained encoder becomes an on-device bundle, and what parity it must show first."""

    model_name: str = Field(
        default="spam-encoder",
        pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$",
        description="Name of the on-device model; becomes models/<name>/ in the published store.",
    )
    seq_lengths: list[int] = Field(
        default_factory=lambda: [64],
        description="Fixed sequence lengths, one TFLite signature each (seq_<n>); those above max_seq_len are dropped. "
        "Every signature is a full copy of the graph in the file (~75 KB int8 for tiny), so the default is one: "
        "the app pads each message to max_seq_len.",
    )
    int8: bool = Field(default=True, description="Also write a dynamic-range int8 .tflite (ai-edge-quantizer).")
    int8_embedding_scales: Literal["per_row", "per_tensor"] = Field(
        default="per_tensor",
        description="int8 scales of the embedding tables (WordPiece and n-gram lookups): per_tensor (one per table) or "
        "per_row (ai-edge-quantizer's default, about 12 extra bytes per row: +0.2 MB for a 2^14-row n-gram table). "
        "Other weights stay per channel. The parity gate checks the int8 labels either way.",
    )
    coreml: bool = Field(default=True, description="Also write a Core ML .mlpackage (mlprogram, iOS 16+).")
    coreml_fp16: bool = Field(default=True, description="Core ML compute precision fp16 (else fp32).")
    fp32_max_abs_diff: float = Field(
        default=1e-4, gt=0, description="Parity gate: largest allowed |Δ spam probability| of fp32 TFLite vs PyTorch."
    )
    int8_min_agreement: float = Field(
        default=0.995, gt=0, le=1, description="Parity gate: least share of texts whose int8 label equals PyTorch's."
    )
    coreml_max_abs_diff: float = Field(
        default=5e-3, gt=0, description="Parity gate (macOS only): largest allowed |Δ| of fp16 Core ML vs PyTorch."
    )
    embed_tflite_metadata: bool = Field(
        default=True, description="Embed labels, tokenizer settings and vocab as TFLite metadata entries."
    )
    min_app_version: str | None = Field(
        default=None, description="Lowest app version that can run this bundle; copied into bundle and manifest."
    )

    @field_validator("seq_lengths")
    @classmethod
    def _sorted_positive(cls, value: list[int]) -> list[int]:
        if not value or any(length < 8 or length > 512 for length in value):
            raise ValueError("seq_lengths must be a non-empty list of lengths in [8, 512]")
        return sorted(set(value))


class PublishConfig(SettingsSection):
    """Where bundles are published and how the app reaches them."""

    target: str | None = Field(
        default=None,
        description=(
            "s3://bucket/prefix (uses SpamloopConfig.s3 for endpoint and credentials) or file:///abs/folder; "
            "empty means a file store at <state_dir>/published (no cloud account needed)."
        ),
    )
    url_mode: Literal["presigned", "public"] = Field(
        default="presigned",
        description="presigned: manifest lists time-limited GET URLs; public: public_base_url + key (public-read bucket).",
    )
    presign_expiry_s: int = Field(
        default=7 * 24 * 3600, ge=60, le=7 * 24 * 3600, description="Lifetime of presigned URLs (S3 caps it at 7 days)."
    )
    public_base_url: str | None = Field(
        default=None, description="Base URL the app uses for url_mode=public, e.g. https://cdn.example.com/spam."
    )
    manifest_name: str = Field(default="manifest.json", description="Object name of the pointer the app reads.")
    lock_timeout_s: float = Field(
        default=30.0, gt=0, description="File store only: how long to wait for the manifest lock file."
    )

"""The hand-off from training to export and evaluate: one trained model, with what those stages need of it.

The weekly retrain takes it from the training run (``TrainingResult.candidate``); run by hand (the CLI, the Prefect
form) it is filled in from what the operator knows: export needs ``name``, ``model_dir`` and ``threshold``, evaluate
needs ``run_id`` and ``model_uri``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class Candidate(BaseModel):
    """A trained model on its way to phones: what export and evaluate read of its training run."""

    name: str | None = Field(
        default=None,
        description="Training run name: the bundle version export writes (<state>/exports/<name>, which must not "
        "exist yet) and the key a re-run of the weekly retrain finds its results by.",
    )
    run_id: str | None = Field(
        default=None,
        description="MLflow run that trained it: evaluate reads its lineage (and recorded threshold); export attaches "
        "its figures to it and records it in bundle.json. Empty for a model trained elsewhere (export only).",
    )
    model_dir: Path | None = Field(
        default=None,
        description="Local folder of the trained classifier (save_pretrained layout, e.g. <state>/runs/<run>/model); "
        "export converts it.",
    )
    tokenizer_dir: Path | None = Field(default=None, description="Tokenizer folder when it differs from model_dir.")
    model_uri: str | None = Field(
        default=None,
        description="MLflow URI of its pyfunc model (raw texts in, spam probabilities out); evaluate scores it.",
    )
    threshold: float | None = Field(
        default=None,
        description="Operating threshold: spam iff probability >= threshold. Export needs it; for evaluate empty "
        "means the one the training run recorded.",
    )
    max_seq_len: int | None = Field(
        default=None,
        description="Tokens per message it was trained with; empty means export's largest configured length.",
    )
    baseline_model_uri: str | None = Field(
        default=None, description="The TF-IDF baseline of the same training run, for the beat-the-baseline gates."
    )
    baseline_threshold: float | None = Field(
        default=None, description="The baseline's own operating threshold; empty means ``threshold``."
    )
    registry_version: str | None = Field(
        default=None, description="Registered model version to record in bundle.json, if already known."
    )
    metrics: dict[str, float] = Field(
        default_factory=dict, description="Headline metrics (e.g. dev_spam_f1) export copies into bundle.json."
    )

    def require(self, stage: str, *fields: str) -> None:
        """Raise a ValueError naming the fields ``stage`` needs that this candidate leaves empty."""
        missing = [name for name in fields if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{stage} needs the candidate's {', '.join(missing)}; got {self.model_dump(exclude_none=True)}")

"""One typed configuration for spamloop.

Values come from, lowest to highest precedence: field defaults, a YAML file
(``SPAMLOOP_CONFIG_FILE`` or ``./spamloop.yaml``), environment variables
(``SPAMLOOP_`` prefix, ``__`` between nested names, e.g. ``SPAMLOOP_INGEST__SOURCE``),
then explicit keyword arguments. The same object feeds the CLI, the Prefect
flow parameters and the tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

from spamloop.settings.evaluate import EvaluateConfig
from spamloop.settings.export import ExportConfig, PublishConfig
from spamloop.settings.ingest import IngestConfig
from spamloop.settings.label import LabelConfig
from spamloop.settings.orchestration import OrchestrationConfig
from spamloop.settings.storage import S3Config
from spamloop.settings.train import TrainConfig

DEFAULT_CONFIG_FILE = "spamloop.yaml"


def _config_file() -> Path:
    return Path(os.environ.get("SPAMLOOP_CONFIG_FILE", DEFAULT_CONFIG_FILE))


class StatePaths(BaseModel):
    """Every local folder spamloop writes, all under one state folder."""

    root: Path

    @property
    def prefect_home(self) -> Path:
        return self.root / "prefect"

    @property
    def mlflow_dir(self) -> Path:
        return self.root / "mlflow"

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def snapshots(self) -> Path:
        return self.root / "snapshots"

    @property
    def ingest_ledger(self) -> Path:
        return self.root / "ingest" / "ledger.jsonl"

    @property
    def labels(self) -> Path:
        return self.root / "labels"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"


class SpamloopConfig(BaseSettings):
    """Settings for the whole loop."""

    model_config = SettingsConfigDict(
        env_prefix="SPAMLOOP_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    state_dir: Path = Field(
        default=Path(".spamloop"), description="Folder holding all local state: corpus, labels, MLflow, Prefect."
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking URI; empty means SQLite at <state_dir>/mlflow/mlflow.db.",
    )
    mlflow_experiment: str = Field(default="spamloop", description="MLflow experiment that every run is logged to.")
    seed: int = Field(default=13, description="Seed for every random choice (splits, sampling, training).")
    seed_dir: Path | None = Field(
        default=None,
        description="Folder of the labelled seed corpora (*.tsv) that train every model and label known messages; "
        "empty means the bundled data/seed. The loop replay points it at a copy without the subtypes it introduces.",
    )
    ingest: IngestConfig = Field(default_factory=IngestConfig, description="Ingest stage settings.")
    s3: S3Config = Field(default_factory=S3Config, description="S3-compatible storage for s3:// sources and publishing.")
    label: LabelConfig = Field(default_factory=LabelConfig, description="Label stage: LLM providers, batching, budget.")
    train: TrainConfig = Field(default_factory=TrainConfig, description="Train stage: encoder preset, tokenizer, baseline.")
    evaluate: EvaluateConfig = Field(
        default_factory=EvaluateConfig, description="Evaluate stage: gold set, promotion gates, registry."
    )
    export: ExportConfig = Field(default_factory=ExportConfig, description="Export stage: TFLite/Core ML and parity.")
    publish: PublishConfig = Field(default_factory=PublishConfig, description="Publish stage: object store and manifest.")
    orchestration: OrchestrationConfig = Field(
        default_factory=OrchestrationConfig, description="Where parallel tasks run: threads or a Dask cluster."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=_config_file())
        return (init_settings, env_settings, yaml_source)

    @property
    def paths(self) -> StatePaths:
        return StatePaths(root=self.state_dir)

    @property
    def resolved_tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.paths.mlflow_dir / 'mlflow.db').resolve()}"


def load_config(**overrides: Any) -> SpamloopConfig:
    """Build the config from defaults, YAML, environment and ``overrides`` (highest)."""
    return SpamloopConfig(**overrides)

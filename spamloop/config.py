"""One typed configuration for spamloop.

Values come from, lowest to highest precedence: field defaults, a YAML file
(``SPAMLOOP_CONFIG_FILE`` or ``./spamloop.yaml``), environment variables
(``SPAMLOOP_`` prefix, ``__`` between nested names, e.g. ``SPAMLOOP_INGEST__SOURCE``),
then explicit keyword arguments. The same object feeds the CLI, the Prefect
flow parameters and the tests.

Keyword values are a run's own settings (a flow's ``config`` parameter, the Prefect run form), and only what
they SET counts: a value equal to the field's class default (a null where the default is null, as for the
tracking URI, the S3 endpoint and keys or the publish target) means "not set here", exactly as an omitted field
does, so the worker's environment and YAML decide. The Prefect form shows every default and sends an untouched
field back as it showed it, nulls included; without this rule an untouched form would override the worker's
``SPAMLOOP_*`` settings with defaults (docs/operations.md, "Parameters of a run"). A null where the default is
a number (a gate limit, the label budget) differs from it: that is the documented "switched off".
The CLI's ``--set`` is exact instead (``SpamloopConfig.exactly``): what you type is what you get.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

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


# True while SpamloopConfig.exactly() validates: keyword values are then taken as given (nulls and defaults too).
_EXACT_VALUES: ContextVar[bool] = ContextVar("spamloop_exact_config_values", default=False)


def _section_type(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _equals_default(field: FieldInfo, value: Any) -> bool:
    """Whether ``value``, validated as the field's type, is the field's class default (a form's untouched value)."""
    default = field.get_default(call_default_factory=True)
    try:
        return TypeAdapter(field.annotation).validate_python(value) == default
    except (ValidationError, TypeError, ValueError):
        return False  # not even valid: kept, so validation names it


def explicitly_set(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without what does not set anything: values equal to the class default (nulls where the default is
    null) and null sections, recursively through config sections (not into lists: a list is compared whole).
    Unknown keys are kept, so a misspelt key is still an error naming its path."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        field = model.model_fields.get(key)
        section = _section_type(field) if field is not None else None
        if field is None:
            kept[key] = value
        elif section is not None and value is None:
            continue
        elif section is not None and isinstance(value, Mapping):
            nested = explicitly_set(section, value)
            if nested:
                kept[key] = nested
        elif not _equals_default(field, value):
            kept[key] = value
    return kept


class _ExplicitInitSource(InitSettingsSource):
    """Keyword arguments with the "not set here" values removed (see the module docstring)."""

    def __init__(self, settings_cls: type[BaseSettings], init_kwargs: dict[str, Any]) -> None:
        if not _EXACT_VALUES.get():
            init_kwargs = explicitly_set(settings_cls, init_kwargs)
        super().__init__(settings_cls, init_kwargs)


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
        explicit = _ExplicitInitSource(settings_cls, dict(getattr(init_settings, "init_kwargs", {})))
        return (explicit, env_settings, yaml_source)

    @classmethod
    def exactly(cls, values: Mapping[str, Any]) -> SpamloopConfig:
        """Validate ``values`` taking every one as given, nulls and defaults included (the CLI's ``--set``);
        what they leave out still comes from the environment, YAML and defaults."""
        with _exact_values():
            return cls.model_validate(dict(values))

    @classmethod
    def form_defaults(cls) -> SpamloopConfig:
        """The class defaults, nothing read from the environment or YAML: what the Prefect form shows and a flow's
        ``config`` parameter defaults to (``resolve_config`` turns it into the worker's effective config)."""
        return cls.model_construct()

    @property
    def paths(self) -> StatePaths:
        return StatePaths(root=self.state_dir)

    @property
    def resolved_tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.paths.mlflow_dir / 'mlflow.db').resolve()}"


@contextmanager
def _exact_values() -> Iterator[None]:
    token = _EXACT_VALUES.set(True)
    try:
        yield
    finally:
        _EXACT_VALUES.reset(token)


def load_config(**overrides: Any) -> SpamloopConfig:
    """Build the config from defaults, YAML, environment and ``overrides`` (highest; nulls and values equal to the
    class default in them mean "not set here")."""
    return SpamloopConfig(**overrides)


def resolve_config(config: SpamloopConfig | None) -> SpamloopConfig:
    """A flow's effective config: the parameter as validated (its set values over environment, YAML and defaults),
    or, when the run gave none (the parameter's default, ``SpamloopConfig.form_defaults()``, nothing set by any
    source), the environment's and YAML's config."""
    if config is None or not config.model_fields_set:
        return load_config()
    return config


# The default of every flow's ``config`` parameter: the Prefect form shows these values (lists with their items)
# and ``resolve_config`` replaces them with the worker's effective config when a run sets nothing.
CONFIG_DEFAULTS = SpamloopConfig.form_defaults()

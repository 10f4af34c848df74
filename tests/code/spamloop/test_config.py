from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel, ValidationError

from spamloop.config import SpamloopConfig, load_config
from spamloop.settings.train import TrainConfig


def _walk_models(model: type[BaseModel], seen: set[type]) -> list[tuple[str, str]]:
    missing = []
    if model in seen:
        return missing
    seen.add(model)
    for name, field in model.model_fields.items():
        if not field.description:
            missing.append((model.__name__, name))
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", ()) + (annotation,):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                missing += _walk_models(candidate, seen)
    return missing


def test_every_field_has_a_description():
    assert _walk_models(SpamloopConfig, set()) == []


def test_precedence_defaults_yaml_env_init(tmp_path, monkeypatch):
    assert load_config().ingest.batch_rows == 50_000

    config_file = tmp_path / "spamloop.yaml"
    config_file.write_text("ingest:\n  batch_rows: 2000\n  max_text_chars: 500\nseed: 7\n")
    monkeypatch.setenv("SPAMLOOP_CONFIG_FILE", str(config_file))
    from_yaml = load_config()
    assert (from_yaml.ingest.batch_rows, from_yaml.ingest.max_text_chars, from_yaml.seed) == (2000, 500, 7)

    monkeypatch.setenv("SPAMLOOP_INGEST__BATCH_ROWS", "3000")
    from_env = load_config()
    assert from_env.ingest.batch_rows == 3000
    assert from_env.ingest.max_text_chars == 500  # env overrides one field, YAML keeps the rest

    assert load_config(seed=99).seed == 99


def test_bad_values_are_rejected_with_the_field_name():
    with pytest.raises(ValidationError, match="batch_rows"):
        load_config(ingest={"batch_rows": 3})
    with pytest.raises(ValidationError, match="no_such_field"):
        load_config(no_such_field=1)


SECTIONS = [
    name
    for name, field in SpamloopConfig.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
]


@pytest.mark.parametrize("section", SECTIONS)
def test_a_misspelt_key_in_any_section_is_an_error_not_a_silent_default(section, monkeypatch, tmp_path):
    with pytest.raises(ValidationError, match=f"{section}.no_such_field"):
        load_config(**{section: {"no_such_field": 1}})
    # The same from a YAML file, as a weekly run on a server is configured.
    config_file = tmp_path / "spamloop.yaml"
    config_file.write_text(f"{section}:\n  no_such_field: 1\n")
    monkeypatch.setenv("SPAMLOOP_CONFIG_FILE", str(config_file))
    with pytest.raises(ValidationError, match="no_such_field"):
        load_config()


def test_an_empty_learning_rate_means_the_one_measured_for_the_model():
    assert TrainConfig().learning_rate is None
    assert TrainConfig().effective_learning_rate == 1e-3
    assert TrainConfig(preset="mini").effective_learning_rate == 3e-4
    assert TrainConfig(base_model="models/kcbert-local").effective_learning_rate == 5e-5
    assert TrainConfig(preset="mini", learning_rate=2e-4).effective_learning_rate == 2e-4
    with pytest.raises(ValidationError, match="learning_rate"):
        TrainConfig(learning_rate=0)


def test_every_preset_has_a_measured_learning_rate():
    from models.encoder import PRESETS
    from spamloop.settings.train import PRESET_LEARNING_RATES

    assert set(PRESET_LEARNING_RATES) == set(PRESETS) == set(get_args(TrainConfig.model_fields["preset"].annotation))


def test_state_paths_live_under_one_folder(tmp_path):
    config = load_config(state_dir=tmp_path / "s")
    paths = config.paths
    for folder in (paths.prefect_home, paths.mlflow_dir, paths.corpus, paths.quarantine, paths.snapshots, paths.labels):
        assert Path(folder).is_relative_to(tmp_path / "s")
    assert config.resolved_tracking_uri == f"sqlite:///{(tmp_path / 's' / 'mlflow' / 'mlflow.db').resolve()}"


def test_secrets_are_masked_in_dumps(monkeypatch):
    monkeypatch.setenv("SPAMLOOP_S3__SECRET_ACCESS_KEY", "super-secret-value")
    config = load_config()
    assert config.s3.secret_access_key.get_secret_value() == "super-secret-value"
    assert "super-secret-value" not in config.model_dump_json()
    assert "super-secret-value" not in repr(config)

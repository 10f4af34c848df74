"""Typed configuration sections. Each stage owns one module here; spamloop.config assembles them."""

from pydantic import BaseModel, ConfigDict


class SettingsSection(BaseModel):
    """Base of every config section: an unknown key (a typo in ``--set train.vocab_sise=4000``, a flow parameter,
    a YAML file) is an error rather than silently ignored, so a run never trains on defaults it was told to change."""

    model_config = ConfigDict(extra="forbid")

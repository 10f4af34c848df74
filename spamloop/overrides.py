"""Overrides laid over the effective config: ``--set a.b=VALUE`` as the CLI and the bench scripts take them.

Parsed into nested dicts (each value read as YAML), then merged section by section onto the config that the
environment, YAML and defaults give, so one ``--set ingest.batch_rows=...`` keeps the rest of ``ingest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from spamloop.config import SpamloopConfig, load_config


class OverrideError(ValueError):
    """An override that is not ``KEY=VALUE``."""


def parse_overrides(assignments: list[str] | None) -> dict[str, Any]:
    """Turn ["a.b=1", "c=x"] into {"a": {"b": 1}, "c": "x"}."""
    nested: dict[str, Any] = {}
    for assignment in assignments or []:
        if "=" not in assignment:
            raise OverrideError(f"expected KEY=VALUE, got {assignment!r}")
        dotted, raw_value = assignment.split("=", 1)
        keys = dotted.strip().split(".")
        node = nested
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = yaml.safe_load(raw_value) if raw_value else ""
    return nested


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` laid over it; nested dicts are merged, not replaced."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def config_with_overrides(values: Mapping[str, Any]) -> SpamloopConfig:
    """The config from defaults < YAML < environment < ``values``; every value taken exactly as given (``--set``)."""
    return SpamloopConfig.exactly(deep_merge(load_config().model_dump(mode="python"), values))

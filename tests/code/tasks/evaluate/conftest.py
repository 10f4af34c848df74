"""Fixtures of the evaluate-stage tests: the committed gold set, small real TF-IDF models, a real MLflow server."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest

from models.gold import GoldSet, load_gold
from tests.code.tasks.evaluate.spam_models import GOLD_DIR
from tests.support.mlflow_server import mlflow_server  # noqa: F401  (session fixture)


@dataclass(frozen=True)
class FittedModel:
    """A fitted sklearn pipeline and the threshold picked for it on dev (ham FPR <= 0.5%)."""

    pipeline: object
    threshold: float


@pytest.fixture(scope="session")
def gold() -> GoldSet:
    """Gold v1: the tests of its fixed content, sizes and rendering."""
    return load_gold("v1", GOLD_DIR)


@pytest.fixture(scope="session")
def default_gold() -> GoldSet:
    """The gold set the evaluate stage reads by default (EvaluateConfig.gold_version): the test models train without it."""
    from spamloop.settings.evaluate import EvaluateConfig

    return load_gold(EvaluateConfig().gold_version, GOLD_DIR)


@pytest.fixture(scope="session")
def train_dev(default_gold: GoldSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    from tasks.train.splits import hash_unit
    from tests.code.tasks.evaluate.spam_models import training_frame

    frame = training_frame(default_gold)
    is_dev = pl.Series([hash_unit(mid, 99) < 0.15 for mid in frame["message_id"].to_list()], dtype=pl.Boolean)
    return frame.filter(~is_dev), frame.filter(is_dev)


def _fit(train_dev: tuple[pl.DataFrame, pl.DataFrame], fraction: float) -> FittedModel:
    from tests.code.tasks.evaluate.spam_models import dev_threshold, fit_spam_pipeline

    train, dev = train_dev
    pipeline = fit_spam_pipeline(train, fraction=fraction)
    return FittedModel(pipeline=pipeline, threshold=dev_threshold(pipeline, dev))


@pytest.fixture(scope="session")
def good_model(train_dev) -> FittedModel:
    """All training rows."""
    return _fit(train_dev, 1.0)


@pytest.fixture(scope="session")
def fair_model(train_dev) -> FittedModel:
    """30% of the training rows: passes the test gates, but the full model beats it."""
    return _fit(train_dev, 0.3)


@pytest.fixture(scope="session")
def poor_model(train_dev) -> FittedModel:
    """5% of the training rows: deliberately worse, the gates must block it."""
    return _fit(train_dev, 0.05)

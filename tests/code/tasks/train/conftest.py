"""Train-stage fixtures: a few hundred real seed rows and one tiny training run shared by the module tests."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import REPO_ROOT

SEED_DIR = REPO_ROOT / "data" / "seed"
# Rows per (lang, label) in the fixture; Korean spam exists only as the synthetic corpus.
FIXTURE_ROWS = {("en", "spam"): 140, ("en", "ham"): 160, ("ko", "ham"): 160, ("ko", "spam"): 140}


@pytest.fixture(scope="session")
def seed_labels() -> pl.DataFrame:
    from models.seed import load_seed_labels

    return load_seed_labels(SEED_DIR)


@pytest.fixture(scope="session")
def seed_sample(seed_labels: pl.DataFrame) -> pl.DataFrame:
    """600 real/synthetic seed rows chosen by message id (deterministic), gold holdout included on purpose."""
    parts = []
    for (lang, label), rows in FIXTURE_ROWS.items():
        group = seed_labels.filter((pl.col("lang") == lang) & (pl.col("label") == label)).sort("message_id")
        assert group.height >= rows, f"seed corpora have only {group.height} {lang}/{label} rows"
        parts.append(group.head(rows))
    return pl.concat(parts)


@pytest.fixture(scope="session")
def tiny_train_config():
    from spamloop.settings.train import TrainConfig

    # One torch thread: on a shared 2-core runner two threads per process thrash (measured 3x slower).
    return TrainConfig(
        preset="tiny", vocab_size=3_000, epochs=6, dev_fraction=0.25, batch_size=16, misclassified_examples=50, num_threads=1,
        # ~80 dev hams: at the default 0.005 no ham may be flagged at all, so one odd ham would decide the threshold.
        target_ham_fpr=0.05,
        # Hard labels keep this run independent of the baseline teacher, which is weak on ~450 training rows;
        # distillation is tested in test_distillation.py and measured on the full corpus (bench/cv.py).
        distill_weight=0.0,
    )


@pytest.fixture(scope="session")
def trained(tmp_path_factory, seed_sample, tiny_train_config):
    """One real tiny training run (encoder + baseline + MLflow) on the fixture rows: (config, result)."""
    from spamloop.config import load_config
    from tasks.train.pipeline import run_training

    config = load_config(state_dir=tmp_path_factory.mktemp("train-state"))
    result = run_training(config, tiny_train_config, seed_sample)
    return config, result

"""Small real spam models for the evaluate-stage tests: TF-IDF + logistic regression on seed data (gold removed),
wrapped as MLflow pyfunc models that take raw texts and normalise them with models.normalization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import polars as pl
from mlflow.pyfunc import PythonModel
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from models.gold import GoldSet, drop_gold_overlap
from models.metrics import choose_threshold
from models.normalization import normalize
from models.seed import load_seed_labels
from spamloop.settings.evaluate import EvaluateConfig, SliceFloor
from tasks.train.splits import hash_unit

REPO_ROOT = Path(__file__).resolve().parents[4]
GOLD_DIR = REPO_ROOT / "data" / "gold"


class NormalisingSklearnSpamModel(PythonModel):
    """predict(["raw text", ...]) -> spam probabilities of a fitted sklearn pipeline over normalised text."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def predict(self, context: Any, model_input: list[str], params: dict[str, Any] | None = None) -> np.ndarray:
        texts = [normalize(str(text)) for text in model_input]
        classes = list(self.pipeline.classes_)
        return self.pipeline.predict_proba(texts)[:, classes.index(1)].astype(np.float64)


def training_frame(gold: GoldSet) -> pl.DataFrame:
    """Seed labels with every gold message and gold campaign (template key) removed."""
    return drop_gold_overlap(load_seed_labels(REPO_ROOT / "data" / "seed"), gold)


def fit_spam_pipeline(frame: pl.DataFrame, fraction: float = 1.0, shuffle_labels: bool = False, seed: int = 13) -> Pipeline:
    """TF-IDF char n-grams + balanced logistic regression on a deterministic ``fraction`` of the rows."""
    if fraction < 1.0:
        keep = [hash_unit(mid, seed) < fraction for mid in frame["message_id"].to_list()]
        frame = frame.filter(pl.Series(keep, dtype=pl.Boolean))
    labels = np.asarray([label == "spam" for label in frame["label"].to_list()], dtype=int)
    if shuffle_labels:
        labels = np.random.default_rng(seed).permutation(labels)
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2, max_features=60_000)),
            ("logreg", LogisticRegression(C=10.0, class_weight="balanced", max_iter=2_000, random_state=seed)),
        ]
    )
    pipeline.fit(frame["text_norm"].to_list(), labels)
    return pipeline


def dev_threshold(pipeline: Pipeline, dev: pl.DataFrame, target_ham_fpr: float = 0.005) -> float:
    """Operating threshold picked on a dev frame the way the train stage does."""
    model = NormalisingSklearnSpamModel(pipeline)
    scores = model.predict(None, dev["text"].to_list())
    return choose_threshold(scores, [label == "spam" for label in dev["label"].to_list()], target_ham_fpr).threshold


def log_spam_model(pipeline: Pipeline, threshold: float, experiment: str, run_name: str) -> tuple[str, str]:
    """Log a training-like run (param/metric threshold, lineage tags) with the pyfunc model; (model_uri, run_id)."""
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name, tags={"role": "test-model", "snapshot_id": "seed-only", "dataset_source": "seed"}) as run:
        mlflow.log_param("threshold", threshold)
        mlflow.log_metric("threshold", threshold)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=NormalisingSklearnSpamModel(pipeline),
            input_example=["안녕하세요 택배 도착했습니다"],
        )
        return info.model_uri, run.info.run_id


def gate_config(**overrides) -> EvaluateConfig:
    """Gates a decent TF-IDF baseline passes on the default gold and a 5%-data model fails.

    Transactional-ham FPR is capped loosely here: TF-IDF confuses OTP/card alerts with smishing (~8-16% FPR on
    that slice), which the production default (3%) rightly blocks. The invariance gate is off: these crude
    char n-gram fits sit near their threshold on the personal-ham groups (name/date swaps flip 1-2 of 11 on
    gold v2), and the tests that use this config are about verdicts, aliases and versions, not about
    invariance, which tests/code/tasks/evaluate/test_gates.py and test_behavioural.py cover.
    """
    values = dict(
        gold_dir=GOLD_DIR,
        min_spam_f1=0.88,
        min_spam_precision=0.85,
        min_spam_recall=0.85,
        max_ham_fpr=0.025,
        min_pr_auc=0.93,
        min_invariance_pass_rate=None,
        slice_floors=[
            SliceFloor(slice="lang_ko", metric="spam_recall", minimum=0.85),
            SliceFloor(slice="lang_en", metric="spam_recall", minimum=0.70),
            SliceFloor(slice="smishing", metric="spam_recall", minimum=0.85),
            SliceFloor(slice="obfuscated", metric="spam_recall", minimum=0.80),
            SliceFloor(slice="transactional_ham", metric="ham_fpr", maximum=0.30),
        ],
    )
    values.update(overrides)
    return EvaluateConfig(**values)

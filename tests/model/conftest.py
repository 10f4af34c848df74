"""One tiny encoder trained per session on the bundled seed corpora (gold holdout excluded) for behaviour tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest

from tests.conftest import REPO_ROOT

# Per (lang, label, synthetic) cap, chosen by message-id hash: ~3.3k rows keep a 3-epoch run near 2 min on 2 cores.
CAPS = {
    ("en", "spam", False): 450,
    ("en", "ham", False): 700,
    ("ko", "spam", True): 900,
    ("ko", "ham", True): 600,
    ("ko", "ham", False): 700,
}


@dataclass
class TrainedSpamModel:
    """Scores raw texts exactly like the logged pyfunc model does (normalise -> tokenise -> softmax)."""

    model: object
    tokenizer: object
    threshold: float
    max_seq_len: int

    def scores(self, raw_texts: list[str]) -> np.ndarray:
        from models.encoder import predict_spam_proba
        from models.normalization import model_text

        return predict_spam_proba(self.model, self.tokenizer, [model_text(t) for t in raw_texts], self.max_seq_len)

    def is_spam(self, raw_texts: list[str]) -> np.ndarray:
        return self.scores(raw_texts) >= self.threshold


@pytest.fixture(scope="session")
def spam_model(tmp_path_factory) -> TrainedSpamModel:
    from models.encoder import load_classifier
    from models.seed import load_seed_labels
    from spamloop.config import load_config
    from spamloop.settings.train import TrainConfig
    from tasks.train.dataset import training_set_from_seed
    from tasks.train.pipeline import run_training
    from tasks.train.splits import deterministic_subsample

    seed = load_seed_labels(REPO_ROOT / "data" / "seed")
    frame = training_set_from_seed(seed)
    parts = [
        deterministic_subsample(
            frame.filter((pl.col("lang") == lang) & (pl.col("label") == label) & (pl.col("is_synthetic") == synthetic)),
            cap,
            seed=5,
        )
        for (lang, label, synthetic), cap in CAPS.items()
    ]
    config = load_config(state_dir=tmp_path_factory.mktemp("model-behaviour"))
    train_config = TrainConfig(
        preset="tiny", epochs=3, learning_rate=1e-3, vocab_size=6_000, dev_fraction=0.15, log_model=False, misclassified_examples=0, num_threads=1
    )
    result = run_training(config, train_config, pl.concat(parts))
    model, tokenizer = load_classifier(result.model_dir)
    return TrainedSpamModel(model=model, tokenizer=tokenizer, threshold=result.threshold, max_seq_len=result.max_seq_len)

"""MLflow pyfunc wrapper: raw SMS texts in, spam probabilities out, with the shared normalisation (``model_text``) applied first.

Shipped inside the logged model through ``code_paths`` (the whole ``models`` package), so it may import only
``models.*`` and third-party packages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel, PythonModelContext

from models.encoder import load_classifier, predict_spam_proba
from models.normalization import model_text

HF_MODEL_ARTIFACT = "hf_model"


def texts_from_model_input(model_input: Any) -> list[str]:
    """Accept what pyfunc callers pass: a list/array/Series of strings, one string, or a one-column DataFrame."""
    if isinstance(model_input, str):
        return [model_input]
    if isinstance(model_input, pd.DataFrame):
        if model_input.shape[1] != 1:
            column = "text" if "text" in model_input.columns else None
            if column is None:
                raise ValueError("a DataFrame input needs exactly one column or a 'text' column")
            return [str(value) for value in model_input[column].tolist()]
        return [str(value) for value in model_input.iloc[:, 0].tolist()]
    if isinstance(model_input, (pd.Series, np.ndarray)):
        return [str(value) for value in np.asarray(model_input).ravel().tolist()]
    return [str(value) for value in model_input]


class SpamClassifierPyfunc(PythonModel):
    """``predict(["raw text", ...])`` -> spam probabilities, exactly as the training pipeline scores dev."""

    def __init__(self, max_seq_len: int = 64, batch_size: int = 64):
        self.max_seq_len = max_seq_len
        self.batch_size = batch_size
        self._model = None
        self._tokenizer = None

    def load_context(self, context: PythonModelContext) -> None:
        self._model, self._tokenizer = load_classifier(context.artifacts[HF_MODEL_ARTIFACT])

    # model_input is left unannotated on purpose: MLflow turns a predict type hint into a competing signature.
    def predict(self, context: PythonModelContext, model_input, params: dict[str, Any] | None = None) -> np.ndarray:  # noqa: ANN001
        texts_model = [model_text(text) for text in texts_from_model_input(model_input)]
        return predict_spam_proba(self._model, self._tokenizer, texts_model, self.max_seq_len, self.batch_size)

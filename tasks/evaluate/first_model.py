"""The first model ships without a reviewer: with nothing on phones yet there is no champion to protect.

Later candidates are promoted by ``evaluate.auto_promote`` or a reviewer's approval (tasks/evaluate/registry.py).
"""

from __future__ import annotations

from models.registry import ALIAS_CHAMPION
from tasks.evaluate.pipeline import EvaluationResult

BOOTSTRAP_REVIEWER = "spamloop-bootstrap"
FIRST_MODEL_COMMENT = "first model: no champion to protect"


def approves_first_model(result: EvaluationResult, bootstrap_first_model: bool) -> bool:
    """Whether the weekly retrain approves ``result`` itself: it passed every gate, is not champion yet, was compared
    against no champion (none existed), and ``evaluate.bootstrap_first_model`` is on."""
    return bootstrap_first_model and result.verdict == "pass" and not result.promoted and result.champion is None


def as_champion(result: EvaluationResult) -> EvaluationResult:
    """``result`` as the registry has it once alias champion moved to its version."""
    return result.model_copy(
        update={"promoted": True, "aliases_after": {**result.aliases_after, ALIAS_CHAMPION: result.version}}
    )

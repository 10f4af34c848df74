"""Token and USD accounting of LLM label requests: the ledger from the APIs' usage fields, and dry-run estimates.

The label stage keeps the ledger and estimates a run before it sends anything; replay prices the naive
one-message-per-request reference with the same estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

from models.label_prompt import SYSTEM_PROMPT, PromptItem, build_user_message, short_ids
from models.llm_tokens import count_tokens


class PricedProvider(Protocol):
    """What accounting reads of a provider's configuration (spamloop.settings.label.LabelProviderConfig)."""

    name: str
    model: str
    input_price_per_mtok: float
    output_price_per_mtok: float


def cost_usd(provider: PricedProvider, input_tokens: int, output_tokens: int) -> float:
    return (input_tokens * provider.input_price_per_mtok + output_tokens * provider.output_price_per_mtok) / 1e6


@dataclass
class ProviderUsage:
    """One provider's line of the ledger for one run (or one estimate)."""

    provider: str
    model: str
    requests: int = 0
    failed_requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, provider: PricedProvider, input_tokens: int, output_tokens: int) -> None:
        self.requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.cost_usd += cost_usd(provider, input_tokens, output_tokens)

    def as_row(self) -> dict[str, object]:
        row = asdict(self)
        row["cost_usd"] = round(self.cost_usd, 6)
        return row


# Tokens the chat wrappers add around the system and user turns; small, but counted.
_WRAPPER_TOKENS = 12


def estimate_request_input_tokens(texts: list[str], answer_format: str = "full") -> int:
    """Input tokens of one request carrying ``texts``, counted on the exact prompt that would be sent."""
    items = [PromptItem(sid, text) for sid, text in zip(short_ids(len(texts)), texts)]
    return count_tokens(SYSTEM_PROMPT) + count_tokens(build_user_message(items, answer_format)) + _WRAPPER_TOKENS


def estimate_request_output_tokens(n_messages: int, per_message: int) -> int:
    return n_messages * per_message + 8


def estimate_provider(
    provider: PricedProvider, batches: list[list[str]], output_per_message: int, answer_format: str = "full"
) -> ProviderUsage:
    """What sending ``batches`` (lists of texts) to ``provider`` would cost, without sending anything."""
    usage = ProviderUsage(provider.name, provider.model)
    for texts in batches:
        usage.add(
            provider,
            estimate_request_input_tokens(texts, answer_format),
            estimate_request_output_tokens(len(texts), output_per_message),
        )
    return usage

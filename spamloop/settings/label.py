"""Settings of the label stage: which LLMs label new SMS, how they are batched, paid for and voted on.

Prices are list prices per 1M tokens at the time of writing; they must be checked against each
provider's pricing page before a budget is trusted (see docs/labeling.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from spamloop.settings import SettingsSection

ProviderKind = Literal["openai", "anthropic", "gemini"]


class LabelProviderConfig(SettingsSection):
    """One LLM labeller: an API flavour, a model, an endpoint, its prices and limits."""

    name: str = Field(description="Short unique name used in the label store, ledger and logs, e.g. 'openai'.")
    kind: ProviderKind = Field(
        description="Wire API spoken: 'openai' (any OpenAI-compatible chat completions endpoint), "
        "'anthropic' (Messages API) or 'gemini' (Google GenAI generateContent)."
    )
    model: str = Field(description="Model name sent to the API; part of the label cache key.")
    base_url: str | None = Field(
        default=None,
        description="Endpoint override (OpenAI: up to and including /v1; Anthropic and Gemini: host root). "
        "Empty means the SDK's official endpoint.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key given directly (normally left empty: use api_key_env or secret_block)."
    )
    api_key_env: list[str] = Field(
        default_factory=list, description="Environment variables tried in order for the API key."
    )
    secret_block: str | None = Field(
        default=None,
        description="Name of a Prefect Secret block holding the API key; resolved by the Prefect task only.",
    )
    input_price_per_mtok: float = Field(ge=0, description="USD per 1M input (prompt) tokens.")
    output_price_per_mtok: float = Field(ge=0, description="USD per 1M output (completion) tokens.")
    enabled: bool = Field(default=True, description="False keeps the provider configured but unused.")
    max_concurrency: int = Field(default=2, ge=1, le=64, description="Parallel requests to this provider.")
    requests_per_minute: float | None = Field(
        default=60.0, gt=0, description="Client-side rate limit on request starts; empty means none."
    )
    timeout_s: float = Field(default=60.0, gt=0, description="Timeout of every single HTTP request.")
    sdk_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries inside the SDK (429 with Retry-After, 5xx, connection errors)."
    )
    max_output_tokens: int = Field(default=4096, ge=64, description="Upper bound of output tokens per request.")
    temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature; 0 for repeatable labels.")

    @property
    def price_label(self) -> str:
        return f"${self.input_price_per_mtok}/M in, ${self.output_price_per_mtok}/M out"


def default_providers() -> list[LabelProviderConfig]:
    """Cheap, strong models from three vendors so that their errors are not correlated."""
    return [
        LabelProviderConfig(
            name="openai",
            kind="openai",
            model="gpt-4.1-mini",
            api_key_env=["OPENAI_API_KEY"],
            input_price_per_mtok=0.40,
            output_price_per_mtok=1.60,
        ),
        LabelProviderConfig(
            name="gemini",
            kind="gemini",
            model="gemini-2.5-flash",
            api_key_env=["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            input_price_per_mtok=0.30,
            output_price_per_mtok=2.50,
        ),
        LabelProviderConfig(
            name="anthropic",
            kind="anthropic",
            model="claude-haiku-4-5",
            api_key_env=["ANTHROPIC_API_KEY"],
            input_price_per_mtok=1.00,
            output_price_per_mtok=5.00,
        ),
    ]


class LabelConfig(SettingsSection):
    """How new messages are labelled by an ensemble of LLMs and routed to human review."""

    providers: list[LabelProviderConfig] = Field(
        default_factory=default_providers, description="The LLM labellers; each votes on every selected message."
    )
    batch_size: int = Field(default=40, ge=1, le=200, description="Messages per request (K).")
    max_text_chars: int = Field(
        default=600, ge=20, description="text_for_llm is cut to this length in prompts; bounds tokens per message."
    )
    missing_retries: int = Field(
        default=1, ge=0, le=3, description="Times the items missing or malformed in an answer are asked again."
    )
    request_attempts: int = Field(
        default=2, ge=1, le=6, description="Attempts per request after the SDK's own retries have given up."
    )
    backoff_base_s: float = Field(default=1.0, ge=0, description="First backoff between attempts (doubles each time).")
    backoff_max_s: float = Field(default=30.0, ge=0, description="Cap of one backoff wait; jitter is up to 50% less.")
    budget_usd: float | None = Field(
        default=5.0, ge=0, description="Spending cap per run in USD; the run stops cleanly before exceeding it."
    )
    estimated_output_tokens_per_message: int = Field(
        default=30, ge=1, description="Output tokens per message assumed by dry runs and budget reservations (full answers)."
    )
    answer_format: Literal["full", "compact"] = Field(
        default="full",
        description="How the LLMs answer: 'full' JSON objects (id, label, category, confidence; ~30-40 output tokens "
        "per message) or 'compact' strings 'm482913s9g' (id, s/h, confidence digit, category letter; ~7 tokens). "
        "Output tokens dominate the cost of batched requests (docs/labeling.md, bench/labeling.py).",
    )
    compact_output_tokens_per_message: int = Field(
        default=8, ge=1, description="Output tokens per message assumed by dry runs and reservations (compact answers)."
    )
    tiebreak_providers: list[str] = Field(
        default_factory=lambda: ["anthropic"],
        description="Routing: providers asked only about messages the other providers did not settle (they disagree, "
        "one abstained, or a vote is below min_confidence). Two agreeing votes already decide a three-vote majority, "
        "so naming the most expensive provider here cuts cost at the same majority label (docs/labeling.md: about half "
        "the cost). Default: anthropic, the dearest default provider, where it is configured. Empty: every provider "
        "votes on every message.",
    )
    min_agreement: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share of votes that must agree; below it a message goes to human review (1.0 = unanimous).",
    )
    min_confidence: float = Field(
        default=0.7, ge=0, le=1, description="Ensemble confidence below which a message goes to human review."
    )
    min_votes: int = Field(default=1, ge=1, description="Fewer non-abstaining votes than this sends to review.")
    propagate_campaigns: bool = Field(
        default=True, description="Give every member of a campaign the label of its labelled representative."
    )
    cascade_confidence: float | None = Field(
        default=0.9,
        gt=0.5,
        le=1,
        description="Cascade: once a champion is published, messages it scores at least this sure (either way) are not "
        "sent to the LLMs, except an audit sample and campaigns whose user reports contradict it. 0.9 is what the "
        "4-week replay measured (docs/replay.md: 6-7x fewer input tokens, the champion right on 0.998-1.000 of the "
        "skipped messages). Empty: every unlabelled representative goes to the LLMs.",
    )
    audit_fraction: float = Field(
        default=0.05, ge=0, le=1, description="Share of champion-confident messages still sent to the LLMs as audit."
    )
    max_messages_per_run: int | None = Field(
        default=None, ge=1, description="Cap on representatives labelled in one run; empty means all."
    )

    @field_validator("providers")
    @classmethod
    def _unique_names(cls, providers: list[LabelProviderConfig]) -> list[LabelProviderConfig]:
        names = [p.name for p in providers]
        if len(names) != len(set(names)):
            raise ValueError(f"provider names must be unique, got {names}")
        return providers

    @model_validator(mode="after")
    def _backoff_order(self) -> "LabelConfig":
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_max_s must be >= backoff_base_s")
        return self

    @model_validator(mode="after")
    def _tiebreakers_known(self) -> "LabelConfig":
        names = {p.name for p in self.providers}
        unknown = [name for name in self.tiebreak_providers if name not in names]
        if unknown and "tiebreak_providers" not in self.model_fields_set:
            # The default names a default provider; a config without it simply has no tie-breaker.
            self.tiebreak_providers = [name for name in self.tiebreak_providers if name in names]
        elif unknown:
            raise ValueError(f"tiebreak_providers {unknown} are not configured providers {sorted(names)}")
        return self

    @property
    def output_tokens_per_message(self) -> int:
        """Output tokens per message assumed for the configured answer format."""
        if self.answer_format == "compact":
            return self.compact_output_tokens_per_message
        return self.estimated_output_tokens_per_message

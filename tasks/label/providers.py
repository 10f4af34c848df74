"""LLM labellers behind one small interface, each calling its vendor's official SDK.

A labeller sends one batch of ``PromptItem`` and returns the parsed votes plus the token usage the
API reported. Transport failures (after the SDK's own retries) raise; an answer that is not valid
JSON, or that lacks some ids, is *not* an exception: it comes back with fewer votes so the caller
can re-ask only the missing items, and the tokens already paid for still reach the cost ledger.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import SecretStr

from models.label_prompt import (
    CATEGORIES,
    CODE_CATEGORIES,
    HAM_CATEGORIES,
    LABELS,
    SPAM_CATEGORIES,
    SYSTEM_PROMPT,
    PromptItem,
    answer_format,
    build_user_message,
)
from spamloop.settings.label import LabelProviderConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemVote:
    """One model's verdict on one message of a batch."""

    short_id: str
    label: str
    category: str
    confidence: float


@dataclass
class BatchAnswer:
    """What one request produced: valid votes by short id, usage, and what was wrong with the rest."""

    votes: dict[str, ItemVote]
    input_tokens: int
    output_tokens: int
    problems: list[str] = field(default_factory=list)
    duplicate_ids: int = 0  # ids answered more than once: every copy dropped


class Labeler(Protocol):
    provider: LabelProviderConfig
    answer_format: str

    def label_batch(self, items: list[PromptItem]) -> BatchAnswer: ...


def parse_answer(text: str | None, expected_ids: list[str]) -> tuple[dict[str, ItemVote], list[str]]:
    """Votes for the expected ids found in a JSON answer, and a list of problems.

    Unknown ids, bad labels/categories and out-of-range confidences are dropped item by item, so one bad
    entry never discards the others. An id answered twice loses **every** copy (which one the model meant
    is unknowable, and a message that injected a second answer for its neighbour must not win): the id is
    then missing, asked again or abstained. ``duplicate_ids_in`` counts them.
    """
    entries, problems = _entries(text, "labels")
    if entries is None:
        return {}, problems
    wanted = set(expected_ids)
    votes: dict[str, ItemVote] = {}
    answered: set[str] = set()
    duplicates: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            problems.append("entry is not an object")
            continue
        short_id = entry.get("id")
        label = entry.get("label")
        category = entry.get("category")
        confidence = entry.get("confidence")
        if short_id not in wanted:
            problems.append(f"unknown id {str(short_id)[:20]!r}")
            continue
        if short_id in answered:
            duplicates.add(short_id)
            continue
        answered.add(short_id)
        if label not in LABELS or category not in CATEGORIES:
            problems.append(f"invalid label/category for {short_id!r}")
            continue
        if category not in (SPAM_CATEGORIES if label == "spam" else HAM_CATEGORIES):
            problems.append(f"category does not fit label for {short_id!r}")
            continue
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
            problems.append(f"invalid confidence for {short_id!r}")
            continue
        votes[short_id] = ItemVote(short_id, label, category, float(confidence))
    return _drop_duplicates(votes, duplicates, problems, expected_ids)


DUPLICATE_PROBLEM = "id answered more than once"


def _entries(text: str | None, key: str) -> tuple[list[Any] | None, list[str]]:
    """The answer's array under ``key`` (or a bare array), or None and why not."""
    if not text:
        return None, ["empty answer"]
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"answer is not JSON: {exc.msg}"]
    entries = payload.get(key) if isinstance(payload, dict) else payload
    if not isinstance(entries, list):
        return None, [f"answer has no '{key}' array"]
    return entries, []


def _drop_duplicates(
    votes: dict[str, ItemVote], duplicates: set[str], problems: list[str], expected_ids: list[str]
) -> tuple[dict[str, ItemVote], list[str]]:
    for short_id in sorted(duplicates):
        votes.pop(short_id, None)
        problems.append(f"{DUPLICATE_PROBLEM} {short_id!r}: every copy dropped")
    missing = [i for i in expected_ids if i not in votes]
    if missing:
        problems.append(f"{len(missing)} id(s) missing")
    return votes, problems

_COMPACT_ITEM = re.compile(r"^(m[0-9]{6})([sh])([5-9])([a-z])$")


def parse_compact_answer(text: str | None, expected_ids: list[str]) -> tuple[dict[str, ItemVote], list[str]]:
    """Votes from a compact answer ``{"a": ["m482913s9g", ...]}`` (see ``models.label_prompt.COMPACT``).

    Same rules as ``parse_answer``: bad items are dropped one by one, an id answered twice loses every copy.
    Confidence digit d means d/10; the category letter must fit the label.
    """
    entries, problems = _entries(text, "a")
    if entries is None:
        return {}, problems
    wanted = set(expected_ids)
    votes: dict[str, ItemVote] = {}
    answered: set[str] = set()
    duplicates: set[str] = set()
    for entry in entries:
        match = _COMPACT_ITEM.match(entry.strip()) if isinstance(entry, str) else None
        if match is None:
            problems.append(f"malformed item {str(entry)[:20]!r}")
            continue
        short_id, label_code, digit, category_code = match.groups()
        if short_id not in wanted:
            problems.append(f"unknown id {short_id!r}")
            continue
        if short_id in answered:
            duplicates.add(short_id)
            continue
        answered.add(short_id)
        label = "spam" if label_code == "s" else "ham"
        category = CODE_CATEGORIES.get(category_code)
        if category is None or category not in (SPAM_CATEGORIES if label == "spam" else HAM_CATEGORIES):
            problems.append(f"category does not fit label for {short_id!r}")
            continue
        votes[short_id] = ItemVote(short_id, label, category, int(digit) / 10)
    return _drop_duplicates(votes, duplicates, problems, expected_ids)


def parse_any_answer(
    format_name: str, text: str | None, expected_ids: list[str]
) -> tuple[dict[str, ItemVote], list[str]]:
    """``parse_answer`` or ``parse_compact_answer``, by answer format."""
    parse = parse_compact_answer if format_name == "compact" else parse_answer
    return parse(text, expected_ids)


def duplicate_ids_in(problems: list[str]) -> int:
    """How many ids ``parse_answer`` dropped for being answered more than once."""
    return sum(1 for problem in problems if problem.startswith(DUPLICATE_PROBLEM))


def _answer(votes: dict[str, ItemVote], input_tokens: int, output_tokens: int, problems: list[str]) -> BatchAnswer:
    return BatchAnswer(votes, input_tokens, output_tokens, problems, duplicate_ids_in(problems))


class OpenAILabeler:
    """Any OpenAI-compatible chat completions endpoint, with a strict JSON schema response format."""

    def __init__(self, provider: LabelProviderConfig, api_key: SecretStr, answer_format: str = "full") -> None:
        from openai import OpenAI

        self.provider = provider
        self.answer_format = answer_format
        self._client = OpenAI(
            api_key=api_key.get_secret_value(),
            base_url=provider.base_url,
            max_retries=provider.sdk_max_retries,
            timeout=provider.timeout_s,
        )

    def label_batch(self, items: list[PromptItem]) -> BatchAnswer:
        response = self._client.chat.completions.create(
            model=self.provider.model,
            messages=[
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": build_user_message(items, self.answer_format)},
            ],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "sms_labels", "strict": True, "schema": answer_format(self.answer_format).schema},
            },
            temperature=self.provider.temperature,
            max_completion_tokens=self.provider.max_output_tokens,
        )
        usage = response.usage
        text = response.choices[0].message.content if response.choices else None
        votes, problems = parse_any_answer(self.answer_format, text, [i.short_id for i in items])
        return _answer(votes, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0, problems)


class AnthropicLabeler:
    """Anthropic Messages API with structured outputs (``output_config.format`` = JSON schema)."""

    def __init__(self, provider: LabelProviderConfig, api_key: SecretStr, answer_format: str = "full") -> None:
        from anthropic import Anthropic

        self.provider = provider
        self.answer_format = answer_format
        self._client = Anthropic(
            api_key=api_key.get_secret_value(),
            base_url=provider.base_url,
            max_retries=provider.sdk_max_retries,
            timeout=provider.timeout_s,
        )

    def label_batch(self, items: list[PromptItem]) -> BatchAnswer:
        response = self._client.messages.create(
            model=self.provider.model,
            max_tokens=self.provider.max_output_tokens,
            system=SYSTEM_PROMPT,
            messages=[{"role": "user", "content": build_user_message(items, self.answer_format)}],
            output_config={"format": {"type": "json_schema", "schema": answer_format(self.answer_format).schema}},
            # This SDK version's Messages.create has no temperature parameter; the schema fixes the shape.
        )
        text = "".join(block.text for block in response.content if getattr(block, "type", None) == "text")
        votes, problems = parse_any_answer(self.answer_format, text, [i.short_id for i in items])
        return _answer(votes, response.usage.input_tokens, response.usage.output_tokens, problems)


class GeminiLabeler:
    """Google GenAI generateContent with a JSON response schema; thinking off to keep output tokens low."""

    def __init__(self, provider: LabelProviderConfig, api_key: SecretStr, answer_format: str = "full") -> None:
        from google import genai
        from google.genai import types

        self.provider = provider
        self.answer_format = answer_format
        self._types = types
        self._client = genai.Client(
            api_key=api_key.get_secret_value(),
            http_options=types.HttpOptions(
                base_url=provider.base_url,
                timeout=int(provider.timeout_s * 1000),  # milliseconds
                retry_options=types.HttpRetryOptions(
                    attempts=provider.sdk_max_retries + 1,
                    initial_delay=0.5,
                    max_delay=10.0,
                    http_status_codes=[408, 429, 500, 502, 503, 504],
                ),
            ),
        )

    def label_batch(self, items: list[PromptItem]) -> BatchAnswer:
        types = self._types
        response = self._client.models.generate_content(
            model=self.provider.model,
            contents=build_user_message(items, self.answer_format),
            config=types.GenerateContentConfig(
                system_instruction=SYSTEM_PROMPT,
                response_mime_type="application/json",
                response_schema=answer_format(self.answer_format).gemini_schema,
                temperature=self.provider.temperature,
                max_output_tokens=self.provider.max_output_tokens,
                thinking_config=types.ThinkingConfig(thinking_budget=0),
                automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            ),
        )
        meta = response.usage_metadata
        input_tokens = (meta.prompt_token_count or 0) if meta else 0
        # Thinking tokens are billed as output.
        output_tokens = ((meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)) if meta else 0
        try:
            text = response.text
        except ValueError:  # no text part at all (e.g. blocked)
            text = None
        votes, problems = parse_any_answer(self.answer_format, text, [i.short_id for i in items])
        return _answer(votes, input_tokens, output_tokens, problems)


_LABELERS: dict[str, Any] = {"openai": OpenAILabeler, "anthropic": AnthropicLabeler, "gemini": GeminiLabeler}


def make_labeler(provider: LabelProviderConfig, api_key: SecretStr, answer_format: str = "full") -> Labeler:
    """The SDK-backed labeller for ``provider.kind``, asking for answers in ``answer_format``."""
    return _LABELERS[provider.kind](provider, api_key, answer_format)

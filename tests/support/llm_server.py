"""A local stand-in for the OpenAI, Anthropic and Gemini HTTP APIs, for tests and the bench.

One ``ThreadingHTTPServer`` on 127.0.0.1 answers the three wire formats the official SDKs speak:

- OpenAI-compatible ``POST {base}/chat/completions`` (base_url = ``server.openai_base_url``)
- Anthropic ``POST /v1/messages`` (base_url = ``server.base_url``)
- Gemini ``POST /v1beta/models/{model}:generateContent`` (base_url = ``server.base_url``)

Its "model" is a keyword classifier over the message texts it finds in the ``<messages>`` JSON
array of the prompt. ``usage`` is computed from the real request text with the same token counter
the dry run uses. Every request is recorded (path, headers, raw body) for assertions, and faults
can be scripted per API: 429 with Retry-After, 500, slow (beyond the client timeout), malformed
JSON, dropped ids, and an "injection echo" that answers ham for texts carrying an injection.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import polars as pl
from pydantic import SecretStr

from spamloop.settings.label import LabelProviderConfig
from tasks.label.tokens import count_tokens

API_KEY = "sk-test-not-a-real-key-0000"

_MESSAGES_BLOCK = re.compile(r"<messages>\s*(\[.*\])\s*</messages>", re.DOTALL)

# (keywords, label, category, confidence): first match wins.
KEYWORD_RULES: list[tuple[tuple[str, ...], str, str, float]] = [
    (("인증번호", "verification code", "승인", "결제완료", "배송 완료", "예약"), "ham", "transactional", 0.9),
    (("카지노", "바카라", "토토", "casino", "betting", "슬롯"), "spam", "gambling", 0.95),
    (("대출", "loan", "저금리", "한도"), "spam", "loan", 0.92),
    (("성인", "19금", "만남", "adult"), "spam", "adult", 0.9),
    (("리딩방", "주식", "코인", "수익 보장", "investment", "crypto"), "spam", "investment_scam", 0.9),
    (("택배", "검찰", "경찰", "엄마", "delivery failed", "본인확인"), "spam", "impersonation_smishing", 0.88),
    (("(광고)", "할인", "sale", "쿠폰", "winner", "free"), "spam", "advertising", 0.85),
    (("[url:",), "spam", "phishing_link", 0.6),
]
INJECTION_MARKERS = ("ignore the instructions", "ignore all previous", "이전 지시를 무시")


def prompt_texts(request: "RecordedRequest") -> list[str]:
    """The message texts inside the <messages> block of a recorded request, in order."""
    _, user = _prompt_parts(request.api, request.json)
    match = _MESSAGES_BLOCK.search(user)
    return [str(item.get("text", "")) for item in json.loads(match.group(1))] if match else []


def classify(text: str) -> tuple[str, str, float]:
    lowered = text.lower()
    for keywords, label, category, confidence in KEYWORD_RULES:
        if any(k.lower() in lowered for k in keywords):
            return label, category, confidence
    return "ham", "personal", 0.8


@dataclass
class RecordedRequest:
    api: str
    path: str
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Fault:
    kind: str  # none | rate_limit | server_error | slow | malformed | drop_ids | bad_ids | dup_ids
    retry_after_s: float = 0.0
    delay_s: float = 0.0
    drop: int = 1


@dataclass
class ServerState:
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    # api -> keyword -> (label, category, confidence): lets one "model" disagree with the others.
    overrides: dict[str, dict[str, tuple[str, str, float]]] = field(default_factory=lambda: defaultdict(dict))
    injection_echo: bool = False
    require_key: str | None = API_KEY
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        path = self.path.split("?", 1)[0]
        if path.endswith("/chat/completions"):
            api = "openai"
        elif path.endswith("/v1/messages"):
            api = "anthropic"
        elif ":generateContent" in path:
            api = "gemini"
        else:
            self._send(404, {"error": {"message": f"no route {path}"}})
            return
        state = self.server.state
        with state.lock:
            state.requests.append(RecordedRequest(api, path, {k.lower(): v for k, v in self.headers.items()}, body))
            fault = state.faults[api].popleft() if state.faults[api] else None
        if state.require_key and self._presented_key(api) != state.require_key:
            self._send(401, _error_body(api, 401, "invalid api key"))
            return
        if fault and fault.kind == "rate_limit":
            self._send(429, _error_body(api, 429, "rate limited"), {"Retry-After": f"{fault.retry_after_s:g}"})
            return
        if fault and fault.kind == "server_error":
            self._send(500, _error_body(api, 500, "internal error"))
            return
        if fault and fault.kind == "slow":
            time.sleep(fault.delay_s)
        try:
            request = json.loads(body)
        except json.JSONDecodeError:
            self._send(400, _error_body(api, 400, "body is not JSON"))
            return
        system, user = _prompt_parts(api, request)
        answer = self._answer(api, user, fault)
        usage_in = count_tokens(system) + count_tokens(user)
        usage_out = count_tokens(answer)
        model = request.get("model") or path.rsplit("/", 1)[-1].split(":")[0]
        self._send(200, _response_body(api, model, answer, usage_in, usage_out))

    def _presented_key(self, api: str) -> str | None:
        if api == "openai":
            auth = self.headers.get("Authorization", "")
            return auth.removeprefix("Bearer ").strip() or None
        if api == "anthropic":
            # Older SDKs send x-api-key; anthropic 2.x sends the key as a bearer token.
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            return self.headers.get("x-api-key") or bearer or None
        return self.headers.get("x-goog-api-key")

    def _answer(self, api: str, user: str, fault: Fault | None) -> str:
        if fault and fault.kind == "malformed":
            return '{"labels": [{"id": "m1", "label": "spam"'  # cut off mid-object
        match = _MESSAGES_BLOCK.search(user)
        items = json.loads(match.group(1)) if match else []
        state = self.server.state
        labels = []
        for item in items:
            text = str(item.get("text", ""))
            label, category, confidence = classify(text)
            for keyword, verdict in state.overrides.get(api, {}).items():
                if keyword.lower() in text.lower():
                    label, category, confidence = verdict
            if state.injection_echo and any(m in text.lower() for m in INJECTION_MARKERS):
                label, category, confidence = "ham", "personal", 0.99
            labels.append({"id": item.get("id"), "label": label, "category": category, "confidence": confidence})
        if fault and fault.kind == "drop_ids":
            labels = labels[fault.drop :]
        if fault and fault.kind == "bad_ids":
            for entry in labels[: fault.drop]:
                entry["id"] = "x" + str(entry["id"])
        if fault and fault.kind == "dup_ids":  # a second, contrary answer for the first ids (as an injection might cause)
            for entry in list(labels[: fault.drop]):
                flipped = "ham" if entry["label"] == "spam" else "spam"
                labels.append({**entry, "label": flipped, "category": "personal" if flipped == "ham" else "advertising"})
        return json.dumps({"labels": labels}, ensure_ascii=False)

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to deliver


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _prompt_parts(api: str, request: dict[str, Any]) -> tuple[str, str]:
    """(system text, user text) of a request in any of the three formats."""
    if api == "openai":
        messages = request.get("messages", [])
        system = "".join(_text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer"))
        user = "".join(_text_of(m.get("content")) for m in messages if m.get("role") == "user")
        return system, user
    if api == "anthropic":
        system = _text_of(request.get("system", ""))
        user = "".join(_text_of(m.get("content")) for m in request.get("messages", []) if m.get("role") == "user")
        return system, user
    instruction = request.get("systemInstruction") or request.get("system_instruction") or {}
    system = _text_of(instruction.get("parts", []))
    user = "".join(_text_of(c.get("parts", [])) for c in request.get("contents", []))
    return system, user


def _error_body(api: str, status: int, message: str) -> dict[str, Any]:
    if api == "anthropic":
        kind = {401: "authentication_error", 429: "rate_limit_error", 400: "invalid_request_error"}.get(
            status, "api_error"
        )
        return {"type": "error", "error": {"type": kind, "message": message}}
    if api == "gemini":
        names = {401: "UNAUTHENTICATED", 429: "RESOURCE_EXHAUSTED", 400: "INVALID_ARGUMENT"}
        return {"error": {"code": status, "message": message, "status": names.get(status, "INTERNAL")}}
    return {"error": {"message": message, "type": "error", "code": str(status)}}


def _response_body(api: str, model: str, text: str, usage_in: int, usage_out: int) -> dict[str, Any]:
    if api == "openai":
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": usage_in, "completion_tokens": usage_out, "total_tokens": usage_in + usage_out},
        }
    if api == "anthropic":
        return {
            "id": f"msg_{uuid.uuid4().hex[:12]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": usage_in, "output_tokens": usage_out},
        }
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": usage_in,
            "candidatesTokenCount": usage_out,
            "totalTokenCount": usage_in + usage_out,
        },
        "modelVersion": model,
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState


class LLMServer:
    """Start with ``with LLMServer() as server:``; point the SDKs at ``base_url`` / ``openai_base_url``."""

    def __init__(self) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = ServerState()
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="llm-server", daemon=True)

    @property
    def state(self) -> ServerState:
        return self._httpd.state

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    def start(self) -> "LLMServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "LLMServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting and inspection ------------------------------------------------------------

    def fail_next(self, api: str, kind: str, times: int = 1, **options: Any) -> None:
        with self.state.lock:
            for _ in range(times):
                self.state.faults[api].append(Fault(kind, **options))

    def requests_for(self, api: str | None = None) -> list[RecordedRequest]:
        with self.state.lock:
            return [r for r in self.state.requests if api is None or r.api == api]

    def clear(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.faults.clear()

    def provider_configs(self, **overrides: Any) -> list[LabelProviderConfig]:
        """The three default providers, pointed at this server with its test key and short timeouts."""
        common: dict[str, Any] = {
            "api_key": SecretStr(API_KEY),
            "timeout_s": 5.0,
            "sdk_max_retries": 1,
            "requests_per_minute": None,
            "max_concurrency": 2,
        }
        common.update(overrides)
        return [
            LabelProviderConfig(
                name="openai",
                kind="openai",
                api_key_env=["OPENAI_API_KEY"],
                model="gpt-4.1-mini",
                base_url=self.openai_base_url,
                input_price_per_mtok=0.4,
                output_price_per_mtok=1.6,
                **common,
            ),
            LabelProviderConfig(
                name="gemini",
                kind="gemini",
                api_key_env=["GEMINI_API_KEY", "GOOGLE_API_KEY"],
                model="gemini-2.5-flash",
                base_url=self.base_url,
                input_price_per_mtok=0.3,
                output_price_per_mtok=2.5,
                **common,
            ),
            LabelProviderConfig(
                name="anthropic",
                kind="anthropic",
                api_key_env=["ANTHROPIC_API_KEY"],
                model="claude-haiku-4-5",
                base_url=self.base_url,
                input_price_per_mtok=1.0,
                output_price_per_mtok=5.0,
                **common,
            ),
        ]


def messages_frame(
    texts: list[str], campaigns: list[str | None] | None = None, id_offset: int = 0
) -> pl.DataFrame:
    """Messages in the snapshot schema whose texts are already PII-free (text_for_llm = text).

    ``campaigns`` names a campaign per message (None: its own); the first member is the representative.
    """
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [f"{i:016x}" for i in range(id_offset + 1, id_offset + len(texts) + 1)]
    names = campaigns or [None] * len(texts)
    first_of: dict[str, str] = {}
    campaign_ids = []
    is_rep = []
    for message_id, name in zip(ids, names):
        key = name if name is not None else message_id
        is_rep.append(key not in first_of)
        first_of.setdefault(key, message_id)
        campaign_ids.append(first_of[key])
    return pl.DataFrame(
        {
            "message_id": ids,
            "text": texts,
            "text_norm": texts,
            "text_model": texts,
            "text_for_llm": texts,
            "url_domains": [[] for _ in texts],
            "lang": ["ko"] * len(texts),
            "campaign_id": campaign_ids,
            "is_campaign_rep": is_rep,
            "first_seen_at": [start + timedelta(minutes=i) for i in range(len(texts))],
            "report_count": [1] * len(texts),
            "user_spam_reports": [0] * len(texts),
            "user_ham_reports": [0] * len(texts),
            "is_synthetic": [False] * len(texts),
            "ingest_run_id": ["test"] * len(texts),
        },
        schema_overrides={"url_domains": pl.List(pl.String)},
    )

"""A local stand-in for the OpenAI, Anthropic and Gemini HTTP APIs: the replay's LLM providers, tests and benches.

One ``ThreadingHTTPServer`` on 127.0.0.1 answers the three wire formats the official SDKs speak:

- OpenAI-compatible ``POST {base}/chat/completions`` (base_url = ``server.openai_base_url``)
- Anthropic ``POST /v1/messages`` (base_url = ``server.base_url``)
- Gemini ``POST /v1beta/models/{model}:generateContent`` (base_url = ``server.base_url``)

Its "model" is a keyword classifier over the message texts it finds in the ``<messages>`` JSON
array of the prompt, or, with a ``Simulation`` (the loop replay), three providers that know each message's
true label and answer around it: each with its own accuracy, errors correlated across providers, abstentions,
failed requests and a price table. Answers follow the format the request asks for (full JSON objects or
compact strings, ``models/label_prompt.py``). ``usage`` is computed from the real request and answer text
with the same token counter the dry run uses. Every request is recorded (path, headers, raw body) for
assertions, and faults can be scripted per API: 429 with Retry-After, 500, slow (beyond the client timeout),
malformed JSON, dropped ids, and an "injection echo" that answers ham for texts carrying an injection.
No Prefect here: the replay starts it inside the product (``spamloop replay``).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from statistics import NormalDist
from typing import Any

from pydantic import SecretStr

from models.label_prompt import CATEGORY_CODES, LABEL_CODES
from models.llm_tokens import count_tokens
from spamloop.settings.label import LabelProviderConfig

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


@dataclass(frozen=True)
class SimProvider:
    """One simulated LLM provider: the API it speaks, its model and prices, and how good and reliable it is."""

    name: str
    kind: str  # openai | gemini | anthropic: the wire format, and how the server tells the providers apart
    model: str
    input_price_per_mtok: float
    output_price_per_mtok: float
    accuracy: float = 0.93  # share of messages it labels right (spam/ham)
    abstain_rate: float = 0.01  # share of messages it leaves out of its answers (asked again, then an abstention)
    fail_rate: float = 0.02  # share of requests answered 500/429 (the SDK and the pipeline retry)


def default_sim_providers(accuracies: tuple[float, float, float] = (0.93, 0.92, 0.95)) -> list[SimProvider]:
    """The three default providers (models and list prices of ``spamloop.settings.label``) with given accuracies."""
    openai, gemini, anthropic = accuracies
    return [
        SimProvider("openai", "openai", "gpt-4.1-mini", 0.40, 1.60, accuracy=openai),
        SimProvider("gemini", "gemini", "gemini-2.5-flash", 0.30, 2.50, accuracy=gemini),
        SimProvider("anthropic", "anthropic", "claude-haiku-4-5", 1.00, 5.00, accuracy=anthropic),
    ]


_KEY_ENV = {"openai": ["OPENAI_API_KEY"], "gemini": ["GEMINI_API_KEY", "GOOGLE_API_KEY"], "anthropic": ["ANTHROPIC_API_KEY"]}
_WRONG_CATEGORY = {"spam": ("personal", "transactional"), "ham": ("advertising", "phishing_link")}
_NORMAL = NormalDist()


def truth_key(text: str) -> str:
    """How the simulation recognises a message: the text an LLM sees, whitespace collapsed, first 200 characters."""
    return " ".join(text.split())[:200]


def _unit(*parts: object) -> float:
    """A uniform number in (0, 1) fixed by ``parts``: the same message gets the same draw on every request."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


class Simulation:
    """Providers that know each message's true label (``truth``, keyed by ``truth_key`` of the LLM-visible text).

    A provider errs on a message when ``sqrt(rho) * s + sqrt(1 - rho) * e < Phi^-1(1 - accuracy)``, with ``s``
    shared by all providers (how hard the message is) and ``e`` its own, both standard normal and fixed by the
    message: each provider's error rate is exactly ``1 - accuracy`` and ``rho`` (``correlation``) makes the
    providers err on the same messages, as models trained on similar data do. Abstentions are fixed per
    (message, provider); request failures are drawn per request. Texts it does not know are answered by the
    keyword classifier and counted in ``unknown``.
    """

    def __init__(self, providers: list[SimProvider], correlation: float = 0.5, seed: int = 0) -> None:
        if not 0.0 <= correlation < 1.0:
            raise ValueError("correlation must be in [0, 1)")
        kinds = [p.kind for p in providers]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"one simulated provider per API kind, got {kinds}")
        self.providers = {p.kind: p for p in providers}
        self.correlation = correlation
        self.seed = seed
        self.truth: dict[str, tuple[str, str]] = {}
        self.unknown = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add_truth(self, llm_text: str, label: str, category: str) -> None:
        self.truth[truth_key(llm_text)] = (label, category)

    def request_fails(self, kind: str) -> str | None:
        """'server_error' or 'rate_limit' for a request that fails this time, else None."""
        provider = self.providers.get(kind)
        if provider is None:
            return None
        with self._lock:
            draw, which = self._rng.random(), self._rng.random()
        if draw >= provider.fail_rate:
            return None
        return "rate_limit" if which < 0.3 else "server_error"

    def verdict(self, kind: str, text: str) -> tuple[str, str, float] | None:
        """(label, category, confidence) of one provider on one text; None when it leaves the text out."""
        provider = self.providers[kind]
        key = truth_key(text)
        if _unit(self.seed, "abstain", provider.name, key) < provider.abstain_rate:
            return None
        known = self.truth.get(key)
        if known is None:
            with self._lock:
                self.unknown += 1
            return classify(text)
        label, category = known
        shared = _NORMAL.inv_cdf(_unit(self.seed, "hard", key))
        own = _NORMAL.inv_cdf(_unit(self.seed, "own", provider.name, key))
        z = self.correlation**0.5 * shared + (1 - self.correlation) ** 0.5 * own
        wrong = z < _NORMAL.inv_cdf(1.0 - provider.accuracy) if provider.accuracy < 1.0 else False
        u = _unit(self.seed, "confidence", provider.name, key)
        if not wrong:
            return label, category, round(0.75 + 0.24 * u, 2)
        flipped = "ham" if label == "spam" else "spam"
        options = _WRONG_CATEGORY[label]
        return flipped, options[int(u * len(options)) % len(options)], round(0.55 + 0.3 * u, 2)


@dataclass
class ServerState:
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    # api -> keyword -> (label, category, confidence): lets one "model" disagree with the others.
    overrides: dict[str, dict[str, tuple[str, str, float]]] = field(default_factory=lambda: defaultdict(dict))
    injection_echo: bool = False
    require_key: str | None = API_KEY
    simulation: Simulation | None = None
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
        if fault is None and state.simulation is not None:
            failure = state.simulation.request_fails(api)
            fault = Fault(failure) if failure else None
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
        simulated = state.simulation is not None and api in state.simulation.providers
        labels = []
        for item in items:
            text = str(item.get("text", ""))
            if simulated:
                verdict = state.simulation.verdict(api, text)
                if verdict is None:
                    continue  # this provider leaves the message out
                label, category, confidence = verdict
            else:
                label, category, confidence = classify(text)
            for keyword, override in state.overrides.get(api, {}).items():
                if keyword.lower() in text.lower():
                    label, category, confidence = override
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
        if _asks_compact(user):
            return json.dumps({"a": [_compact_item(entry) for entry in labels]}, ensure_ascii=False)
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


def _asks_compact(user: str) -> bool:
    """The compact answer format's request (models/label_prompt.py::COMPACT_USER_TEMPLATE)."""
    return 'Answer with {"a": [' in user


def _compact_item(entry: dict[str, Any]) -> str:
    digit = min(9, max(5, int(float(entry["confidence"]) * 10)))
    return f"{entry['id']}{LABEL_CODES[entry['label']]}{digit}{CATEGORY_CODES[entry['category']]}"


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

    def __init__(self, simulation: Simulation | None = None) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = ServerState(simulation=simulation)
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
        """The three providers (the simulation's, else the defaults), pointed at this server with its key."""
        common: dict[str, Any] = {
            "api_key": SecretStr(API_KEY),
            "timeout_s": 5.0,
            "sdk_max_retries": 1,
            "requests_per_minute": None,
            "max_concurrency": 2,
        }
        common.update(overrides)
        simulated = self.state.simulation.providers.values() if self.state.simulation else default_sim_providers()
        return [
            LabelProviderConfig(
                name=p.name,
                kind=p.kind,  # type: ignore[arg-type]
                api_key_env=_KEY_ENV.get(p.kind, []),
                model=p.model,
                base_url=self.openai_base_url if p.kind == "openai" else self.base_url,
                input_price_per_mtok=p.input_price_per_mtok,
                output_price_per_mtok=p.output_price_per_mtok,
                **common,
            )
            for p in simulated
        ]

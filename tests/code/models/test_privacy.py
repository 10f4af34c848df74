"""The PII corpus (tests/fixtures/pii_corpus.jsonl) through every path a text leaves the server by.

Each case has the PII values it holds (kind and span) and values that must survive (dates, prices, business
numbers, order numbers, ...). A value leaks when the scrubbed text still holds it: for numbers, any 7 consecutive
digits of it in the output's digits (digit look-alikes read as digits); for e-mails and IDs, the value or its
local part. A kept value is a false positive when it is no longer in the output verbatim.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from models import privacy
from models.normalization import model_text, normalize, normalize_frame, normalize_record, text_for_llm
from tasks.ingest.validate import scrub_excerpt

CORPUS_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "pii_corpus.jsonl"
CASES = [json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines()]
NUMBER_KINDS = {"phone", "rrn", "card", "account"}
MAX_FALSE_POSITIVE_SHARE = 0.02


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", privacy.canonical_view(text))


def leaked(kind: str, value: str, output: str) -> bool:
    if kind in NUMBER_KINDS:
        wanted, shown = _digits(value), _digits(output)
        return any(wanted[i : i + 7] in shown for i in range(max(1, len(wanted) - 6)))
    local = re.split(r"@|＠|\(at\)|\[at\]| at |골뱅이|:", value)[0].strip()
    lowered = output.lower()
    return value.lower() in lowered or (len(local) >= 2 and local.lower() in lowered)


def score(outputs: list[str]) -> tuple[Counter, Counter, int, list[str]]:
    """(leaks by kind, positives by kind, false positives, failure lines) of one engine's outputs."""
    leaks, positives, false_positives, failures = Counter(), Counter(), 0, []
    for case, output in zip(CASES, outputs, strict=True):
        for item in case["pii"]:
            positives[item["kind"]] += 1
            if leaked(item["kind"], item["value"], output):
                leaks[item["kind"]] += 1
                failures.append(f"LEAK {item['kind']} {case['id']}: {case['text']!r} -> {output!r}")
        for item in case["keep"]:
            if item["value"] not in output:
                false_positives += 1
                failures.append(f"FP {case['id']}: {case['text']!r} -> {output!r}")
    return leaks, positives, false_positives, failures


def test_corpus_is_large_and_covers_every_kind():
    kinds = Counter(item["kind"] for case in CASES for item in case["pii"])
    kept = sum(len(case["keep"]) for case in CASES)
    assert len(CASES) >= 200 and kept >= 100
    assert set(kinds) == {"phone", "rrn", "card", "account", "email", "id"} and min(kinds.values()) >= 15
    for case in CASES:  # spans point at the values
        for item in case["pii"] + case["keep"]:
            assert case["text"][item["start"] : item["end"]] == item["value"], case["id"]


def _python_engine() -> list[str]:
    return [text_for_llm(case["text"]) for case in CASES]


def _polars_engine() -> list[str]:
    return normalize_frame(pl.DataFrame({"text": [c["text"] for c in CASES]}))["text_for_llm"].to_list()


def _excerpts() -> list[str]:
    return [scrub_excerpt(case["text"]) for case in CASES]


def _escaped_json_excerpts() -> list[str]:
    # A raw JSON line as a quarantined row keeps it: every non-ASCII character written as \uXXXX.
    lines = [json.dumps({"report_id": c["id"], "received_at": "yesterday", "text": c["text"]}) for c in CASES]
    return [scrub_excerpt(line) for line in lines]


ENGINES = {"python": _python_engine, "polars": _polars_engine, "excerpt": _excerpts, "escaped-json excerpt": _escaped_json_excerpts}


@pytest.mark.parametrize("engine", list(ENGINES))
def test_no_pii_leaks_and_few_false_positives(engine, capsys):
    outputs = ENGINES[engine]()
    if engine == "escaped-json excerpt":
        # the excerpt keeps the JSON around the text: score the text part (cut at 200 chars like every excerpt)
        outputs = [output.split('"text": "', 1)[-1] for output in outputs]
    leaks, positives, false_positives, failures = score(outputs)
    kept = sum(len(case["keep"]) for case in CASES)
    with capsys.disabled():
        table = ", ".join(f"{kind} {leaks[kind]}/{positives[kind]}" for kind in sorted(positives))
        print(f"\n[pii corpus, {engine}] leaks {sum(leaks.values())}/{sum(positives.values())} ({table}); "
              f"false positives {false_positives}/{kept}")
    assert sum(leaks.values()) == 0, "\n".join(failures)
    assert false_positives <= MAX_FALSE_POSITIVE_SHARE * kept, "\n".join(failures)


def test_engines_agree_on_the_corpus():
    texts = [case["text"] for case in CASES]
    frame = normalize_frame(pl.DataFrame({"text": texts})).to_dicts()
    for text, row in zip(texts, frame, strict=True):
        record = normalize_record(text)
        assert {name: row[name] for name in record.__dataclass_fields__} == record.__dict__, text


def test_scrubbing_a_scrubbed_text_changes_nothing():
    """The label stage scrubs text_for_llm again at send time, so a placeholder must never read as PII context
    (once "LINE ID [ID] add me" became "LINE ID [ID] [ID] me")."""
    for case in CASES:
        once = privacy.scrub(case["text"])
        assert privacy.scrub(once) == once, case["text"]


def test_the_privacy_pass_adds_to_the_spec_and_never_touches_model_text():
    raw = "상담 공일공-1234-5678 / 카톡 ID: abc123 / hong@한국.kr"
    assert model_text(raw) == normalize(raw) == raw  # the on-device rules do not see these
    assert text_for_llm(raw) == "상담 [PHONE] / 카톡 ID: [ID] / [EMAIL]"
    # the pass is idempotent and leaves text without a prefilter match as it is
    assert privacy.scrub(text_for_llm(raw)) == text_for_llm(raw)
    assert privacy.scrub("오늘 점심 뭐 먹지?") == "오늘 점심 뭐 먹지?"


def test_canonical_view_keeps_one_character_per_character():
    for case in CASES:
        assert len(privacy.canonical_view(case["text"])) == len(case["text"])
    assert privacy.canonical_view("O1O🔥l234–5678 공일공 일이삼사 24일이면 Hello") == "010-1234-5678 010 1234 24일이면 Hello"


def test_business_numbers_stay_visible_and_personal_ones_do_not():
    assert text_for_llm("고객센터 1588-1234, 상담원 010-2345-6789") == "고객센터 1588-1234, 상담원 [PHONE]"
    assert text_for_llm("안심번호 0504-1234-5678") == "안심번호 [PHONE]"
    assert text_for_llm("서울 02-123-4567") == "서울 [PHONE]"


def test_rrn_checksum_and_context():
    assert privacy.rrn_checksum_valid("9001012234561") and not privacy.rrn_checksum_valid("9001012234567")
    assert text_for_llm("주민번호 9001012234567") == "주민번호 [RRN]"  # context word, no check digit
    assert text_for_llm("바코드 8801234567893") == "바코드 8801234567893"  # no context, no check digit


def test_privacy_prefilter_compiles_in_both_regex_engines_and_guards_every_change():
    pl.Series(["x"]).str.contains(privacy.PREFILTER)
    prefilter = re.compile(privacy.PREFILTER)
    for case in CASES:
        shown = text_for_llm(case["text"])
        if privacy.find_pii(shown) or privacy.scrub(case["text"]) != case["text"]:
            assert prefilter.search(case["text"]), case["id"]

"""Review queue export and human verdict import (CSV and JSONL), and their priority over LLM labels."""

from __future__ import annotations

import csv
import json

import pytest

from tasks.label.pipeline import run_labeling
from tasks.label.review import export_review_queue, import_verdicts
from tasks.label.store import LabelStore, final_labels
from tests.support.llm_server import messages_frame

TEXTS = ["(광고) 겨울 세일 70% 할인", "밥 먹었어?", "토토 가입머니 [URL:t.co]"]


@pytest.fixture
def queued(config, llm_server, label_config):
    """One message (the advert) in the review queue after a run where anthropic disagrees."""
    llm_server.state.overrides["anthropic"]["세일"] = ("ham", "transactional", 0.6)
    messages = messages_frame(TEXTS)
    run_labeling(config, messages, label_config=label_config, include_seed=False)
    return messages


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_then_import_round_trip(config, llm_server, label_config, queued, tmp_path, suffix):
    path = tmp_path / f"review{suffix}"
    assert export_review_queue(config, path) == 1
    if suffix == ".csv":
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows[0]["text_for_llm"] == TEXTS[0]
        assert "anthropic=ham/transactional/0.60" in rows[0]["votes"]
        assert "openai=spam/advertising" in rows[0]["votes"]
        rows[0].update(label="spam", category="advertising", reviewer="jiyoon", comment="광고 표기 있음")
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert rows[0]["reason"] == "disagreement" and len(rows[0]["votes"]) == 3
        rows[0].update(label="spam", category="advertising", reviewer="jiyoon", comment="")
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    report = import_verdicts(config, path)
    assert report.imported == 1 and report.rejected == []
    labels = final_labels(config, include_seed=False)
    advert = labels.filter(labels["message_id"] == queued["message_id"][0]).row(0, named=True)
    assert (advert["label"], advert["label_source"], advert["category"]) == ("spam", "human", "advertising")
    assert export_review_queue(config, tmp_path / f"again{suffix}") == 0, "reviewed items leave the queue"

    # A later LLM run never overwrites a human verdict.
    run_labeling(config, queued, label_config=label_config, include_seed=False)
    with LabelStore.for_config(config) as store:
        assert store.human_labels().height == 1
    again = final_labels(config, include_seed=False)
    assert again.filter(again["message_id"] == queued["message_id"][0])["label_source"].to_list() == ["human"]


def test_import_rejects_invalid_rows_and_skips_blank_ones(config, tmp_path):
    path = tmp_path / "verdicts.csv"
    path.write_text(
        "message_id,label,category,reviewer,comment\n"
        "aaaa,spam,loan,kim,\n"
        "bbbb,,,,\n"
        "cccc,maybe,,kim,\n"
        "dddd,ham,gambling,kim,\n"
        ",spam,loan,kim,\n"
        "eeee,HAM,,lee,looks fine\n",
        encoding="utf-8",
    )
    report = import_verdicts(config, path)
    assert report.imported == 2 and report.skipped_unreviewed == 1
    assert len(report.rejected) == 3
    assert any("maybe" in r for r in report.rejected) and any("gambling" in r for r in report.rejected)
    labels = {r[0]: (r[1], r[3]) for r in final_labels(config, include_seed=False).iter_rows()}
    assert labels == {"aaaa": ("spam", "loan"), "eeee": ("ham", None)}


def test_unknown_file_type_is_refused(config, tmp_path):
    with pytest.raises(ValueError, match="csv or .jsonl"):
        export_review_queue(config, tmp_path / "queue.xlsx")


def test_final_labels_include_seed_and_human_verdicts_outrank_it(config, tmp_path):
    seed_only = final_labels(config)
    assert seed_only.height > 1000 and set(seed_only["label_source"]) == {"seed"}
    assert set(seed_only["label"]) == {"spam", "ham"}
    target = seed_only.row(0, named=True)
    flipped = "ham" if target["label"] == "spam" else "spam"
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps({"message_id": target["message_id"], "label": flipped}) + "\n", encoding="utf-8")
    assert import_verdicts(config, path).imported == 1
    merged = final_labels(config)
    assert merged.height == seed_only.height
    row = merged.filter(merged["message_id"] == target["message_id"]).row(0, named=True)
    assert (row["label"], row["label_source"]) == (flipped, "human")

"""The drift scheduler: new subtypes appear in their week and not before, campaigns fade, ham stays, users report."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tasks.replay.metrics import policy_category
from tasks.replay.weeks import GENERATOR, plan_drift, read_truth, week_folders, write_seed_without, write_weeks
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    plan = plan_drift(4, seed=3, campaign_size=10, heldout_per_campaign=5, spam_singletons=30, ham_per_week=60, heldout_ham=20)
    out = tmp_path_factory.mktemp("weeks") / "logs"
    return plan, out, write_weeks(plan, out)


def test_new_subtypes_appear_in_their_week_and_never_before(written):
    plan, out, weeks = written
    assert [w.week for w in weeks] == [1, 2, 3, 4] and sorted(plan.new_subtypes) == [2, 3, 4]
    truths = [read_truth(folder) for folder in week_folders(out)]
    for week, truth in enumerate(truths, start=1):
        present = set(truth.filter(pl.col("label") == "spam")["subtype"].to_list())
        for first, names in plan.new_subtypes.items():
            for name in names:
                assert (name in present) == (week >= first), (week, name)
        assert truth.filter(pl.col("label") == "ham").height == 60  # ham stays
    assert set(plan.established).isdisjoint(plan.all_new)


def test_campaigns_run_for_two_weeks_then_fade(written):
    plan, out, weeks = written
    truths = [read_truth(folder) for folder in week_folders(out)]
    seen: dict[str, list[int]] = {}
    for week, truth in enumerate(truths, start=1):
        for campaign in set(truth.filter(pl.col("campaign") != "")["campaign"].to_list()):
            seen.setdefault(campaign, []).append(week)
    assert seen and all(weeks_ == list(range(weeks_[0], weeks_[0] + len(weeks_))) for weeks_ in seen.values())
    assert all(len(w) == plan.campaign_weeks for c, w in seen.items() if w[0] < 4)
    assert weeks[1].new_campaigns and all(c.split("/")[0] in plan.new_subtypes[2] for c in weeks[1].new_campaigns)


def test_users_report_a_share_of_spam_and_mark_a_share_of_ham(written):
    _, out, _ = written
    lines = [json.loads(line) for path in sorted((out / "week-02").glob("*.jsonl")) for line in path.read_text().splitlines()]
    spam = [r for r in lines if r["label"] == "spam"]
    ham = [r for r in lines if r["label"] == "ham"]
    reported = sum(r.get("user_verdict") == "spam" for r in spam) / len(spam)
    marked = sum(r.get("user_verdict") == "ham" for r in ham) / len(ham)
    assert 0.4 < reported < 0.7 and 0.03 < marked < 0.3
    assert all(r["received_at"].startswith("2026-11-") for r in lines)


def test_heldout_variants_are_never_in_the_logs(written):
    _, out, _ = written
    heldout = pl.read_ndjson(out / "heldout.jsonl")
    logged = set(pl.concat([read_truth(f) for f in week_folders(out)])["text"].to_list())
    assert heldout.height and not set(heldout["text"].to_list()) & logged
    assert set(heldout["label"].to_list()) == {"spam", "ham"}


def test_seed_copy_drops_the_new_subtypes_and_keeps_the_real_corpora(tmp_path):
    new = GENERATOR.spam_subtypes()[:2]
    out = write_seed_without(REPO_ROOT / "data" / "seed", tmp_path / "seed", new, GENERATOR.seed_subtype_column)
    synth = pl.read_csv(out / "ko_synthetic_sms.tsv", separator="\t", quote_char=None, infer_schema=False)
    original = pl.read_csv(REPO_ROOT / "data" / "seed" / "ko_synthetic_sms.tsv", separator="\t", quote_char=None, infer_schema=False)
    column = GENERATOR.seed_subtype_column
    assert not synth.filter(pl.col(column).is_in(new)).height
    assert synth.height == original.filter(~pl.col(column).is_in(new)).height > 0
    assert (out / "uci_sms_spam.tsv").read_bytes() == (REPO_ROOT / "data" / "seed" / "uci_sms_spam.tsv").read_bytes()


def test_user_logs_carry_their_truth_in_any_format(tmp_path):
    week = tmp_path / "week-01"
    week.mkdir()
    (week / "a.csv").write_text("report_id,received_at,text,label,campaign\nr1,2026-11-02T10:00:00+09:00,hi,HAM,\n", encoding="utf-8")
    (week / "b.jsonl").write_text('{"report_id": "r2", "received_at": "2026-11-02T11:00:00+09:00", "text": "win"}\n')
    truth = read_truth(week).sort("text")
    assert truth.to_dicts() == [
        {"text": "hi", "label": "ham", "subtype": "", "campaign": ""},
        {"text": "win", "label": None, "subtype": "", "campaign": ""},
    ]
    (week / "c.jsonl").write_text('{"report_id": "r3", "received_at": "2026-11-02T11:00:00+09:00", "text": "x", "label": "maybe"}\n')
    with pytest.raises(ValueError, match="spam or ham"):
        read_truth(week)


def test_unknown_new_subtypes_are_refused_and_categories_map_to_the_policy():
    with pytest.raises(ValueError, match="unknown spam subtypes"):
        plan_drift(3, new_subtypes=["no_such_subtype"])
    assert policy_category("spam", "smishing_delivery") == "impersonation_smishing"
    assert policy_category("spam", "investment") == "investment_scam"
    assert policy_category("ham", "otp") == "transactional" and policy_category("ham", "personal") == "personal"
    assert policy_category("spam", None) == "advertising"

"""The gold set: fixed, digest-checked, deterministic to build, never overlapping training."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import polars as pl
import pytest

from models.gold import (
    GOLD_SCHEMA,
    GoldSetIntegrityError,
    assert_disjoint_from_gold,
    drop_gold_overlap,
    gold_paths,
    load_gold,
)
from models.gold_rule import is_gold_holdout
from models.normalization import normalize, template_key
from models.normalization import message_id as make_message_id
from models.seed import load_seed_labels
from tasks.evaluate.gold import build_gold, category_group, is_obfuscated
from tests.conftest import REPO_ROOT

SEED_DIR = REPO_ROOT / "data" / "seed"


def test_committed_gold_v1_is_verified_and_well_formed(gold):
    frame = gold.frame
    assert frame.schema == pl.Schema(GOLD_SCHEMA)
    assert frame.height == gold.manifest.rows > 1000
    assert frame["message_id"].is_unique().all()
    assert frame["message_id"].to_list() == sorted(frame["message_id"].to_list())
    assert all(is_gold_holdout(mid) for mid in frame["message_id"].to_list())
    assert set(frame["label"].unique().to_list()) == {"spam", "ham"}
    assert set(frame["lang"].unique().to_list()) >= {"ko", "en"}
    # Every slice the gates look at has material in v1.
    groups = frame.group_by("category_group", "label").len()
    for group, label in [("smishing", "spam"), ("advertising", "spam"), ("transactional", "ham")]:
        assert groups.filter((pl.col("category_group") == group) & (pl.col("label") == label))["len"].item() >= 20
    assert frame.filter(pl.col("has_url") & (pl.col("label") == "spam")).height >= 20
    assert frame.filter(pl.col("is_obfuscated") & (pl.col("label") == "spam")).height >= 20
    assert gold.manifest.counts["label"] == {"ham": frame.filter(pl.col("label") == "ham").height, "spam": len(gold.is_spam) - frame.filter(pl.col("label") == "ham").height}


def test_an_edited_gold_file_fails_loudly(gold, tmp_path):
    parquet, manifest = gold_paths("v1", REPO_ROOT / "data" / "gold")
    shutil.copy(parquet, tmp_path / parquet.name)
    shutil.copy(manifest, tmp_path / manifest.name)
    assert load_gold("v1", tmp_path).manifest.sha256 == gold.manifest.sha256

    flipped = gold.frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("spam")).otherwise(pl.col("label")).alias("label")
    )
    flipped.write_parquet(tmp_path / parquet.name)
    with pytest.raises(GoldSetIntegrityError, match="digest mismatch"):
        load_gold("v1", tmp_path)

    (tmp_path / manifest.name).unlink()
    with pytest.raises(FileNotFoundError):
        load_gold("v1", tmp_path)
    with pytest.raises(ValueError, match="look like"):
        gold_paths("latest")


def test_build_is_deterministic_and_never_overwrites(gold, tmp_path):
    first = build_gold("v1", SEED_DIR, tmp_path / "a")
    second = build_gold("v1", SEED_DIR, tmp_path / "b")
    assert (first.sha256, first.content_sha256) == (second.sha256, second.content_sha256)
    assert (tmp_path / "a" / "gold-v1.parquet").read_bytes() == (tmp_path / "b" / "gold-v1.parquet").read_bytes()
    with pytest.raises(FileExistsError):
        build_gold("v1", SEED_DIR, tmp_path / "a")
    # Messages still in the corpora keep the label they have in the committed gold set.
    rebuilt = load_gold("v1", tmp_path / "a").frame.select("message_id", pl.col("label").alias("label_now"))
    joined = gold.frame.join(rebuilt, on="message_id")
    assert joined.filter(pl.col("label") != pl.col("label_now")).height == 0


@pytest.mark.slow
def test_cli_builds_a_new_version_and_verifies_it(tmp_path):
    gold_dir = tmp_path / "gold"
    run = [sys.executable, "-m", "tasks.evaluate.gold"]
    built = subprocess.run([*run, "build", "--version", "v2", "--gold-dir", str(gold_dir)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    manifest = json.loads((gold_dir / "gold-v2.json").read_text())
    assert manifest["version"] == "v2" and manifest["rows"] > 1000
    verified = subprocess.run([*run, "verify", "--version", "v2", "--gold-dir", str(gold_dir)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0 and "ok" in verified.stdout
    again = subprocess.run([*run, "build", "--version", "v2", "--gold-dir", str(gold_dir)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode != 0 and "already exists" in again.stderr


def test_training_frame_is_disjoint_from_gold_by_id_and_campaign(gold):
    seed = load_seed_labels(SEED_DIR)
    train = drop_gold_overlap(seed, gold)
    assert_disjoint_from_gold(train, gold)
    assert train.height > 0.8 * (seed.height - gold.frame.height)
    # The raw seed frame contains the gold rows, so the same check must fail on it.
    with pytest.raises(AssertionError, match="message ids"):
        assert_disjoint_from_gold(seed, gold)


def test_a_campaign_sibling_of_a_gold_message_is_a_leak(gold):
    # A message with an amount-like number but no placeholder, so changing digits only changes the numbers.
    plain = gold.frame.filter(pl.col("text_norm").str.contains(r"\d{3}") & ~pl.col("text_norm").str.contains(r"\[[A-Z]+\]"))
    row = plain.row(0, named=True)
    sibling_text = row["text"].translate(str.maketrans("0123456789", "9876543210"))
    sibling_norm = normalize(sibling_text)
    sibling = pl.DataFrame(
        {"message_id": [make_message_id(sibling_norm)], "text_norm": [sibling_norm], "label": [row["label"]]}
    )
    assert sibling["message_id"].item() != row["message_id"]
    assert template_key(sibling_norm) == row["template_key"]
    with pytest.raises(AssertionError, match=r"0 message ids .* 1 campaigns"):
        assert_disjoint_from_gold(sibling, gold)
    assert drop_gold_overlap(sibling, gold).height == 0


def test_category_groups():
    assert category_group("spam", "smishing_delivery") == "smishing"
    assert category_group("spam", "phishing") == "smishing"
    assert category_group("spam", "advertising") == "advertising"
    assert category_group("spam", "gambling") == "advertising"
    assert category_group("ham", "otp") == "transactional"
    assert category_group("ham", "card_approval") == "transactional"
    assert category_group("ham", None) == "personal"
    assert category_group("spam", None) == "other_spam"
    with pytest.raises(ValueError, match="unknown seed category"):
        category_group("spam", "brand_new_scam")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("대.출 당일 가능", True),
        ("카 지 노 오픈", True),
        ("ㅋr지노 오픈 이벤트", True),
        ("서민DAE출 안내", True),
        ("［Ｎｅｔｆｌｉｘ］ 결제 실패", True),
        ("①가입 ②충전", True),
        ("KAKA0 친구추가", True),
        ("fr\u200bee entry", True),
        ("좋아하는 남자애가 입대하는데 선물 추천해줘", False),
        ("ㅋㅋㅋ 진짜 웃기다 ㅠㅠ", False),
        ("Free entry in 2 a wkly comp 08452810075over18s", False),
        ("Ok lar... Joking wif u oni...", False),
        ("[신한카드] 승인 45,000원 일시불", False),
    ],
)
def test_obfuscation_flag(text, expected):
    assert is_obfuscated(text) is expected


def test_default_gold_dir_works_from_any_working_directory(gold, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_gold("v1").manifest.sha256 == gold.manifest.sha256

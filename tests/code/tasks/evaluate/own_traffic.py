"""Own traffic for the gold tests: a small seed folder, a hand-written snapshot of invented user messages with
ingest campaigns, and verdicts imported through the review CSV flow."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from models.normalization import NORMALIZATION_VERSION, normalize_frame
from tests.conftest import REPO_ROOT

SEED_DIR = REPO_ROOT / "data" / "seed"

# Invented messages (not in the seed corpora). Campaign "parcel": two near-copies of one smishing text, which
# ingest's MinHash puts in one campaign although their template keys differ.
OWN_MESSAGES: list[tuple[str, str, str | None]] = [
    # (key, text, campaign name: None = a campaign of its own)
    ("parcel", "[Web발신] 고객님 택배 주소지 불일치로 반송 예정입니다. 주소 수정 http://cj-redeliv.top/a8", "parcel"),
    ("parcel_copy", "[Web발신] 고객님 택배 주소 불일치, 반송 예정. 주소지 수정 부탁드립니다 http://cj-redeliv.top/b7", "parcel"),
    ("dinner", "이번주 토요일 저녁 일곱시에 을지로 노가리집 어때? 민수도 온대", None),
    ("coupon", "WINNER!! Your number was drawn for a 2000 GBP reward. Reply CLAIM to 80082 now", None),
    ("school", "[가정통신문] 다음주 수요일 현장체험학습 동의서를 금요일까지 제출해 주세요", None),
    ("unverified", "형 내일 회의 자료 메일로 보내줄게 확인 부탁해", None),
]


def tiny_seed_dir(folder: Path, rows: int = 400) -> Path:
    """The first ``rows`` rows of every bundled seed corpus: the gold rule on a corpus small enough for unit tests."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SEED_DIR.glob("*.tsv")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / path.name).write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return folder


def own_messages() -> pl.DataFrame:
    """OWN_MESSAGES in the snapshot schema, normalised for real; campaign_id = the first member's message id."""
    frame = normalize_frame(pl.DataFrame({"key": [k for k, _, _ in OWN_MESSAGES], "text": [t for _, t, _ in OWN_MESSAGES]}))
    first: dict[str, str] = {}
    campaign_ids, reps = [], []
    for (key, _, campaign), message_id in zip(OWN_MESSAGES, frame["message_id"].to_list(), strict=True):
        name = campaign or key
        reps.append(name not in first)
        campaign_ids.append(first.setdefault(name, message_id))
    return frame.with_columns(
        pl.Series("campaign_id", campaign_ids),
        pl.Series("is_campaign_rep", reps),
        pl.lit(datetime(2026, 11, 20, tzinfo=UTC)).alias("first_seen_at"),
        pl.lit(False).alias("is_synthetic"),
    )


def write_own_snapshot(config, messages: pl.DataFrame) -> str:
    """Write ``messages`` as the state folder's only corpus part and snapshot; returns the snapshot id."""
    from tasks.ingest.snapshot import SnapshotPart, write_snapshot

    part_path = config.paths.corpus / "messages" / "part-own.parquet"
    part_path.parent.mkdir(parents=True, exist_ok=True)
    messages.drop("key").write_parquet(part_path)
    part = SnapshotPart(
        path=str(part_path.relative_to(config.state_dir)),
        sha256=hashlib.sha256(part_path.read_bytes()).hexdigest(),
        rows=messages.height,
    )
    manifest, _ = write_snapshot(config, [part], [], NORMALIZATION_VERSION, {"messages": messages.height})
    return manifest.snapshot_id


def write_verdicts(path: Path, verdicts: list[tuple[str, str, str | None]], reviewer: str = "jiyoon") -> Path:
    """A filled-in review file: (message_id, label, category) rows, as a reviewer returns it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["message_id", "label", "category", "reviewer", "comment"])
        writer.writeheader()
        for message_id, label, category in verdicts:
            writer.writerow({"message_id": message_id, "label": label, "category": category or "", "reviewer": reviewer, "comment": ""})
    return path


def id_of(messages: pl.DataFrame, key: str) -> str:
    return messages.filter(pl.col("key") == key)["message_id"].item()

"""Weeks of drifting report logs for the loop replay, from whatever synthetic generator is present.

A *generator adapter* turns the sample generator into rows tagged with ``(label, category, subtype, campaign)``;
the *drift scheduler* decides, week by week, which spam subtypes exist (established ones from week 1, new ones
from their week on), which campaigns run (each for ``campaign_weeks`` weeks, then it fades), the ham that stays,
and what users say (a share of spam reported, a share of ham marked, a few wrong). Each week is written as a
folder of report logs in the raw-log format (docs/raw_log_schema.md) with three extra fields ingest ignores:
``label`` (the truth), ``subtype`` and ``campaign``. ``spamloop replay --logs DIR`` reads a user's own folders
in the same layout. Held-out variants of every new campaign and fresh ham (never ingested) measure the models.

The replay uses generator v2 (tasks/sample/synth_ko_v2.py) without gold v2's held-out subtypes; generator v1
remains as ``SynthKoV1`` (the one line ``GENERATOR = ...`` below).
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

import polars as pl

SEOUL = timezone(timedelta(hours=9))
FIRST_DAY = datetime(2026, 11, 2, tzinfo=SEOUL)  # a Monday; week k starts 7 * (k - 1) days later
WEEK_DIR = "week-{:02d}"
HELDOUT_FILE = "heldout.jsonl"  # next to the week folders: scored by the replay, never ingested
TRUTH_FIELDS = ("label", "subtype", "campaign")


@dataclass(frozen=True)
class TaggedRow:
    """One generated SMS with what the replay knows about it."""

    text: str
    label: str  # spam | ham
    category: str  # the generator's category
    subtype: str  # the unit that appears and fades (v1: category; v2: subtype)
    campaign: str  # one burst of one wording: "" for singletons and ham


class GeneratorAdapter(Protocol):
    """What the drift scheduler needs from a synthetic generator."""

    name: str
    seed_subtype_column: str  # column of the bundled synthetic seed TSV that carries the subtype

    def spam_subtypes(self) -> list[str]: ...

    def campaign_rows(self, subtype: str, index: int, n: int, seed: int) -> list[TaggedRow]: ...

    def spam_rows(self, subtypes: list[str], n: int, seed: int) -> list[TaggedRow]: ...

    def ham_rows(self, n: int, seed: int) -> list[TaggedRow]: ...


class SynthKoV1:
    """tasks/sample/synth_ko.py: subtypes are its categories, a campaign is one of the category's templates."""

    name = "synth_ko v1"
    seed_subtype_column = "category"

    def __init__(self) -> None:
        from tasks.sample import synth_ko

        self._gen = synth_ko

    def spam_subtypes(self) -> list[str]:
        return list(self._gen.SPAM_CATEGORIES)

    def campaign_rows(self, subtype: str, index: int, n: int, seed: int) -> list[TaggedRow]:
        templates = self._gen.template_ids(subtype)
        template = templates[index % len(templates)]
        return [
            TaggedRow(r.text, r.label, r.category, r.category, template)
            for r in self._gen.campaign_variants(template, n, seed=seed)
        ]

    def spam_rows(self, subtypes: list[str], n: int, seed: int) -> list[TaggedRow]:
        wanted = set(subtypes)
        rows = [r for r in self._gen.generate(4 * n, seed=seed, spam_ratio=1.0) if r.category in wanted]
        return [TaggedRow(r.text, r.label, r.category, r.category, "") for r in rows[:n]]

    def ham_rows(self, n: int, seed: int) -> list[TaggedRow]:
        return [TaggedRow(r.text, r.label, r.category, r.category, "") for r in self._gen.generate(n, seed=seed, spam_ratio=0.0)]


class SynthKoV2:
    """tasks/sample/synth_ko_v2.py: subtypes are its subtypes; a campaign is one wording seed of a subtype."""

    name = "synth_ko v2"
    seed_subtype_column = "subtype"

    def __init__(self) -> None:
        from tasks.sample import synth_ko_v2  # type: ignore[attr-defined]

        self._gen = synth_ko_v2

    def spam_subtypes(self) -> list[str]:
        # Gold v2 judges models on these as never seen; traffic carrying them would train on them.
        from models.gold_rule import GOLD_V2_HELDOUT_SUBTYPES

        return sorted(
            name for name, subtype in self._gen.SUBTYPES.items() if subtype.label == "spam" and name not in GOLD_V2_HELDOUT_SUBTYPES
        )

    def campaign_rows(self, subtype: str, index: int, n: int, seed: int) -> list[TaggedRow]:
        rows = self._gen.campaign_variants(subtype, n, seed=seed * 1000 + index)
        return [TaggedRow(r.text, r.label, r.category, r.subtype, f"{subtype}#{index}") for r in rows]

    def spam_rows(self, subtypes: list[str], n: int, seed: int) -> list[TaggedRow]:
        rows = self._gen.generate(n, seed=seed, spam_ratio=1.0, subtypes=subtypes)
        return [TaggedRow(r.text, r.label, r.category, r.subtype, "") for r in rows]

    def ham_rows(self, n: int, seed: int) -> list[TaggedRow]:
        rows = self._gen.generate(n, seed=seed, spam_ratio=0.0)
        return [TaggedRow(r.text, r.label, r.category, r.subtype, "") for r in rows]


GENERATOR: GeneratorAdapter = SynthKoV2()


@dataclass(frozen=True)
class DriftPlan:
    """Who sends what in which week. Week 1 has only established spam subtypes; new ones start later."""

    weeks: int
    new_subtypes: dict[int, list[str]]  # week -> spam subtypes that first appear that week
    established: list[str]
    seed: int = 7
    campaign_weeks: int = 2  # a campaign runs this many weeks, then fades
    campaigns_per_week: int = 4  # new campaigns of established subtypes started each week
    campaigns_per_new_subtype: int = 2
    campaign_size: int = 40  # reports of one campaign in one week
    heldout_per_campaign: int = 40  # fresh variants per new campaign, scored but never ingested
    spam_singletons: int = 150  # spam of established subtypes outside campaigns, per week
    ham_per_week: int = 600
    heldout_ham: int = 400
    spam_report_rate: float = 0.55  # users who report a spam as spam ...
    spam_wrong_rate: float = 0.05  # ... or mark it ham
    ham_mark_rate: float = 0.12  # users who mark a ham as ham ...
    ham_wrong_rate: float = 0.04  # ... or report it as spam

    @property
    def all_new(self) -> list[str]:
        return [s for week in sorted(self.new_subtypes) for s in self.new_subtypes[week]]

    def describe(self) -> dict[str, Any]:
        return asdict(self)


def plan_drift(
    weeks: int,
    seed: int = 7,
    new_subtypes: list[str] | None = None,
    per_week: int = 1,
    generator: GeneratorAdapter | None = None,
    **options: Any,
) -> DriftPlan:
    """A plan with ``per_week`` new spam subtypes in each of weeks 2..N (``new_subtypes``, or drawn by ``seed``)."""
    generator = generator or GENERATOR
    subtypes = generator.spam_subtypes()
    if weeks < 1:
        raise ValueError("weeks must be >= 1")
    needed = per_week * max(weeks - 1, 0)
    if new_subtypes is None:
        pool = list(subtypes)
        random.Random(seed).shuffle(pool)
        new_subtypes = pool[:needed]
    unknown = [s for s in new_subtypes if s not in subtypes]
    if unknown:
        raise ValueError(f"unknown spam subtypes {unknown}; the generator ({generator.name}) has {subtypes}")
    if len(new_subtypes) >= len(subtypes):
        raise ValueError("keep at least one established spam subtype")
    schedule = {week: new_subtypes[(week - 2) * per_week : (week - 1) * per_week] for week in range(2, weeks + 1)}
    schedule = {week: names for week, names in schedule.items() if names}
    established = [s for s in subtypes if s not in set(new_subtypes)]
    return DriftPlan(weeks=weeks, new_subtypes=schedule, established=established, seed=seed, **options)


@dataclass
class Campaign:
    key: str
    subtype: str
    start_week: int
    new_subtype: bool
    rows_seed: int


@dataclass
class WeekLogs:
    """What was written for one week."""

    week: int
    folder: Path
    reports: int
    spam: int
    ham: int
    new_campaigns: list[str] = field(default_factory=list)


def _verdict(rng: random.Random, label: str, plan: DriftPlan) -> str | None:
    draw = rng.random()
    if label == "spam":
        return "spam" if draw < plan.spam_report_rate else ("ham" if draw < plan.spam_report_rate + plan.spam_wrong_rate else None)
    return "ham" if draw < plan.ham_mark_rate else ("spam" if draw < plan.ham_mark_rate + plan.ham_wrong_rate else None)


def _report(rng: random.Random, week: int, row: TaggedRow, plan: DriftPlan) -> dict[str, Any]:
    day = FIRST_DAY + timedelta(days=7 * (week - 1) + rng.randrange(7))
    received = day + timedelta(hours=rng.randrange(7, 23), minutes=rng.randrange(60), seconds=rng.randrange(60))
    return {
        "report_id": f"w{week:02d}-{rng.getrandbits(48):012x}",
        "received_at": received.isoformat(),
        "text": row.text,
        "user_verdict": _verdict(rng, row.label, plan),
        "locale": "ko-KR",
        "synthetic": True,
        "label": row.label,
        "subtype": row.subtype,
        "campaign": row.campaign,
    }


def _campaigns(plan: DriftPlan) -> list[Campaign]:
    rng = random.Random(f"{plan.seed}:campaigns")
    campaigns: list[Campaign] = []
    counters: dict[str, int] = {}
    for week in range(1, plan.weeks + 1):
        starts = [(rng.choice(plan.established), False) for _ in range(plan.campaigns_per_week)]
        starts += [(s, True) for s in plan.new_subtypes.get(week, []) for _ in range(plan.campaigns_per_new_subtype)]
        for subtype, is_new in starts:
            index = counters.get(subtype, 0)
            counters[subtype] = index + 1
            campaigns.append(Campaign(f"{subtype}/{index}", subtype, week, is_new, rng.randrange(2**31)))
    return campaigns


def write_weeks(plan: DriftPlan, out_dir: Path, generator: GeneratorAdapter | None = None) -> list[WeekLogs]:
    """Write ``out_dir/week-NN/reports-<day>.jsonl`` for every week and ``out_dir/heldout.jsonl``; deterministic."""
    generator = generator or GENERATOR
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    campaigns = _campaigns(plan)
    heldout: list[dict[str, Any]] = []
    written: list[WeekLogs] = []
    campaign_rows: dict[str, list[TaggedRow]] = {}
    for campaign in campaigns:
        index = int(campaign.key.rsplit("/", 1)[1])
        size = plan.campaign_size * plan.campaign_weeks + (plan.heldout_per_campaign if campaign.new_subtype else 0)
        rows = generator.campaign_rows(campaign.subtype, index, size, seed=campaign.rows_seed)
        campaign_rows[campaign.key] = [TaggedRow(r.text, r.label, r.category, r.subtype, campaign.key) for r in rows]
        if campaign.new_subtype:
            for row in campaign_rows[campaign.key][plan.campaign_size * plan.campaign_weeks :]:
                heldout.append({"text": row.text, "label": row.label, "subtype": row.subtype, "campaign": row.campaign,
                                "first_week": campaign.start_week})
    for row in generator.ham_rows(plan.heldout_ham, seed=plan.seed * 7919 + 1):
        heldout.append({"text": row.text, "label": "ham", "subtype": row.subtype, "campaign": "", "first_week": 0})
    for week in range(1, plan.weeks + 1):
        rng = random.Random(f"{plan.seed}:week:{week}")
        rows: list[TaggedRow] = []
        new_keys = []
        for campaign in campaigns:
            age = week - campaign.start_week
            if 0 <= age < plan.campaign_weeks:
                rows += campaign_rows[campaign.key][age * plan.campaign_size : (age + 1) * plan.campaign_size]
                if age == 0 and campaign.new_subtype:
                    new_keys.append(campaign.key)
        # Singletons come from the subtypes that exist by this week (new ones stay, as in real traffic).
        present = plan.established + [s for w, names in plan.new_subtypes.items() if w <= week for s in names]
        rows += generator.spam_rows(present, plan.spam_singletons, seed=plan.seed * 1_000 + week)
        rows += generator.ham_rows(plan.ham_per_week, seed=plan.seed * 100_000 + week)
        reports = [_report(rng, week, row, plan) for row in rows]
        reports.sort(key=lambda r: (r["received_at"], r["report_id"]))
        folder = out_dir / WEEK_DIR.format(week)
        folder.mkdir()
        for day in sorted({r["received_at"][:10] for r in reports}):
            _write_jsonl(folder / f"reports-{day}.jsonl", [r for r in reports if r["received_at"].startswith(day)])
        spam = sum(1 for r in rows if r.label == "spam")
        written.append(WeekLogs(week, folder, len(reports), spam, len(rows) - spam, new_keys))
    # A held-out text that some week also sent (slot-poor wordings repeat) would be judged in-sample: drop it.
    logged = {row["text"] for week in written for row in _read_jsonl_folder(week.folder)}
    heldout = [row for row in heldout if row["text"] not in logged]
    (out_dir / HELDOUT_FILE).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in heldout), encoding="utf-8")
    (out_dir / "plan.json").write_text(json.dumps(plan.describe(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written


def _write_jsonl(path: Path, reports: list[dict[str, Any]]) -> None:
    """Raw-log JSONL (empty optional fields left out); the truth fields ride along as extra keys ingest ignores."""
    lines = [json.dumps({k: v for k, v in r.items() if v not in (None, "")}, ensure_ascii=False) for r in reports]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _read_jsonl_folder(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]


def write_seed_without(
    seed_dir: Path, out_dir: Path, subtypes: list[str], column: str, max_rows: int | None = None
) -> Path:
    """A copy of the seed corpora whose synthetic rows of ``subtypes`` are removed: what 'absent before' means.

    ``max_rows`` keeps only the first rows of each corpus (quick runs); None keeps them all.
    """
    from models.seed import SYNTHETIC_CORPORA

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(seed_dir).glob("*.tsv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if path.stem in SYNTHETIC_CORPORA:
            header = lines[0].split("\t")
            if column not in header:
                raise ValueError(f"{path.name} has no {column!r} column to drop new subtypes by (columns {header})")
            at = header.index(column)
            lines = [lines[0]] + [line for line in lines[1:] if line.split("\t")[at] not in set(subtypes)]
        elif max_rows is None:
            shutil.copyfile(path, out_dir / path.name)
            continue
        if max_rows is not None:
            lines = lines[: max_rows + 1]
        (out_dir / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir


def week_folders(logs_dir: Path) -> list[Path]:
    """``week-NN`` folders (or any sub-folders, in name order) of a replay log folder."""
    folders = sorted(p for p in Path(logs_dir).iterdir() if p.is_dir())
    if not folders:
        raise ValueError(f"{logs_dir} has no weekly sub-folders (expected week-01/, week-02/, ...)")
    return folders


def read_truth(folder: Path) -> pl.DataFrame:
    """``text, label, subtype, campaign`` of every report in one week folder (JSONL, CSV or Parquet).

    ``label`` is null where the logs carry none; ``subtype`` and ``campaign`` are empty where absent.
    """
    frames = []
    for path in sorted(Path(folder).iterdir()):
        name = path.name.lower()
        if name.endswith(".jsonl"):
            frame = pl.read_ndjson(path, infer_schema_length=None)
        elif name.endswith(".csv"):
            frame = pl.read_csv(path, infer_schema=False)
        elif name.endswith(".parquet"):
            frame = pl.read_parquet(path)
        else:
            continue
        if "text" not in frame.columns:
            continue
        columns = [pl.col("text").cast(pl.String)]
        for column in TRUTH_FIELDS:
            value = pl.col(column).cast(pl.String) if column in frame.columns else pl.lit(None, pl.String)
            columns.append(value.alias(column))
        frames.append(frame.select(columns))
    if not frames:
        return pl.DataFrame(schema={"text": pl.String, "label": pl.String, "subtype": pl.String, "campaign": pl.String})
    truth = pl.concat(frames).with_columns(
        pl.col("label").str.to_lowercase().str.strip_chars(),
        pl.col("subtype").fill_null(""),
        pl.col("campaign").fill_null(""),
    )
    bad = truth.filter(pl.col("label").is_not_null() & ~pl.col("label").is_in(["spam", "ham"]))
    if bad.height:
        raise ValueError(f"{folder}: label must be spam or ham, got {bad['label'].unique().to_list()[:5]}")
    return truth

"""The loop replay: N weeks of drifting reports through the real weekly-retrain flow, measured week by week.

Each week: that week's report logs land in the source folder, ``weekly_retrain`` runs as it does every Monday
(ingest -> label -> train -> export -> evaluate -> publish), its LLM stage talking through the official SDKs to
the local wire-format server acting as three providers that know the truth (tasks/replay/llm_server.py). Then
the replay measures what phones got: the published model on held-out variants of the week's new campaigns
(before and after the retrain), on fresh ham, labels against the truth, LLM requests, tokens and cost. One
MLflow run per week under a parent run, a table and a PNG plot. Plain driver (not a flow itself): every
retrain is its own flow run. ``spamloop replay`` and ``bench/replay.py`` call ``run_replay``.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, Field

from spamloop.config import SpamloopConfig, load_config
from spamloop.overrides import deep_merge
from tasks.replay import metrics as m
from tasks.replay.llm_server import LLMServer, Simulation, default_sim_providers
from tasks.replay.weeks import GENERATOR, HELDOUT_FILE, plan_drift, read_truth, week_folders, write_seed_without, write_weeks

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
REPLAY_EXPERIMENT = "spamloop-replay"


# Every promotion gate off: only for runs about the loop's mechanics with a model too small to pass them (the CI
# test, bench/replay.py --gates-off); the table's header says so. A measurement of the loop keeps them all on.
GATES_OFF: dict[str, Any] = {
    "min_spam_f1": None, "min_spam_precision": None, "min_spam_recall": None, "max_ham_fpr": None, "min_pr_auc": None,
    "max_f1_drop": None, "max_pr_auc_drop": None, "max_ham_fpr_increase": None, "slice_floors": [],
    "min_invariance_pass_rate": None, "min_directional_pass_rate": None, "min_functionality_pass_rate": None,
    "beat_baseline_scopes": [], "max_p50_latency_ms": None,
}


class ReplayOptions(BaseModel):
    """What to replay and how the simulated providers and the label stage behave."""

    weeks: int = Field(default=4, ge=1, le=52, description="Weekly retrains to run (week 1 has no new subtype).")
    seed: int = Field(default=7, description="Seed of the drift plan, the weekly logs and the providers' errors.")
    logs: Path | None = Field(
        default=None,
        description="Replay these weekly folders (week-01/, week-02/, ... of raw logs) instead of generated ones; "
        "a 'label' field (spam|ham) is the truth, an optional 'campaign' field names campaigns.",
    )
    new_subtypes: list[str] | None = Field(
        default=None, description="Spam subtypes that appear in weeks 2, 3, ... (default: drawn by seed)."
    )
    accuracies: tuple[float, float, float] = Field(
        default=(0.93, 0.92, 0.95), description="Accuracy of the simulated openai, gemini and anthropic providers."
    )
    correlation: float = Field(default=0.5, ge=0, lt=1, description="How much the providers' errors coincide (latent rho).")
    abstain_rate: float = Field(default=0.01, ge=0, le=1, description="Share of messages each provider leaves out.")
    fail_rate: float = Field(default=0.02, ge=0, le=1, description="Share of requests answered 500/429.")
    answer_format: str = Field(default="compact", description="label.answer_format: full or compact.")
    routing: bool = Field(default=True, description="Ask anthropic (the dearest) only where openai and gemini disagree.")
    cascade: bool = Field(default=True, description="Champion-confident messages skip the LLMs (label.cascade_confidence).")
    cascade_confidence: float = Field(default=0.9, gt=0.5, le=1, description="Champion confidence that skips the LLMs.")
    budget_usd: float | None = Field(default=5.0, ge=0, description="label.budget_usd per weekly run.")
    epochs: float | None = Field(
        default=1.0,
        gt=0,
        description="train.epochs override (None: the config's, 6); 1 keeps a 4-week replay within 15 minutes on 2 cores.",
    )
    preset: str | None = Field(default=None, description="train.preset override (None: the config's).")
    krw_per_usd: float = Field(default=1400.0, gt=0, description="Exchange rate of the KRW/month extrapolation.")
    drift: dict[str, Any] = Field(
        default_factory=dict, description="DriftPlan volumes (campaign_size, ham_per_week, ...; tasks/replay/weeks.py)."
    )
    seed_rows: int | None = Field(
        default=None, ge=50, description="Keep only the first N rows of each seed corpus (quick runs and CI); None: all."
    )
    overrides: dict[str, Any] = Field(default_factory=dict, description="Further config values (nested dict).")


class WeekRow(BaseModel):
    """One week of the replay table."""

    week: int
    reports: int = 0
    new_messages: int = 0
    new_subtypes: list[str] = Field(default_factory=list)
    new_campaigns: list[str] = Field(default_factory=list)
    recall_new_before: float | None = None
    recall_new_after: float | None = None
    ham_fpr_heldout: float | None = None
    gold_ham_fpr: float | None = None
    gold_spam_f1: float | None = None
    published: str | None = None
    publish_status: str = ""
    blocked_by: list[str] = Field(default_factory=list)
    llm_requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    naive_cost_usd: float = 0.0
    cost_per_1000: float | None = None
    naive_per_1000: float | None = None
    krw_per_month: float | None = None
    label_accuracy: float | None = None
    labelled: int = 0
    combined: dict[str, float | None] = Field(default_factory=dict)
    sent_to_llm: int = 0
    skipped_confident: int = 0
    cascade_contradicted: int = 0
    cascade_champion_accuracy: float | None = None
    cascade_llm_accuracy: float | None = None
    input_tokens_without_cascade: int | None = None
    escalated: int = 0
    review_queue: int = 0
    wall_s: float = 0.0
    error: str | None = None


class ReplayReport(BaseModel):
    """The whole replay: options, per-week rows, time to block per new campaign, where the plot is."""

    options: ReplayOptions
    generator: str
    train_settings: dict[str, Any] = Field(default_factory=dict)
    rows: list[WeekRow] = Field(default_factory=list)
    time_to_block: dict[str, int | None] = Field(default_factory=dict)
    campaign_recall: dict[str, dict[int, float]] = Field(default_factory=dict)
    unknown_texts: int = Field(default=0, description="Texts the simulated providers did not know (keyword answers).")
    plot: str | None = None
    mlflow_run_id: str | None = None
    wall_s: float = 0.0


def build_replay_config(options: ReplayOptions, state_dir: Path, server: LLMServer, seed_dir: Path | None) -> SpamloopConfig:
    """The weekly retrain's config for the replay: simulated providers, the levers, quick training, no Core ML."""
    label: dict[str, Any] = {
        "providers": [p.model_dump(mode="python") for p in server.provider_configs(timeout_s=30.0, max_concurrency=4)],
        "answer_format": options.answer_format,
        "budget_usd": options.budget_usd,
        "backoff_base_s": 0.05,
        "backoff_max_s": 0.5,
        "request_attempts": 3,
        "tiebreak_providers": ["anthropic"] if options.routing else [],
        "cascade_confidence": options.cascade_confidence if options.cascade else None,
    }
    train: dict[str, Any] = {}
    if options.epochs is not None:
        train["epochs"] = options.epochs
    if options.preset is not None:
        train["preset"] = options.preset
    values: dict[str, Any] = {
        "state_dir": state_dir,
        "seed_dir": seed_dir,
        "ingest": {"source": str(state_dir / "replay" / "source")},
        "label": label,
        "train": train,
        # Phones in the replay run the Android TFLite file; Core ML conversion would only cost time.
        "export": {"coreml": False},
        # The reviewer who approves every candidate that passed all gates: the gates still decide.
        "evaluate": {"auto_promote": True, "gold_dir": str(REPO_ROOT / "data" / "gold")},
    }
    merged = deep_merge(load_config().model_dump(mode="python"), deep_merge(values, options.overrides))
    merged["state_dir"], merged["seed_dir"] = state_dir, seed_dir
    return SpamloopConfig.model_validate(merged)


def _truth_frames(folders: list[Path], max_text_chars: int) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """Per week ``message_id, truth, subtype, campaign, llm_text``; and all of them with the week number."""
    weeks = []
    for folder in folders:
        raw = read_truth(folder)
        ids = m.llm_texts(raw["text"].to_list(), max_text_chars)
        weeks.append(
            pl.concat([raw.rename({"label": "truth"}), ids], how="horizontal").unique(subset="message_id", keep="first")
        )
    everything = pl.concat([w.with_columns(pl.lit(i + 1).alias("week")) for i, w in enumerate(weeks)])
    return weeks, everything


def _heldout(logs_dir: Path, truths: list[pl.DataFrame]) -> pl.DataFrame:
    """Scored, never ingested: the generator's held-out file, else each campaign's messages after its first week."""
    path = logs_dir / HELDOUT_FILE
    if path.is_file():
        return pl.read_ndjson(path).select("text", "label", "campaign", "first_week")
    # A user's logs: a campaign is judged on its messages of later weeks (the phones' next encounters with it).
    rows = []
    first: dict[str, int] = {}
    for week, truth in enumerate(truths, start=1):
        for text, label, campaign in truth.select("text", "truth", "campaign").iter_rows():
            if label is None:
                continue
            if campaign:
                first.setdefault(campaign, week)
                if week > first[campaign]:
                    rows.append((text, label, campaign, first[campaign]))
            elif week == len(truths) and label == "ham":
                rows.append((text, label, "", 0))
    return pl.DataFrame(rows, schema={"text": pl.String, "label": pl.String, "campaign": pl.String, "first_week": pl.Int64}, orient="row")


def run_replay(options: ReplayOptions, state_dir: Path, console: Any | None = None) -> ReplayReport:
    """Replay ``options.weeks`` weeks in ``state_dir`` (must be empty or absent) and return the report."""
    started = time.monotonic()
    state_dir = Path(state_dir).resolve()
    # prepare_runtime may already have made the Prefect home inside it; anything else means an earlier run's state.
    if state_dir.exists() and any(p.name != "prefect" for p in state_dir.iterdir()):
        raise ValueError(f"{state_dir} is not empty: a replay starts from a fresh state folder")
    # Options are checked before anything is written: a refused replay leaves no state behind.
    plan = plan_drift(options.weeks, seed=options.seed, new_subtypes=options.new_subtypes, **options.drift) if options.logs is None else None
    if options.logs is not None and not Path(options.logs).is_dir():
        raise ValueError(f"--logs {options.logs} is not a folder")
    work = state_dir / "replay"
    work.mkdir(parents=True)
    seed_dir: Path | None = None
    if plan is not None:
        logs_dir = work / "logs"
        write_weeks(plan, logs_dir)
        # 'Absent before' a subtype's week: its synthetic seed rows are not in what the first models learn from.
        seed_dir = write_seed_without(
            REPO_ROOT / "data" / "seed", work / "seed", plan.all_new, GENERATOR.seed_subtype_column, options.seed_rows
        )
        schedule = {week: names for week, names in plan.new_subtypes.items()}
        generator = GENERATOR.name
    else:
        logs_dir = Path(options.logs).resolve()
        schedule = {}
        generator = f"user logs {logs_dir}"
    folders = week_folders(logs_dir)[: options.weeks]
    report = ReplayReport(options=options, generator=generator)

    providers = [
        replace(p, abstain_rate=options.abstain_rate, fail_rate=options.fail_rate)
        for p in default_sim_providers(options.accuracies)
    ]
    simulation = Simulation(providers, correlation=options.correlation, seed=options.seed)
    with LLMServer(simulation) as server:
        config = build_replay_config(options, state_dir, server, seed_dir)
        truths, everything = _truth_frames(folders, config.label.max_text_chars)
        for llm_text, truth, subtype in everything.select("llm_text", "truth", "subtype").iter_rows():
            if truth is not None:
                simulation.add_truth(llm_text, truth, m.policy_category(truth, subtype))
        heldout = _heldout(logs_dir, truths)
        report.train_settings = {
            "preset": config.train.preset, "epochs": config.train.epochs, "max_steps": config.train.max_steps,
            "max_train_rows": config.train.max_train_rows, "seed": config.seed,
        }
        from flows.retrain import weekly_retrain

        source = Path(config.ingest.source)
        source.mkdir(parents=True, exist_ok=True)
        db = m.label_db(config)
        seen_ids: set[str] = set()
        for week, (folder, truth) in enumerate(zip(folders, truths), start=1):
            row = WeekRow(week=week, new_subtypes=schedule.get(week, []))
            week_started = time.monotonic()
            before = m.phone_model(config)
            runs_before = m.label_run_ids(db)
            for path in sorted(folder.iterdir()):
                if path.is_file():
                    shutil.copyfile(path, source / f"{folder.name}-{path.name}")
            state = weekly_retrain(config=config, return_state=True)
            try:
                summary = state.result()
            except Exception as error:  # noqa: BLE001 - a failed week is a row of the table, not the end of the replay
                summary = None
                row.error = f"{type(error).__name__}: {str(error)[:200]}"
            after = m.phone_model(config)
            runs = m.label_run_ids(db) - runs_before
            _fill_week(row, summary, truth, heldout, before, after, runs, db, config, options)
            if options.cascade and summary is not None:
                _check_cascade(row, config, truth, seen_ids, before, simulation, db, runs)
            seen_ids |= set(truth["message_id"].to_list())
            row.wall_s = round(time.monotonic() - week_started, 1)
            report.rows.append(row)
            _campaign_progress(report, heldout, after, week)
            # Written after every week: a long replay's finished weeks survive an interruption.
            (work / "report.json").write_text(report.model_dump_json(indent=1), encoding="utf-8")
            if console is not None:
                console.print(
                    f"week {week}: recall new {_f(row.recall_new_before)} -> {_f(row.recall_new_after)}, "
                    f"${row.cost_usd:.4f}, {row.publish_status}, {row.wall_s:.0f} s" + (f" ({row.error})" if row.error else "")
                )
        report.unknown_texts = simulation.unknown
    report.wall_s = round(time.monotonic() - started, 1)
    from tasks.replay.report import log_to_mlflow, plot

    report.plot = str(plot(report, work / "replay.png"))
    report.mlflow_run_id = log_to_mlflow(report, config)
    (work / "report.json").write_text(report.model_dump_json(indent=1), encoding="utf-8")
    return report


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _fill_week(
    row: WeekRow,
    summary: Any,
    truth: pl.DataFrame,
    heldout: pl.DataFrame,
    before: m.PhoneModel | None,
    after: m.PhoneModel | None,
    runs: set[str],
    db: Path,
    config: SpamloopConfig,
    options: ReplayOptions,
) -> None:
    new = heldout.filter((pl.col("first_week") == row.week) & (pl.col("label") == "spam"))
    row.new_campaigns = sorted(set(new["campaign"].to_list()))
    texts = new["text"].to_list()
    if texts:
        row.recall_new_before = m.recall(before.spam(texts)) if before is not None else 0.0
        row.recall_new_after = m.recall(after.spam(texts)) if after is not None else 0.0
    row.ham_fpr_heldout = m.ham_fpr(after, heldout)
    if summary is not None:
        stages = {s.stage: s for s in summary.stages}
        ingest = stages.get("ingest")
        if ingest is not None:
            row.reports = int(ingest.figures.get("read", 0))
            row.new_messages = int(ingest.figures.get("accepted", 0))
        row.gold_ham_fpr = summary.gold_metrics.get("ham_fpr")
        row.gold_spam_f1 = summary.gold_metrics.get("spam_f1")
        row.published = summary.published_version
        publish = stages.get("publish")
        row.publish_status = publish.status if publish is not None else ""
        row.blocked_by = [g.name for g in summary.gates if g.verdict == "fail"]
    usage = m.label_usage(db, runs)
    row.llm_requests, row.input_tokens, row.output_tokens = usage["requests"], usage["input_tokens"], usage["output_tokens"]
    row.cost_usd = round(usage["cost_usd"], 6)
    for run in m.label_run_summaries(db, runs):
        row.sent_to_llm += int(run.get("selected", 0))
        row.skipped_confident += int(run.get("skipped_confident", 0))
        row.cascade_contradicted += int(run.get("cascade_contradicted", 0))
        row.escalated += int(run.get("escalated", 0))
    truth_ids = truth.select("message_id", "truth")
    labels = m.week_labels(db, runs).filter(pl.col("needs_review") == 0)
    row.label_accuracy, row.labelled = m.accuracy(labels.select("message_id", "label"), truth_ids)
    row.combined = {name: value for name, (value, _n) in m.combined_accuracy(m.week_votes(db, runs), truth_ids).items()}
    row.review_queue = m.open_reviews(db)
    messages = max(row.new_messages, 1)
    # Naive reference: every new message of the week, one per request, to each provider, full answers.
    new_texts = truth["llm_text"].to_list()
    row.naive_cost_usd = round(
        m.naive_cost_usd(config.label.providers, new_texts, config.label.estimated_output_tokens_per_message), 6
    )
    row.cost_per_1000 = row.cost_usd / messages * 1000
    row.naive_per_1000 = row.naive_cost_usd / max(len(new_texts), 1) * 1000
    row.krw_per_month = m.krw_per_month(row.cost_usd, row.reports, options.krw_per_usd)


def _check_cascade(
    row: WeekRow,
    config: SpamloopConfig,
    truth: pl.DataFrame,
    seen_ids: set[str],
    champion: m.PhoneModel | None,
    simulation: Simulation,
    db: Path,
    runs: set[str],
) -> None:
    """Cascade on vs off for this week: the champion's accuracy on what it kept, the LLMs' on the same, tokens."""
    from tasks.ingest.snapshot import load_snapshot
    from tasks.label.store import load_seed_final_labels

    fresh = truth.filter(~pl.col("message_id").is_in(sorted(seen_ids))).select("message_id", "truth", "llm_text")
    messages = load_snapshot(config).select("message_id", "text", "is_campaign_rep").join(fresh, on="message_id")
    seed_ids = set(load_seed_final_labels(config.seed_dir)["message_id"].to_list())
    voted = set(m.week_votes(db, runs)["message_id"].to_list())
    check = m.cascade_check(messages, voted, seed_ids, champion, simulation, config.label)
    row.cascade_champion_accuracy = check["champion_accuracy"]
    row.cascade_llm_accuracy = check["llm_accuracy"]
    row.input_tokens_without_cascade = row.input_tokens + check["extra_input_tokens"]


def _campaign_progress(report: ReplayReport, heldout: pl.DataFrame, after: m.PhoneModel | None, week: int) -> None:
    """Recall of the phones' model after this week on every campaign seen so far; first week it reached 0.9."""
    seen = heldout.filter((pl.col("first_week") >= 1) & (pl.col("first_week") <= week))
    firsts = dict(seen.select("campaign", "first_week").unique().iter_rows())
    for campaign, value in m.per_campaign_recall(after, seen).items():
        report.campaign_recall.setdefault(campaign, {})[week] = round(value, 4)
        if campaign not in report.time_to_block or report.time_to_block[campaign] is None:
            report.time_to_block[campaign] = week - int(firsts[campaign]) + 1 if value >= m.BLOCK_RECALL else None


def save_json(report: ReplayReport, path: Path) -> None:
    path.write_text(json.dumps(report.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

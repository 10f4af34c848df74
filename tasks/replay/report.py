"""The replay's table (terminal and Markdown), its PNG plot and its MLflow record (a parent run, one run per week)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

COLUMNS: tuple[tuple[str, str], ...] = (
    ("week", "week"),
    ("new subtypes", "new_subtypes"),
    ("recall new: before", "recall_new_before"),
    ("after", "recall_new_after"),
    ("ham FPR held-out", "ham_fpr_heldout"),
    ("gold ham FPR", "gold_ham_fpr"),
    ("publish", "publish_status"),
    ("gates failed", "blocked_by"),
    ("LLM req", "llm_requests"),
    ("in tok", "input_tokens"),
    ("out tok", "output_tokens"),
    ("USD", "cost_usd"),
    ("USD/1k msgs", "cost_per_1000"),
    ("naive USD/1k", "naive_per_1000"),
    ("KRW/month @50k users", "krw_per_month"),
    ("label acc", "label_accuracy"),
    ("sent/skipped/escalated", "_levers"),
    ("review queue", "review_queue"),
    ("wall s", "wall_s"),
)


def _cell(row: Any, key: str) -> str:
    if key == "_levers":
        return f"{row.sent_to_llm}/{row.skipped_confident}/{row.escalated}"
    value = getattr(row, key)
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(value) or "–"
    if key == "krw_per_month":
        return f"{value:,.0f}"
    if key in ("cost_usd",):
        return f"{value:.4f}"
    if key in ("cost_per_1000", "naive_per_1000"):
        return f"{value:.4f}"
    if isinstance(value, float):
        return f"{value:.3f}" if key != "wall_s" else f"{value:.0f}"
    if isinstance(value, int) and value >= 10_000:
        return f"{value:,}"
    return str(value)


def header_lines(report: Any) -> list[str]:
    o = report.options
    train = report.train_settings
    return [
        f"generator: {report.generator}; seed {o.seed}; providers accuracy openai/gemini/anthropic "
        f"{'/'.join(f'{a:.2f}' for a in o.accuracies)}, error correlation {o.correlation}, abstain {o.abstain_rate}, "
        f"fail {o.fail_rate}",
        f"label: answers {o.answer_format}, routing {'on' if o.routing else 'off'}, cascade "
        f"{'on at ' + str(o.cascade_confidence) if o.cascade else 'off'}, budget {o.budget_usd}",
        f"train: preset {train.get('preset')}, epochs {train.get('epochs')} (replay override; the weekly default is 6), "
        f"max_steps {train.get('max_steps')}; export without Core ML; evaluate.auto_promote on (every gate still applies)",
        f"wall time {report.wall_s:.0f} s; texts the providers did not know: {report.unknown_texts}",
        "gates: " + ("ALL OFF (loop mechanics; a quick model cannot pass them)" if _gates_off(report) else "defaults"),
    ]


def _gates_off(report: Any) -> bool:
    evaluate = report.options.overrides.get("evaluate", {})
    return evaluate.get("beat_baseline_scopes") == [] and evaluate.get("min_spam_f1", 0) is None


def markdown(report: Any) -> str:
    lines = ["# Loop replay", ""] + [f"- {line}" for line in header_lines(report)] + [""]
    lines.append("| " + " | ".join(name for name, _ in COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    for row in report.rows:
        lines.append("| " + " | ".join(_cell(row, key) for _, key in COLUMNS) + " |")
    combined = [r for r in report.rows if r.combined]
    if combined:
        names = list(combined[0].combined)
        lines += ["", "## Label accuracy against the truth (campaign representatives the LLMs voted on)", ""]
        lines += ["| week | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for row in combined:
            lines.append(f"| {row.week} | " + " | ".join(_cell_value(row.combined.get(n)) for n in names) + " |")
    if report.time_to_block:
        lines += ["", "## Time to block (weekly retrains until the phones' recall on the campaign reaches 0.9)", ""]
        lines += ["| campaign | weeks | recall by week |", "|---|---|---|"]
        for campaign, weeks in sorted(report.time_to_block.items()):
            history = ", ".join(f"w{w}: {v:.2f}" for w, v in sorted(report.campaign_recall.get(campaign, {}).items()))
            lines.append(f"| {campaign} | {weeks if weeks is not None else 'not yet'} | {history} |")
    cascade = [r for r in report.rows if r.input_tokens_without_cascade]
    if cascade:
        lines += ["", "## Cascade on vs off (the week's representatives the champion kept from the LLMs)", ""]
        lines += ["| week | skipped | input tokens on | without cascade (est.) | ratio | champion acc on skipped | LLMs' acc on skipped |",
                  "|---|---|---|---|---|---|---|"]
        for r in cascade:
            ratio = r.input_tokens_without_cascade / max(r.input_tokens, 1)
            lines.append(f"| {r.week} | {r.skipped_confident} | {r.input_tokens:,} | {r.input_tokens_without_cascade:,} | "
                         f"{ratio:.1f}x | {_cell_value(r.cascade_champion_accuracy)} | {_cell_value(r.cascade_llm_accuracy)} |")
    errors = [r for r in report.rows if r.error]
    for row in errors:
        lines.append(f"\n- week {row.week} failed: {row.error}")
    if report.plot:
        lines += ["", f"![recall on new campaigns and cost by week]({Path(report.plot).name})", "", f"plot: `{report.plot}`"]
    return "\n".join(lines) + "\n"


def _cell_value(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_table(report: Any, console: Any) -> None:
    from rich.table import Table

    for line in header_lines(report):
        console.print(line, soft_wrap=True)
    table = Table(title="loop replay, week by week")
    for name, _ in COLUMNS:
        table.add_column(name, justify="left" if name in ("new subtypes", "publish", "gates failed") else "right")
    for row in report.rows:
        table.add_row(*[_cell(row, key) for _, key in COLUMNS])
    console.print(table)
    combined = [r for r in report.rows if r.combined]
    if combined:
        names = list(combined[0].combined)
        acc = Table(title="label accuracy vs truth: each provider, majority vote, Dawid-Skene (crowd-kit)")
        for name in ["week", *names]:
            acc.add_column(name, justify="right")
        for row in combined:
            acc.add_row(str(row.week), *[_cell_value(row.combined.get(n)) for n in names])
        console.print(acc)
    if report.time_to_block:
        ttb = Table(title="time to block: weekly retrains until the phones' recall on a new campaign reaches 0.9")
        for name in ("campaign", "weeks", "recall by week"):
            ttb.add_column(name)
        for campaign, weeks in sorted(report.time_to_block.items()):
            history = ", ".join(f"w{w}: {v:.2f}" for w, v in sorted(report.campaign_recall.get(campaign, {}).items()))
            ttb.add_row(campaign, str(weeks) if weeks is not None else "not yet", history)
        console.print(ttb)
    cascade = [r for r in report.rows if r.input_tokens_without_cascade]
    if cascade:
        table = Table(title="cascade on vs off: representatives the champion kept from the LLMs")
        for name in ("week", "skipped", "input tok on", "without cascade (est.)", "ratio", "champion acc", "LLMs' acc"):
            table.add_column(name, justify="right")
        for r in cascade:
            table.add_row(str(r.week), str(r.skipped_confident), f"{r.input_tokens:,}", f"{r.input_tokens_without_cascade:,}",
                          f"{r.input_tokens_without_cascade / max(r.input_tokens, 1):.1f}x",
                          _cell_value(r.cascade_champion_accuracy), _cell_value(r.cascade_llm_accuracy))
        console.print(table)
    for row in report.rows:
        if row.error:
            console.print(f"week {row.week} failed: {row.error}", soft_wrap=True)
    if report.plot:
        console.print(f"plot: {report.plot}", soft_wrap=True)
    if report.mlflow_run_id:
        console.print(f"MLflow run: {report.mlflow_run_id}", soft_wrap=True)


def plot(report: Any, path: Path) -> Path:
    """Two panels by week: recall on the week's new campaigns (phones before / after the retrain), LLM cost."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weeks = [r.week for r in report.rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for key, name, marker in (("recall_new_before", "phones before the week", "o"), ("recall_new_after", "published after it", "s")):
        points = [(r.week, getattr(r, key)) for r in report.rows if getattr(r, key) is not None]
        if points:
            top.plot([w for w, _ in points], [v for _, v in points], marker=marker, label=name)
    top.axhline(0.9, color="grey", linestyle="--", linewidth=1, label="blocked (0.9)")
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("recall on new campaigns")
    top.legend(loc="lower right", fontsize=8)
    bottom.bar(weeks, [r.cost_usd for r in report.rows], color="tab:orange", label="loop")
    bottom.plot(weeks, [r.naive_cost_usd for r in report.rows], color="tab:red", marker="x", label="naive (1 msg/request x 3)")
    bottom.set_yscale("log")
    bottom.set_ylabel("LLM cost per week (USD)")
    bottom.set_xlabel("week")
    bottom.set_xticks(weeks)
    bottom.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"loop replay ({report.generator}, seed {report.options.seed})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _metrics(row: Any) -> dict[str, float]:
    keys = (
        "reports", "new_messages", "recall_new_before", "recall_new_after", "ham_fpr_heldout", "gold_ham_fpr",
        "gold_spam_f1", "llm_requests", "input_tokens", "output_tokens", "cost_usd", "naive_cost_usd",
        "cost_per_1000", "naive_per_1000", "krw_per_month", "label_accuracy", "sent_to_llm", "skipped_confident",
        "cascade_contradicted", "escalated", "review_queue", "wall_s", "cascade_champion_accuracy", "cascade_llm_accuracy",
        "input_tokens_without_cascade",
    )
    out = {k: float(getattr(row, k)) for k in keys if getattr(row, k) is not None}
    for name, value in row.combined.items():
        if value is not None:
            out["label_acc_" + name.replace(" ", "_").replace("-", "_").lower()] = float(value)
    return out


def log_to_mlflow(report: Any, config: Any) -> str:
    """A parent run (table, plot, report JSON) and one child run per week (its metrics); returns the parent id."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    experiment = client.get_experiment_by_name("spamloop-replay")
    experiment_id = experiment.experiment_id if experiment else client.create_experiment("spamloop-replay")
    parent = client.create_run(experiment_id, run_name=f"replay-{len(report.rows)}w-seed{report.options.seed}")
    parent_id = parent.info.run_id
    options = report.options.model_dump(mode="json")
    for key, value in options.items():
        if key != "overrides":
            client.log_param(parent_id, key, str(value)[:500])
    for key, value in report.train_settings.items():
        client.log_param(parent_id, f"train_{key}", str(value))
    for row in report.rows:
        child = client.create_run(experiment_id, run_name=f"week-{row.week:02d}", tags={"mlflow.parentRunId": parent_id})
        child_id = child.info.run_id
        client.log_param(child_id, "new_subtypes", ",".join(row.new_subtypes) or "-")
        client.log_param(child_id, "gates_failed", ",".join(row.blocked_by)[:500] or "-")
        client.log_param(child_id, "publish_status", row.publish_status or "-")
        for key, value in _metrics(row).items():
            client.log_metric(child_id, key, value)
            client.log_metric(parent_id, key, value, step=row.week)
        client.set_terminated(child_id, "FAILED" if row.error else "FINISHED")
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "replay.md"
        table.write_text(markdown(report), encoding="utf-8")
        client.log_artifact(parent_id, str(table))
        data = Path(tmp) / "replay.json"
        data.write_text(report.model_dump_json(indent=1), encoding="utf-8")
        client.log_artifact(parent_id, str(data))
    if report.plot:
        client.log_artifact(parent_id, report.plot)
    client.set_terminated(parent_id, "FINISHED")
    return parent_id

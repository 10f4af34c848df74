"""`review export|import` and `label dry-run` through typer, on a real state folder."""

from __future__ import annotations

import csv
import json

import typer
from typer.testing import CliRunner

from spamloop.cli.label import register
from tasks.label.pipeline import run_labeling
from tasks.label.store import final_labels
from tests.support.llm_server import messages_frame


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root."""

    register(app)
    return app


def test_review_export_and_import_commands(config, llm_server, label_config, tmp_path):
    llm_server.state.overrides["gemini"]["세일"] = ("ham", "transactional", 0.7)
    run_labeling(config, messages_frame(["(광고) 세일 50%", "밥 먹자"]), label_config=label_config, include_seed=False)
    runner = CliRunner()
    out = tmp_path / "queue.csv"
    done = runner.invoke(_app(), ["review", "export", str(out), "--state-dir", str(config.state_dir)])
    assert done.exit_code == 0, done.output
    assert "1 message(s) to review" in done.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0].update(label="spam", category="advertising", reviewer="me")
    bad = dict(rows[0], message_id="ffff", label="spam", category="personal")
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([rows[0], bad])
    done = runner.invoke(_app(), ["review", "import", str(out), "--state-dir", str(config.state_dir)])
    assert done.exit_code == 1, "a rejected row makes the command fail loudly"
    assert "imported 1" in done.output and "rejected 1" in done.output
    sources = set(final_labels(config, include_seed=False)["label_source"])
    assert sources == {"human", "llm-ensemble"}


def test_label_dry_run_command_prices_the_latest_snapshot(tmp_path, llm_server):
    from spamloop.config import load_config
    from tasks.ingest.pipeline import run_ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [
        {"report_id": f"r-{i}", "received_at": "2026-11-20T10:00:00+09:00", "text": text, "user_verdict": ""}
        for i, text in enumerate(["대출 한도 조회 010-1111-2222", "내일 봐", "(광고) 세일"])
    ]
    (raw / "r.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    state = tmp_path / "state"
    run_ingest(load_config(state_dir=state, ingest={"source": str(raw)}))
    done = CliRunner().invoke(_app(), ["label", "dry-run", "--state-dir", str(state)])
    assert done.exit_code == 0, done.output
    assert "dry run: 3 message(s) to label, 3 request(s)" in done.output
    assert "gpt-4.1-mini" in done.output and "claude-haiku-4-5" in done.output
    assert llm_server.requests_for() == [], "a dry run sends nothing"

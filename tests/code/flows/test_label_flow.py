"""The label flow end to end: raw logs -> ingest snapshot -> Prefect label flow -> local LLM server."""

from __future__ import annotations

import json

import pytest

from spamloop.config import load_config
from spamloop.settings.label import LabelConfig
from tasks.label.store import final_labels
from tests.support.llm_server import LLMServer

RAW_REPORTS = [
    ("바카라 첫충 30% 010-2345-6789 로 문의 http://bit.ly/casino1", "spam"),
    ("바카라 첫충 40% 010-2345-6789 로 문의 http://bit.ly/casino1", "spam"),
    ("[국민카드] 4111 1111 1111 1111 승인 52,000원 결제완료", ""),
    ("엄마 나 폰 고장났어 이 번호로 문자줘 010-9999-1234", ""),
    ("내일 점심 같이 먹을래? hong.gildong@example.com 으로 자료 보냈어", "ham"),
]
RAW_PII = ["010-2345-6789", "4111 1111 1111 1111", "010-9999-1234", "hong.gildong@example.com"]


def _write_raw_logs(folder) -> None:
    folder.mkdir(parents=True)
    lines = [
        json.dumps(
            {
                "report_id": f"r-{i:016x}",
                "received_at": f"2026-11-20T10:{i:02d}:00+09:00",
                "text": text,
                "user_verdict": verdict,
                "app_version": "4.12.0",
                "locale": "ko-KR",
            },
            ensure_ascii=False,
        )
        for i, (text, verdict) in enumerate(RAW_REPORTS)
    ]
    (folder / "reports-2026-11-20.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.prefect
def test_label_flow_labels_the_latest_snapshot(prefect_harness, tmp_path):
    from flows.label import label as label_flow
    from tasks.ingest.pipeline import run_ingest

    raw = tmp_path / "raw"
    _write_raw_logs(raw)
    base = load_config(state_dir=tmp_path / "state", ingest={"source": str(raw)})
    run_ingest(base)

    with LLMServer() as server:
        label_config = LabelConfig(providers=server.provider_configs(), tiebreak_providers=[], batch_size=8, budget_usd=1.0)
        config = base.model_copy(update={"label": label_config})

        estimate = label_flow(config=config, dry_run=True)
        assert estimate.status == "dry_run" and server.requests_for() == []
        assert estimate.requests == 3

        result = label_flow(config=config)
        assert result.status == "ok"
        assert result.selected == 4 and result.propagated == 1, "the two casino reports form one campaign"
        assert len(server.requests_for()) == 3
        for request in server.requests_for():
            for value in RAW_PII:
                assert value not in request.body

        again = label_flow(config=config)
        assert again.requests == 0 and len(server.requests_for()) == 3

    labels = final_labels(config, include_seed=False)
    assert labels.height == 5
    assert sorted(labels["label"].to_list()) == ["ham", "ham", "spam", "spam", "spam"]


@pytest.mark.slow
@pytest.mark.prefect
def test_label_flow_without_snapshot_returns_none(prefect_harness, tmp_path):
    from flows.label import label as label_flow

    assert label_flow(config=load_config(state_dir=tmp_path / "empty")) is None


@pytest.mark.slow
@pytest.mark.prefect
def test_label_flow_keys_from_secret_blocks_and_metrics_on_active_mlflow_run(prefect_harness, tmp_path, monkeypatch):
    import mlflow
    from prefect.blocks.system import Secret

    from flows.label import label as label_flow
    from tasks.ingest.pipeline import run_ingest
    from tests.support.llm_server import API_KEY

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    raw = tmp_path / "raw"
    _write_raw_logs(raw)
    base = load_config(state_dir=tmp_path / "state", ingest={"source": str(raw)})
    run_ingest(base)
    Secret(value=API_KEY).save("label-test-openai-key", overwrite=True)

    with LLMServer() as server:
        openai = server.provider_configs()[0].model_copy(
            update={"api_key": None, "api_key_env": [], "secret_block": "label-test-openai-key"}
        )
        config = base.model_copy(update={"label": LabelConfig(providers=[openai], budget_usd=1.0)})
        mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
        mlflow.set_experiment("label-flow-test")  # the active experiment id may be cached from another store
        with mlflow.start_run() as run:
            result = label_flow(config=config)
        assert result.providers_used == ["openai"] and result.decided == 4
        assert len(server.requests_for("openai")) == 1
    metrics = mlflow.get_run(run.info.run_id).data.metrics
    assert metrics["label_requests"] == 1 and metrics["label_decided"] == 4
    assert metrics["label_cost_usd_openai"] == pytest.approx(result.cost_usd, abs=1e-6)
    params = mlflow.get_run(run.info.run_id).data.params
    assert API_KEY not in json.dumps(params) and API_KEY not in json.dumps(metrics)

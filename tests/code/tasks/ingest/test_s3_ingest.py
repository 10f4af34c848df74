"""Ingest from s3://bucket/prefix on a real S3-compatible server (SeaweedFS on 127.0.0.1)."""

from __future__ import annotations

import io
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

import pytest

from tasks.ingest.errors import S3AccessError
from tasks.ingest.pipeline import run_ingest
from tests.code.tasks.ingest.conftest import FIXTURE_LOGS

pytestmark = [pytest.mark.s3, pytest.mark.slow]


def _upload_fixture_logs(s3_server, bucket: str, prefix: str) -> None:
    client = s3_server.client()
    client.create_bucket(Bucket=bucket)
    for path in sorted(FIXTURE_LOGS.iterdir()):
        client.put_object(Bucket=bucket, Key=f"{prefix}/{path.name}", Body=path.read_bytes())
    client.put_object(Bucket=bucket, Key=f"{prefix}/README.txt", Body=b"not a log file")


def _parquet_bytes() -> bytes:
    sink = io.BytesIO()
    table = pa.table(
        {
            "report_id": ["s3-p1", "s3-p2"],
            "received_at": ["2026-11-21T09:00:00+09:00", "2026-11-21T09:05:00+09:00"],
            "text": ["파케이 파일에서 온 메시지", "[국외발신] 고객님 택배가 주소불명으로 보관중입니다. 확인 http://bit.ly/q 문의 010-2222-1111"],
            "user_verdict": ["ham", "spam"],
        }
    )
    pq.write_table(table, sink)
    return sink.getvalue()


def _s3_config(config, s3_server, source: str, **s3_overrides):
    return config.model_copy(
        update={
            "ingest": config.ingest.model_copy(update={"source": source}),
            "s3": config.s3.model_validate(s3_server.s3_config(**s3_overrides)),
        }
    )


def test_ingest_from_s3_then_skip_by_etag(config, s3_server):
    bucket = f"logs-{uuid.uuid4().hex[:8]}"
    _upload_fixture_logs(s3_server, bucket, "2026/11")
    s3_server.client().put_object(Bucket=bucket, Key="2026/11/zz.parquet", Body=_parquet_bytes())
    s3_config = _s3_config(config, s3_server, f"s3://{bucket}/2026/11")

    first = run_ingest(s3_config)
    assert sorted(f.uri for f in first.files_ingested) == [
        f"s3://{bucket}/2026/11/{name}" for name in ("bad.jsonl", "good.jsonl", "reports.csv", "zz.parquet")
    ]
    assert all(f.identity.startswith("etag:") for f in first.files_ingested)
    # the fixture logs (27, 9, 3, 15) plus the Parquet object: one new message, one duplicate of good.jsonl
    assert (first.read, first.accepted, first.duplicate, first.quarantined) == (29, 10, 4, 15)
    assert list(config.paths.tmp.glob("download-*")) == []  # downloads are removed

    second = run_ingest(s3_config)
    assert second.files_ingested == [] and len(second.files_skipped) == 4

    # A re-uploaded object with new content has a new ETag: it is read again.
    s3_server.client().put_object(
        Bucket=bucket, Key="2026/11/good.jsonl", Body=(FIXTURE_LOGS / "good.jsonl").read_bytes() + b"\n"
    )
    third = run_ingest(s3_config)
    assert [f.uri.rsplit("/", 1)[-1] for f in third.files_ingested] == ["good.jsonl"]
    assert third.accepted == 0 and third.duplicate == 6


def test_wrong_secret_is_a_clear_error_without_the_secret(config, s3_server):
    bucket = f"logs-{uuid.uuid4().hex[:8]}"
    _upload_fixture_logs(s3_server, bucket, "in")
    wrong_secret = "wrong-secret-" + uuid.uuid4().hex
    bad = _s3_config(config, s3_server, f"s3://{bucket}/in", secret_access_key=wrong_secret)
    with pytest.raises(S3AccessError) as caught:
        run_ingest(bad)
    message = str(caught.value)
    assert s3_server.endpoint_url in message and "rejected the credentials" in message
    assert wrong_secret not in message and s3_server.secret_access_key not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no botocore chain
    assert not config.paths.ingest_ledger.exists()


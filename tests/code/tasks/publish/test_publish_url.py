"""`spamloop publish url`: the manifest URL a mobile engineer gives the app, presigned by a real SeaweedFS (signatures
and expiry checked); a refused, expired or unsigned URL is one line in `spamloop predict --manifest-url`."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from models.reference_client import DownloadError, download_from_manifest
from spamloop.cli import app
from spamloop.settings.export import PublishConfig
from spamloop.settings.storage import S3Config
from tasks.publish.stores import S3Store
from tests.code.tasks.publish.conftest import MODEL_NAME, publish_released

pytestmark = [pytest.mark.s3]

PREFIX = "apps/sms"


@pytest.fixture
def published(s3_server, bucket, bundles, monkeypatch):
    """v1 published to a real S3 bucket; the CLI's environment names that store, as a worker's does."""
    store = S3Store(bucket, PREFIX, S3Config(**s3_server.s3_config()), PublishConfig())
    publish_released(bundles("v1", payload=b"weights"), store)
    for field, value in s3_server.s3_config().items():
        monkeypatch.setenv(f"SPAMLOOP_S3__{field.upper()}", str(value))
    monkeypatch.setenv("SPAMLOOP_PUBLISH__TARGET", f"s3://{bucket}/{PREFIX}")
    return store


def _url(tmp_path, *args: str):  # noqa: ANN202
    return CliRunner().invoke(app, ["publish", "url", *args, "--state-dir", str(tmp_path / "state")])


def _predict(tmp_path, url: str):  # noqa: ANN202
    return CliRunner().invoke(app, ["predict", "--manifest-url", url, "--cache-dir", str(tmp_path / "cache"), "hello"])


def test_publish_url_prints_a_presigned_manifest_url_that_downloads_the_published_version(published, tmp_path):
    before = datetime.now(UTC)
    done = _url(tmp_path, "--expires-in", "12h")
    assert done.exit_code == 0, done.output
    url = done.stdout.strip()
    assert url.count("\n") == 0 and "X-Amz-Signature=" in url and "X-Amz-Expires=43200" in url
    # stderr says which version and until when, in UTC
    expected_expiry = (before + timedelta(hours=12)).strftime("%Y-%m-%d %H:")
    assert f"{MODEL_NAME} v1: manifest URL valid until {expected_expiry}" in done.stderr
    assert "the files it lists until" in done.stderr
    # what the app does with it: GET the manifest, then every file it lists, checking sizes and sha256
    assert json.loads(urllib.request.urlopen(url, timeout=10).read())["version"] == "v1"
    folder = download_from_manifest(url, tmp_path / "app")
    assert (folder / "bundle.json").is_file()
    # the default lifetime is the config's (7 days), and the secret is never printed
    default = _url(tmp_path)
    assert default.exit_code == 0 and "X-Amz-Expires=604800" in default.stdout
    assert published.s3.secret_access_key.get_secret_value() not in default.output


def test_an_unsigned_tampered_or_expired_url_is_one_line_not_a_traceback(published, tmp_path):
    signed = _url(tmp_path, "--expires-in", "2s").stdout.strip()
    unsigned = signed.split("?", 1)[0]
    tampered = signed.replace("X-Amz-Signature=", "X-Amz-Signature=0000")
    for url, says in ((unsigned, "HTTP 403"), (tampered, "HTTP 403")):
        done = _predict(tmp_path, url)
        assert done.exit_code == 1, done.output
        assert done.exception is None or isinstance(done.exception, SystemExit)
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and says in lines[0] and "spamloop publish url" in lines[0], done.output
        assert "X-Amz-Signature" not in done.output and "Traceback" not in done.output
    time.sleep(3)
    with pytest.raises(DownloadError, match="HTTP 403 AccessDenied: Request has expired"):
        download_from_manifest(signed, tmp_path / "late")


@pytest.mark.parametrize(
    "setting, says",
    [
        ({}, "local folder"),  # no target configured: the state folder's published/
        ({"SPAMLOOP_PUBLISH__TARGET": "file://{tmp}/store"}, "local folder"),
        ({"SPAMLOOP_PUBLISH__TARGET": "ftp://host/x"}, "must be s3://bucket/prefix or file:///folder"),
    ],
)
def test_a_local_or_unusable_store_is_refused_with_one_line(tmp_path, monkeypatch, setting, says):
    monkeypatch.delenv("SPAMLOOP_PUBLISH__TARGET", raising=False)
    for name, value in setting.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    done = _url(tmp_path)
    assert done.exit_code == 1 and done.stdout == ""
    assert done.stderr.startswith("refused: ") and says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_missing_credentials_or_nothing_published_is_refused(s3_server, bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("SPAMLOOP_PUBLISH__TARGET", f"s3://{bucket}/{PREFIX}")
    monkeypatch.setenv("SPAMLOOP_S3__ENDPOINT_URL", s3_server.endpoint_url)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "SPAMLOOP_S3__ACCESS_KEY_ID", "SPAMLOOP_S3__SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    no_keys = _url(tmp_path)
    assert no_keys.exit_code == 1 and no_keys.stdout == "" and "NoCredentialsError" in no_keys.stderr, no_keys.output

    monkeypatch.setenv("SPAMLOOP_S3__ACCESS_KEY_ID", s3_server.access_key_id)
    monkeypatch.setenv("SPAMLOOP_S3__SECRET_ACCESS_KEY", s3_server.secret_access_key)
    empty = _url(tmp_path)
    assert empty.exit_code == 1 and "nothing is published for spam-encoder" in empty.stderr, empty.output
    too_long = _url(tmp_path, "--expires-in", "8d")
    assert too_long.exit_code == 1 and "7 days" in too_long.stderr


def test_public_read_through_config_prints_the_public_url_without_expiry(published, tmp_path):
    done = _url(tmp_path, "--set", "publish.url_mode=public", "--set", "publish.public_base_url=https://cdn.example.com/m")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == f"https://cdn.example.com/m/{PREFIX}/models/{MODEL_NAME}/manifest.json"
    assert "no expiry (public-read)" in done.stderr

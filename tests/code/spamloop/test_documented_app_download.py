"""The README's app-download steps, run verbatim by bash, as a mobile engineer would paste them: against a real
SeaweedFS that holds a published real bundle, configured only through the environment a worker has. A command
renamed, an option dropped or an output that no longer pipes into the next line fails here."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from spamloop.settings.export import PublishConfig
from spamloop.settings.storage import S3Config
from tasks.publish.stores import S3Store
from tests.code.tasks.publish.conftest import publish_released, real_bundle
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.s3, pytest.mark.slow]

PREFIX = "apps/sms"


def readme_block(heading: str) -> str:
    """The first fenced bash block under the README's ``heading``."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, f"no bash block under {heading!r}"
    return block.group(1)


def test_the_readme_app_download_steps_work_as_written(s3_server, bucket, tmp_path):
    block = readme_block("## The app's download")
    assert "publish url" in block and "predict --manifest-url" in block
    store = S3Store(bucket, PREFIX, S3Config(**s3_server.s3_config()), PublishConfig())
    publish_released(real_bundle(tmp_path / "bundles", "v1", "run-readme"), store)
    env = {
        **os.environ,
        "SPAMLOOP_STATE_DIR": str(tmp_path / "state"),
        "SPAMLOOP_PUBLISH__TARGET": f"s3://{bucket}/{PREFIX}",
        "TMPDIR": str(tmp_path / "tmp"),  # the app download's cache: a fresh one, so the files really come over HTTP
        **{f"SPAMLOOP_S3__{field.upper()}": str(value) for field, value in s3_server.s3_config().items()},
    }
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # publish url told which version and until when; predict downloaded v1, checked it and scored the README's text
    assert "v1: manifest URL valid until" in done.stderr
    assert "v1 (tflite_fp32, threshold" in done.stdout
    assert re.search(r"\b(spam|ham)\b.*\b0\.\d{4}\b.*무료 쿠폰 지급", done.stdout), done.stdout
    assert any((tmp_path / "tmp" / "spamloop-bundles").rglob("bundle.json"))

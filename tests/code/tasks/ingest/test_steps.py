"""The Prefect wrappers retry a file only when S3 was unavailable, never for bad data or bad credentials."""

from __future__ import annotations

import pytest

from tasks.ingest.errors import S3AccessError, S3UnavailableError

pytestmark = pytest.mark.slow  # importing prefect alone takes several seconds


@pytest.mark.parametrize(
    ("error", "should_retry"),
    [
        (S3UnavailableError("endpoint down"), True),
        (S3AccessError("credentials rejected"), False),
        (ValueError("bad data is quarantined, but a bug must not be retried"), False),
    ],
)
def test_retry_condition(error, should_retry):
    from prefect.states import Failed

    from tasks.ingest.steps import retry_only_s3_outages

    assert retry_only_s3_outages(None, None, Failed(data=error)) is should_retry

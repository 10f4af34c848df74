"""What an operator sees in a browser: the Prefect UI's deployment page and the MLflow registry page.

Headless Debian `chromium` renders each single-page app (`--dump-dom` after a virtual-time budget) against the
integration stack. Skipped where chromium is missing, unless CI_REQUIRE_CHROMIUM=1 (.ci/run sets it after
installing chromium), where a missing browser fails instead.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from datetime import datetime, timezone

import pytest

from tests.integration.conftest import (
    REGISTERED_MODEL,
    WEEKLY_DEPLOYMENT,
    WORK_POOL,
    IntegrationStack,
    OverlappingRuns,
    champion_and_training_run,
    next_monday_0300_seoul,
)
from tests.support.cdp import dump_dom

pytestmark = [pytest.mark.slow, pytest.mark.integration]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Virtual time lets timers and fetches settle without waiting in real time; a slower machine may need more.
VIRTUAL_TIME_BUDGETS_MS = (15_000, 30_000, 60_000)


# Session scope and first in each test's arguments: pytest then resolves it before the (session) stack, so a
# skip costs nothing.
@pytest.fixture(scope="session")
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI_REQUIRE_CHROMIUM") == "1":
            pytest.fail("CI_REQUIRE_CHROMIUM=1 but no chromium on PATH")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return CHROMIUM


def visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom))).strip()


def render(chromium: str, url: str, expected: list[str]) -> str:
    """The page's text as a user in Seoul sees it; re-rendered with more virtual time while text is missing."""
    text = ""
    for budget in VIRTUAL_TIME_BUDGETS_MS:
        done = dump_dom(chromium, url, budget, env={**os.environ, "TZ": "Asia/Seoul"})
        assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
        text = visible_text(done.stdout)
        if all(item in text for item in expected):
            break
    return text


def assert_shows(text: str, expected: list[str]) -> None:
    missing = [item for item in expected if item not in text]
    assert not missing, f"page lacks {missing}; it shows: {text[:3000]}"


def test_prefect_ui_deployment_page_shows_name_schedule_pool_and_guard(chromium: str, integration_stack: IntegrationStack):
    """The default UI (v2, what http://127.0.0.1:4200 opens) and the v1 pages, both with the schedule's time zone:
    v2's schedule card reads the cron alone, so the zone is in the description; v1 titles the schedule by its slug."""
    with integration_stack.client() as client:
        deployment = client.read_deployment_by_name(WEEKLY_DEPLOYMENT)
    url = f"{integration_stack.ui_url}/v2/deployments/deployment/{deployment.id}"
    expected = ["weekly-retrain", "At 03:00 AM, only on Monday", WORK_POOL, "Concurrency Limit 1", "Schedules"]
    assert_shows(render(chromium, url, expected), expected)
    described = ["Every Monday 03:00 Asia/Seoul (KST, UTC+9; Sunday 18:00 UTC)"]
    assert_shows(render(chromium, f"{url}?tab=Description", described), described)
    v1 = ["monday-0300-asia-seoul", WORK_POOL, "Concurrency Limit 1"]
    assert_shows(render(chromium, f"{integration_stack.ui_url}/deployments/deployment/{deployment.id}", v1), v1)


def test_prefect_run_form_sends_defaults_that_never_override_the_worker_environment(
    chromium: str, integration_stack: IntegrationStack, monkeypatch: pytest.MonkeyPatch
):
    """Submit the deployment's run form untouched in a real browser (the request is stopped before it reaches the
    server) and run what it sent through the flow's own parameter validation with a worker's environment."""
    from flows.retrain import weekly_retrain
    from spamloop.config import load_config
    from tests.code.flows.test_flow_forms import WORKER_ENV, effective, untouched_form_payload
    from tests.support.cdp import chromium_page, submitted_json

    with integration_stack.client() as client:
        deployment = client.read_deployment_by_name(WEEKLY_DEPLOYMENT)
    url = f"{integration_stack.ui_url}/v2/deployments/deployment/{deployment.id}/run"
    with chromium_page(chromium) as page:
        body = submitted_json(page, url, "Submit", "create_flow_run", "document.body.innerText.includes('State Dir')")
    sent = body["parameters"]
    assert sent == untouched_form_payload(weekly_retrain)  # what the unit tests feed the flow
    assert sent["config"]["mlflow_tracking_uri"] is None and sent["config"]["publish"]["target"] is None
    assert sent["config"]["ingest"]["file_patterns"] and len(sent["config"]["label"]["providers"]) == 3
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    assert effective(weekly_retrain, sent).model_dump() == load_config().model_dump()


def test_prefect_ui_lists_the_next_run_at_monday_0300_seoul_time(chromium: str, integration_stack: IntegrationStack):
    with integration_stack.client() as client:
        deployment = client.read_deployment_by_name(WEEKLY_DEPLOYMENT)
    upcoming = next_monday_0300_seoul(datetime.now(timezone.utc))
    url = f"{integration_stack.ui_url}/deployments/deployment/{deployment.id}?tab=Upcoming"
    expected = [f"Scheduled for {upcoming:%Y/%m/%d} 03:00:00 AM", "auto-scheduled"]
    assert_shows(render(chromium, url, expected), expected)


def test_mlflow_registry_page_shows_the_model_and_its_champion(
    chromium: str, integration_stack: IntegrationStack, completed_retrain: OverlappingRuns
):
    _, champion, _ = champion_and_training_run(integration_stack.mlflow_url)
    url = f"{integration_stack.mlflow_url}/#/models/{REGISTERED_MODEL}"
    expected = [REGISTERED_MODEL, f"Version {champion.version}", "@ champion"]
    assert_shows(render(chromium, url, expected), expected)

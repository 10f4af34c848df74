"""What every flow shares: templated run names, run tags, the task runner its fan-out steps use, and where a run's
progress lines and library output go."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging.handlers import APILogHandler
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from spamloop.config import SpamloopConfig
from spamloop.console import RunLog
from spamloop.progress import PROGRESS_LOGGER
from spamloop.settings.orchestration import OrchestrationConfig

SEOUL = ZoneInfo("Asia/Seoul")
PROJECT_TAG = "spamloop"


def seoul_stamp(now: datetime | None = None) -> str:
    """``YYYYmmdd-HHMM`` in Asia/Seoul, the operators' clock (the weekly schedule is Monday 03:00 there)."""
    return f"{(now or datetime.now(SEOUL)).astimezone(SEOUL):%Y%m%d-%H%M}"


def run_name(stage: str, detail: Callable[[dict[str, Any]], str | None] | None = None) -> Callable[[], str]:
    """A ``flow_run_name`` callable: ``<stage>[-<detail from the parameters>]-<Seoul time>``."""

    def name() -> str:
        from prefect.runtime import flow_run

        parts = [stage]
        if detail is not None:
            extra = detail(dict(flow_run.parameters or {}))
            if extra:
                parts.append(str(extra))
        parts.append(seoul_stamp())
        return "-".join(parts)

    name.__name__ = f"{stage.replace('-', '_')}_run_name"
    return name


def tag_run(*extra: str) -> list[str]:
    """Add ``spamloop``, the flow's name and ``extra`` to the current flow run's tags (kept: those it has).

    Prefect 3 flows take no tags in ``@flow``: a run gets tags from its deployment or from a ``tags()`` block
    around the call. Writing them on the run itself makes a direct call (CLI, tests) tagged the same way.
    """
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return []
    current = list(context.flow_run.tags or [])
    wanted = [PROJECT_TAG, context.flow.name, *extra]
    merged = current + [tag for tag in dict.fromkeys(wanted) if tag not in current]
    if merged != current:
        with get_client(sync_client=True) as client:
            client.update_flow_run(context.flow_run.id, tags=merged)
        context.flow_run.tags = merged
    return merged


def build_task_runner(orchestration: OrchestrationConfig) -> TaskRunner[Any]:
    """The configured runner (not started): a thread pool, or prefect-dask on a given or temporary cluster."""
    if orchestration.task_runner == "thread":
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    if orchestration.dask_address:
        return DaskTaskRunner(address=orchestration.dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": orchestration.dask_n_workers,
            "threads_per_worker": orchestration.dask_threads_per_worker,
            "processes": True,
            "dashboard_address": None,  # no UI port to collide with on shared machines
        },
    )


@contextmanager
def fan_out(orchestration: OrchestrationConfig) -> Iterator[TaskRunner[Any]]:
    """The started runner a stage submits its parallel tasks to.

    ``thread``: the flow's own runner (so ``flow.with_options(task_runner=...)`` still decides); ``dask``: a
    DaskTaskRunner that lives for this block (a LocalCluster starts and stops with it, an address is only
    connected to).
    """
    context = FlowRunContext.get()
    if orchestration.task_runner == "thread" and context is not None and context.task_runner is not None:
        yield context.task_runner
        return
    with build_task_runner(orchestration) as runner:
        yield runner


def parameter(parameters: dict[str, Any], name: str, attribute: str | None = None) -> Any:
    """A flow parameter for a run name, whether it arrived as a model or as a plain dict (deployment runs)."""
    value = parameters.get(name)
    if attribute is None or value is None:
        return value
    return value.get(attribute) if isinstance(value, dict) else getattr(value, attribute, None)


class _ProgressToPrefect(APILogHandler):
    """Sends ``spamloop.progress`` records (stage and training-epoch lines) to the Prefect API as the current run's
    logs, so the UI shows them; outside a flow or task run (a bench, a plain call) it stays silent."""

    def emit(self, record: logging.LogRecord) -> None:
        if FlowRunContext.get() is None and TaskRunContext.get() is None:
            return
        super().emit(record)


def forward_progress_to_prefect() -> None:
    """Attach the forwarding handler once per process (imported with the flows)."""
    progress = logging.getLogger(PROGRESS_LOGGER)
    if not any(isinstance(handler, _ProgressToPrefect) for handler in progress.handlers):
        progress.addHandler(_ProgressToPrefect())


forward_progress_to_prefect()


def run_log_of_deployment_run(config: SpamloopConfig, name: str) -> contextlib.AbstractContextManager[Any]:
    """A worker's run (one from a deployment) sends library output to <state>/logs/ as the CLI does; a direct call
    (CLI, tests) leaves that to its caller. ``SPAMLOOP_VERBOSE=1`` in the worker's environment keeps it on the
    worker's terminal."""
    context = FlowRunContext.get()
    from_deployment = context is not None and context.flow_run is not None and context.flow_run.deployment_id is not None
    if not from_deployment:
        return contextlib.nullcontext()
    return RunLog(config.paths.root, name, verbose=os.environ.get("SPAMLOOP_VERBOSE", "") not in ("", "0", "false"))

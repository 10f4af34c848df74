"""What every flow shares: templated run names, run tags, and the task runner its fan-out steps use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

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

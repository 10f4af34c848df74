from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from spamloop.settings import SettingsSection


class OrchestrationConfig(SettingsSection):
    """Where the flows' parallel tasks run: threads in the flow's process, or a Dask cluster.

    Only the fan-out steps use it (one labelling task per LLM provider, champion scoring in chunks);
    every other task runs in the flow's own process. See docs/scale_out.md.
    """

    task_runner: Literal["thread", "dask"] = Field(
        default="thread",
        description="thread: a thread pool in the flow's process (default). dask: prefect-dask's DaskTaskRunner, "
        "on the scheduler at dask_address or on a temporary distributed.LocalCluster.",
    )
    dask_address: str | None = Field(
        default=None,
        description="Address of an existing Dask scheduler (e.g. tcp://scheduler:8786); its workers must mount the "
        "same state folder at the same path. None: start a LocalCluster for each fan-out.",
    )
    dask_n_workers: int = Field(
        default=2, ge=1, le=256, description="Worker processes of the temporary LocalCluster (ignored with dask_address)."
    )
    dask_threads_per_worker: int = Field(
        default=1, ge=1, le=64, description="Threads per LocalCluster worker (ignored with dask_address)."
    )
    scoring_chunk_size: int = Field(
        default=5_000,
        ge=1,
        description="Messages per champion-scoring task; each task loads the champion once, so larger chunks "
        "load it fewer times and smaller ones spread wider.",
    )

    @model_validator(mode="after")
    def _address_needs_dask(self) -> OrchestrationConfig:
        if self.dask_address and self.task_runner != "dask":
            raise ValueError("dask_address is set but task_runner is not 'dask'")
        return self

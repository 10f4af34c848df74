"""Prefect task wrappers of the ingest steps. The logic lives in the plain modules next to this one."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from spamloop.config import SpamloopConfig
from tasks.ingest.errors import S3UnavailableError
from tasks.ingest.pipeline import FileResult, IngestResult, IngestRun
from tasks.ingest.sources import SourceFile, discover_sources


def retry_only_s3_outages(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a file when S3 was unreachable; never for bad data or rejected credentials."""
    try:
        state.result()
    except S3UnavailableError:
        return True
    except Exception:
        return False
    return False


@task(name="ingest-discover-sources", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5, retry_condition_fn=retry_only_s3_outages)
def discover_sources_task(config: SpamloopConfig) -> list[SourceFile]:
    sources = discover_sources(config)
    get_run_logger().info("found %d log file(s) under %s", len(sources), config.ingest.source)
    return sources


# The run object carries numpy arrays and open state: never hash it for caching.
@task(name="ingest-file", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5, retry_condition_fn=retry_only_s3_outages)
def ingest_file_task(run: IngestRun, source: SourceFile) -> FileResult:
    if run.is_ingested(source):
        result = run.skip(source)
        get_run_logger().info("skipped (already ingested, same identity): %s", source.uri)
        return result
    result = run.ingest_file(source)
    get_run_logger().info("%s: %s", source.uri, result.counts.summary())
    return result


@task(name="ingest-finalise-snapshot", cache_policy=NO_CACHE)
def finalise_snapshot_task(run: IngestRun) -> IngestResult:
    result = run.finalise()
    get_run_logger().info("snapshot %s committed (run %s)", result.snapshot_id, result.run_id)
    return result

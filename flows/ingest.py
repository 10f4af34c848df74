"""The ingest flow: new raw report logs -> validated, deduplicated corpus snapshot."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.orchestration import run_name, tag_run
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from tasks.ingest.pipeline import IngestResult, IngestRun, render_ingest_markdown
from tasks.ingest.steps import discover_sources_task, finalise_snapshot_task, ingest_file_task


@flow(name="ingest", flow_run_name=run_name("ingest"))
def ingest(config: SpamloopConfig = CONFIG_DEFAULTS) -> IngestResult:
    """Ingest every new log file under ``config.ingest.source`` into a new corpus snapshot.

    Args:
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
    """
    config = resolve_config(config)
    tag_run()
    logger = get_run_logger()
    run = IngestRun(config)
    try:
        sources = discover_sources_task(config)
        # One file at a time: the dedupe state is shared and each file is all-or-nothing.
        for source in sources:
            ingest_file_task(run, source)
        result = finalise_snapshot_task(run)
    except BaseException:
        run.abort()
        raise
    logger.info(
        "ingest %s: read %d = accepted %d + duplicate %d + quarantined %d; %d file(s) ingested, %d skipped; snapshot %s",
        result.run_id, result.read, result.accepted, result.duplicate, result.quarantined,
        len(result.files_ingested), len(result.files_skipped), result.snapshot_id,
    )
    create_markdown_artifact(key="ingest-summary", markdown=render_ingest_markdown(result), description="Ingest run summary")
    return result

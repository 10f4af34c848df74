"""Ingest stage: raw SMS report logs -> validated, deduplicated, versioned corpus snapshot.

Plain Python (no prefect import); the Prefect task wrappers are in ``tasks.ingest.steps``.
"""

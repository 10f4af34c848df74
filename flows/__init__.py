"""Prefect flows: thin tables of contents of each stage (logic lives in tasks/ and models/)."""

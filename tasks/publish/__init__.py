"""Publish stage: verified bundle -> immutable versioned objects -> manifest swapped last (S3 or a folder)."""

"""Publish a verified bundle under immutable versioned keys, then swing the manifest to it.

Layout in the store (under the target's prefix)::

    models/<name>/<version>/<every bundle file, bundle.json included>   written once, verified
    models/<name>/manifest.json                                         the pointer the app reads

Only a releasable registry version is published (models/release.py): the caller resolves the bundle's
registry version (bundle.json's mlflow_run_id, or the champion alias) into a checked ``Release``, and
``publish_bundle``/``rollback`` refuse one that is not releasable or not this bundle's, before touching the
store. The manifest carries that release (registry version, verdict, gate-table digest, override).

Order: verify the bundle and its parity report locally -> read the manifest (and its etag) -> upload
and verify every file -> download it through the new manifest's URLs and run it as the app does
(``app_check.py``) -> write the manifest LAST with a compare-and-swap on that etag. A failure before
the last step leaves the manifest as it was (the app keeps the old model); a rerun re-uses the files
already uploaded. Two concurrent publishes: the one whose manifest write lands second sees a changed
etag and fails with PublishConflictError; nothing is overwritten. ``rollback`` re-points the manifest
to an earlier version after checking all of that version's files are still in the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from models.ondevice import BUNDLE_INDEX, read_bundle_index, sha256_file, verify_bundle
from models.parity import ParityReport, require_passed
from models.release import Release, ReleaseRefused
from spamloop.settings.export import PublishConfig
from tasks.publish.app_check import AppCheckError
from tasks.publish.stores import ObjectStore, ObjectStoreError, PreconditionFailedError, S3Store

logger = logging.getLogger(__name__)

MANIFEST_SCHEMA = "spamloop-manifest/2"  # /2 added `registry`; /1 manifests (no registry) still load
PARITY_REPORT_FILE = "parity_report.json"
MAX_PRESIGN_S = 7 * 24 * 3600  # SigV4 presigned URLs live at most 7 days


class PublishError(RuntimeError):
    """Publishing stopped; the manifest was not changed."""


class PublishConflictError(PublishError):
    """Another publish or rollback changed the manifest first; this one changed nothing."""


class AppCheckRefused(PublishError):
    """The app could not download or run the new version; nothing was pointed at it (not retried: rerun after a fix)."""


class ManifestFile(BaseModel):
    """One file of the published version."""

    path: str = Field(description="Path inside the bundle (POSIX).")
    key: str = Field(description="Object key in the store (without the target prefix).")
    sha256: str = Field(description="Hex sha256 of the bytes.")
    size: int = Field(description="Bytes.")
    url: str = Field(description="Where the app downloads it (presigned, public or file://).")


class Manifest(BaseModel):
    """The pointer the app reads: which version to run and how to fetch and check it."""

    schema_version: str = Field(default=MANIFEST_SCHEMA, description="Manifest format.")
    name: str = Field(description="Model name.")
    version: str = Field(description="Model version the app should run.")
    created_at: str = Field(description="When the bundle was built (UTC, ISO-8601).")
    published_at: str = Field(description="When this manifest was written (UTC).")
    previous_version: str | None = Field(default=None, description="Version the manifest pointed at before.")
    threshold: float = Field(description="Spam if spam_probability >= threshold.")
    labels: dict[str, str] = Field(description="Class id -> label.")
    normalization_version: str = Field(description="Text contract the app must apply (models/normalization_spec.json).")
    bundle_format: str = Field(
        default="spamloop-bundle/1",
        description="bundle.json's format: spamloop-bundle/2 graphs also take n-gram inputs; an app refuses a format it does not implement.",
    )
    max_seq_len: int = Field(description="Truncation length including [CLS] and [SEP].")
    seq_lengths: list[int] = Field(description="Fixed TFLite signature lengths (seq_<n>).")
    models: dict[str, str] = Field(description="Model kind -> path inside the bundle.")
    min_app_version: str | None = Field(default=None, description="Lowest app version that can run this bundle.")
    urls_expire_at: str | None = Field(default=None, description="When presigned URLs stop working (UTC); None = never.")
    registry: Release | None = Field(
        default=None,
        description="The registry version published, its gate verdict, gate-table digest and override (None: a /1 manifest).",
    )
    files: list[ManifestFile] = Field(description="Every bundle file, bundle.json included.")


def version_prefix(name: str, version: str) -> str:
    return f"models/{name}/{version}/"


def manifest_key(name: str, config: PublishConfig) -> str:
    return f"models/{name}/{config.manifest_name}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _check_parity(bundle_dir: Path, report: ParityReport | None) -> ParityReport:
    stored = ParityReport.model_validate_json((bundle_dir / PARITY_REPORT_FILE).read_text(encoding="utf-8"))
    require_passed(stored)
    if report is not None:
        require_passed(report)
    return stored


def check_release(index: dict[str, Any], release: Release) -> Release:
    """``release`` if it may be published and is the registry version of this bundle; else ReleaseRefused."""
    release.require()
    if index.get("mlflow_run_id") != release.run_id:
        raise ReleaseRefused(
            f"refused to publish: bundle {index['name']} {index['version']} comes from training run "
            f"{index.get('mlflow_run_id')!r}, but {release.registered_model} version {release.version} from {release.run_id!r}"
        )
    return release


def _build_manifest(
    index: dict[str, Any],
    bundle_json: bytes,
    store: ObjectStore,
    config: PublishConfig,
    previous_version: str | None,
    release: Release,
) -> Manifest:
    name, version = index["name"], index["version"]
    entries = [*index["files"]]
    bundle_json_entry = {"path": BUNDLE_INDEX, "sha256": hashlib.sha256(bundle_json).hexdigest(), "size": len(bundle_json)}
    now = _utc_now()
    files = [
        ManifestFile(
            path=entry["path"],
            key=version_prefix(name, version) + entry["path"],
            sha256=entry["sha256"],
            size=entry["size"],
            url=store.url(version_prefix(name, version) + entry["path"]),
        )
        for entry in [bundle_json_entry, *entries]
    ]
    presigned = config.url_mode == "presigned" and not store.describe().startswith("file://")
    return Manifest(
        name=name,
        version=version,
        created_at=index["created_at"],
        published_at=now.isoformat(),
        previous_version=previous_version,
        threshold=index["threshold"],
        labels=index["labels"],
        normalization_version=index["normalization_version"],
        bundle_format=index["format"],
        max_seq_len=index["max_seq_len"],
        seq_lengths=index["seq_lengths"],
        models=index["models"],
        min_app_version=index.get("min_app_version"),
        urls_expire_at=(now + timedelta(seconds=config.presign_expiry_s)).isoformat() if presigned else None,
        registry=release,
        files=files,
    )


def read_manifest(store: ObjectStore, name: str, config: PublishConfig | None = None) -> tuple[Manifest, str] | None:
    """(manifest, etag) currently published for ``name``, or None."""
    found = store.read(manifest_key(name, config or PublishConfig()))
    if found is None:
        return None
    return Manifest.model_validate_json(found[0]), found[1]


class ManifestLink(BaseModel):
    """The URL a mobile engineer gives the app to fetch the manifest, and how long it works."""

    name: str = Field(description="Model name.")
    version: str = Field(description="Version the manifest points at now.")
    url: str = Field(description="GET URL of manifest.json (presigned, or public with url_mode=public).")
    expires_at: datetime | None = Field(description="When this URL stops working (UTC); None = public, no expiry.")
    files_expire_at: datetime | None = Field(
        description="When the file URLs listed in the manifest stop working (UTC); None = they do not expire."
    )


def manifest_link(store: ObjectStore, name: str, config: PublishConfig, expires_in_s: int | None = None) -> ManifestLink:
    """A URL for the published manifest of ``name``: presigned for ``expires_in_s`` (default presign_expiry_s),
    or the public one with url_mode=public. Refuses a local folder store (nothing to sign, no server to serve it)
    and a store where nothing is published yet."""
    if not isinstance(store, S3Store):
        raise PublishError(
            f"the publish target is a local folder ({store.describe()}): an app cannot download from it; "
            "publish to an S3-compatible store (publish.target=s3://bucket/prefix with the s3.* settings)"
        )
    if expires_in_s is not None and not 1 <= expires_in_s <= MAX_PRESIGN_S:
        raise PublishError(f"a presigned URL lives 1 s to 7 days (S3's limit), not {expires_in_s} s")
    found = read_manifest(store, name, config)
    if found is None:
        raise PublishError(f"nothing is published for {name} in {store.describe()} (no {manifest_key(name, config)})")
    manifest = found[0]
    public = config.url_mode == "public"
    lifetime = expires_in_s or config.presign_expiry_s
    expires_at = None if public else datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lifetime)
    url = store.url(manifest_key(name, config), lifetime)
    files_expire_at = datetime.fromisoformat(manifest.urls_expire_at) if manifest.urls_expire_at else None
    return ManifestLink(
        name=name, version=manifest.version, url=url, expires_at=expires_at, files_expire_at=files_expire_at
    )


def _swap_manifest(
    store: ObjectStore, key: str, manifest: Manifest, etag: str | None
) -> None:
    payload = (manifest.model_dump_json(indent=2) + "\n").encode("utf-8")
    try:
        store.put_conditional(key, payload, if_match=etag)
    except PreconditionFailedError as exc:
        raise PublishConflictError(
            f"manifest {key} changed while publishing {manifest.version} (a concurrent publish or rollback won); "
            "the files of this version are uploaded, the manifest was NOT changed: rerun to publish it"
        ) from exc


def publish_bundle(
    bundle_dir: Path,
    store: ObjectStore,
    config: PublishConfig | None = None,
    report: ParityReport | None = None,
    *,
    release: Release,
    app_check: Callable[[dict[str, Any]], object] | None,
) -> Manifest:
    """Upload a bundle and point the manifest at it.

    Refuses (before touching the store) bundles that fail verification or parity, and a ``release`` that may not
    be published or is not this bundle's registry version. ``app_check`` (``app_check.check_as_the_app_does``; None
    only for bundles without a real model) gets the new manifest's JSON before the swap: when it raises, the
    manifest is left as it was.
    """
    config = config or PublishConfig()
    index = verify_bundle(bundle_dir)
    _check_parity(bundle_dir, report)
    check_release(index, release)
    name, version = index["name"], index["version"]
    key = manifest_key(name, config)
    current = store.read(key)
    current_manifest = Manifest.model_validate_json(current[0]) if current else None
    previous = current_manifest.version if current_manifest else None
    etag = current[1] if current else None

    uploaded = 0
    for entry in [*index["files"], None]:
        path = BUNDLE_INDEX if entry is None else entry["path"]  # bundle.json last: its presence marks completeness
        local = bundle_dir / path
        sha256 = entry["sha256"] if entry else sha256_file(local)
        try:
            uploaded += store.put_immutable(version_prefix(name, version) + path, local, sha256)
        except ObjectStoreError as exc:
            raise PublishError(
                f"upload of {name} {version} stopped at {path}: {exc}; the manifest still points at {previous}"
            ) from exc
    bundle_json = (bundle_dir / BUNDLE_INDEX).read_bytes()
    # Re-publishing the current version (a rerun, or to refresh presigned URLs) keeps its back pointer.
    back_pointer = current_manifest.previous_version if current_manifest and previous == version else previous
    manifest = _build_manifest(index, bundle_json, store, config, back_pointer, release)
    if app_check is not None:
        try:
            app_check(json.loads(manifest.model_dump_json()))
        except AppCheckError as exc:
            raise AppCheckRefused(f"{exc}; the files are uploaded, the manifest still points at {previous}") from exc
    _swap_manifest(store, key, manifest, etag)
    logger.info("published %s %s to %s (%d new objects, previous %s)", name, version, store.describe(), uploaded, previous)
    return manifest


def published_bundle_index(store: ObjectStore, name: str, version: str) -> tuple[dict[str, Any], bytes]:
    """(bundle.json as a dict, its bytes) of a published ``version``; PublishError if it was never completed."""
    prefix = version_prefix(name, version)
    found = store.read(prefix + BUNDLE_INDEX)
    if found is None:
        raise PublishError(f"{name} {version} was never published completely (no {prefix}{BUNDLE_INDEX})")
    return json.loads(found[0]), found[0]


def rollback(
    store: ObjectStore, name: str, version: str, config: PublishConfig | None = None, *, release: Release
) -> Manifest:
    """Point the manifest at an earlier published ``version`` after checking all its files are intact.

    ``release`` is the registry version of that bundle (resolve it from ``published_bundle_index(...)``'s
    mlflow_run_id); a version that may not be published is refused like a new one.
    """
    config = config or PublishConfig()
    key = manifest_key(name, config)
    current = store.read(key)
    prefix = version_prefix(name, version)
    index, bundle_bytes = published_bundle_index(store, name, version)
    check_release(index, release)
    problems = []
    for entry in index["files"]:
        stored = store.sha256_of(prefix + entry["path"])
        if stored != entry["sha256"]:
            problems.append(f"{entry['path']}: {'missing' if stored is None else 'sha256 mismatch'}")
    if problems:
        raise PublishError(f"cannot roll back to {name} {version}: " + "; ".join(problems))
    previous = Manifest.model_validate_json(current[0]).version if current else None
    manifest = _build_manifest(index, bundle_bytes, store, config, previous, release)
    _swap_manifest(store, key, manifest, current[1] if current else None)
    logger.info("rolled %s back from %s to %s", name, previous, version)
    return manifest




def bundle_summary(bundle_dir: Path) -> dict[str, Any]:
    """name, version, threshold of a bundle folder (without verifying it)."""
    index = read_bundle_index(bundle_dir)
    return {"name": index["name"], "version": index["version"], "threshold": index["threshold"]}

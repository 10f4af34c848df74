"""MLflow model registry: candidate registration, promotion (auto or by review), override, rejection and rollback.

Aliases: ``challenger`` = the latest candidate that passed every gate (awaiting review), ``champion`` = what the
phones run. Alias moves come last in every operation and are undone if anything after them fails, so a failed
gate, a rejected review or an exception leaves every alias where it was. Which versions may be champion (and
published) is the release rule of models/release.py. See docs/review.md.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from pydantic import BaseModel, Field

from models.registry import ALIAS_CHAMPION, alias_version, champion_version, model_version_uri
from models.release import (
    REVIEW_OVERRIDDEN,
    REVIEW_REJECTED,
    TAG_FAILED_GATES,
    TAG_GATES_SHA256,
    VERDICT_PASS,
    Override,
    failed_gates_tag,
    gates_sha256,
    recorded_failed_gates,
    release_of,
)

ALIAS_CHALLENGER = "challenger"
MANAGED_ALIASES: tuple[str, ...] = (ALIAS_CHAMPION, ALIAS_CHALLENGER)
REVIEW_PENDING, REVIEW_APPROVED, REVIEW_AUTO = "pending", "approved", "auto-promoted"
REVIEW_NOT_ELIGIBLE = "not-eligible"  # failed a gate: nothing to review


class PromotionRefused(RuntimeError):
    """The requested alias move is not allowed (failed gates, rejected review, unknown version...)."""


class RegistrationOutcome(BaseModel):
    """What registering one candidate did."""

    name: str = Field(description="Registered model name.")
    version: str = Field(description="New model version.")
    verdict: str = Field(description="pass or fail (all gates).")
    challenger_set: bool = Field(description="Whether the challenger alias now points at this version.")
    promoted: bool = Field(description="Whether the champion alias now points at this version.")
    previous_champion: str | None = Field(description="Champion version before this registration.")


class RollbackResult(BaseModel):
    """The version the publish stage must now republish."""

    name: str = Field(description="Registered model name.")
    from_version: str = Field(description="Champion before the rollback.")
    to_version: str = Field(description="Champion after the rollback.")
    model_uri: str = Field(description="models:/<name>/<version> of the new champion.")
    source: str = Field(description="Artifact source of the new champion's model.")
    run_id: str | None = Field(description="MLflow run that produced the new champion's model.")
    threshold: float | None = Field(description="Operating threshold recorded on the new champion.")
    training_run_id: str | None = Field(description="Training run recorded on the new champion.")


class VersionSummary(BaseModel):
    """One model version as `registry show` prints it."""

    version: str = Field(description="Model version number.")
    aliases: list[str] = Field(description="Managed aliases pointing at it.")
    verdict: str | None = Field(description="pass / fail from the gates (None: not registered by the evaluate stage).")
    review: str | None = Field(description="pending, approved, rejected, auto-promoted, overridden or not-eligible.")
    threshold: str | None = Field(description="Recorded operating threshold.")
    created: str = Field(description="Creation time, UTC.")
    failed_gates: list[str] = Field(description="Names of the gates it failed.")
    override: Override | None = Field(default=None, description="A reviewer's override of its gates, if any.")
    refusal: str | None = Field(default=None, description="Why it may not be published; None when it may.")


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def current_aliases(client: MlflowClient, name: str) -> dict[str, str | None]:
    return {alias: alias_version(client, name, alias) for alias in MANAGED_ALIASES}


def latest_version(client: MlflowClient, name: str) -> str | None:
    """Highest version number (deterministic, unlike creation time)."""
    versions = [int(v.version) for v in client.search_model_versions(f"name = '{name}'")]
    return str(max(versions)) if versions else None


@contextlib.contextmanager
def aliases_restored_on_error(client: MlflowClient, name: str) -> Iterator[dict[str, str | None]]:
    """Snapshot the managed aliases; if the body raises, put every one back where it was, then re-raise."""
    before = current_aliases(client, name)
    try:
        yield before
    except BaseException:
        for alias, version in before.items():
            with contextlib.suppress(MlflowException):
                if version is None:
                    if alias_version(client, name, alias) is not None:
                        client.delete_registered_model_alias(name, alias)
                else:
                    client.set_registered_model_alias(name, alias, version)
        raise


def _get_version(client: MlflowClient, name: str, version: str) -> ModelVersion:
    try:
        return client.get_model_version(name, str(version))
    except MlflowException as error:
        raise PromotionRefused(f"{name} version {version} does not exist") from error


def register_candidate(
    client: MlflowClient,
    tracking_uri: str,
    name: str,
    model_uri: str,
    verdict: str,
    tags: dict[str, str],
    description: str,
    gate_rows: Sequence[Mapping[str, Any]],
    auto_promote: bool = False,
) -> RegistrationOutcome:
    """Register ``model_uri`` as a new version with verdict tags and a model card; move aliases only on a pass.

    ``gate_rows`` is the gate table as the evaluation run stores it (evaluation/gates.json); its digest becomes
    tag ``gates_sha256``, which publishing copies into the manifest.
    Order: version -> tags -> description -> challenger alias -> (auto) champion alias. Any exception deletes the
    half-registered version and restores the aliases, then propagates.
    """
    registered: ModelVersion | None = None
    with aliases_restored_on_error(client, name) as before:
        try:
            # mlflow.register_model uses the global URIs; point them at this client's store.
            mlflow.set_tracking_uri(tracking_uri)
            mlflow.set_registry_uri(tracking_uri)
            registered = mlflow.register_model(model_uri, name, await_registration_for=60)
            version = str(registered.version)
            recorded = {
                **tags,
                "verdict": verdict,
                TAG_GATES_SHA256: gates_sha256(gate_rows),
                TAG_FAILED_GATES: failed_gates_tag(gate_rows),
                "review": REVIEW_PENDING if verdict == VERDICT_PASS else REVIEW_NOT_ELIGIBLE,
            }
            for key, value in recorded.items():
                client.set_model_version_tag(name, version, key, str(value))
            client.update_model_version(name, version, description=description)
            challenger_set = promoted = False
            if verdict == "pass":
                client.set_registered_model_alias(name, ALIAS_CHALLENGER, version)
                challenger_set = True
                if auto_promote:
                    _promote(client, name, version, reviewer="auto", comment="auto_promote: every gate passed", review=REVIEW_AUTO)
                    promoted = True
        except BaseException:
            if registered is not None:
                with contextlib.suppress(MlflowException):
                    client.delete_model_version(name, str(registered.version))
            raise
    return RegistrationOutcome(
        name=name,
        version=version,
        verdict=verdict,
        challenger_set=challenger_set,
        promoted=promoted,
        previous_champion=before[ALIAS_CHAMPION],
    )


def _check_promotable(model_version: ModelVersion) -> None:
    """Only a releasable version (models/release.py: passed, or overridden by a reviewer; not rejected) is champion."""
    if model_version.tags.get("review") == REVIEW_REJECTED:
        raise PromotionRefused(f"version {model_version.version} was rejected by {model_version.tags.get('reviewed_by')!r}")
    problem = release_of(model_version).refusal()
    if problem is not None:
        raise PromotionRefused(problem)


def _promote(client: MlflowClient, name: str, version: str, reviewer: str, comment: str, review: str) -> str | None:
    """Move champion to ``version`` and record who, why and the previous champion. Returns the previous champion."""
    model_version = _get_version(client, name, version)
    _check_promotable(model_version)
    previous = champion_version(client, name)
    if previous == str(version):
        raise PromotionRefused(f"version {version} is already champion")
    with aliases_restored_on_error(client, name):
        client.set_registered_model_alias(name, ALIAS_CHAMPION, str(version))
        for key, value in {
            "review": review,
            "reviewed_by": reviewer,
            "review_comment": comment,
            "reviewed_at": now_iso(),
            "previous_champion": previous or "",
            "promoted_at": now_iso(),
        }.items():
            client.set_model_version_tag(name, str(version), key, value)
    return previous


def approve(client: MlflowClient, name: str, version: str, comment: str, reviewer: str | None = None) -> str | None:
    """A reviewer approves a passing version: it becomes champion. Returns the previous champion version."""
    if not comment.strip():
        raise PromotionRefused("an approval needs a comment saying what was checked")
    return _promote(client, name, str(version), reviewer or default_reviewer(), comment.strip(), REVIEW_APPROVED)


def override(client: MlflowClient, name: str, version: str, reviewer: str, reason: str) -> str | None:
    """A reviewer releases a version that failed its gates: an explicit, audited act; it becomes champion.

    Records ``override_by``, ``override_at``, ``override_reason``, ``override_verdict`` (the verdict overridden)
    and ``override_failed_gates`` on the version, then moves champion to it (unless it already is, e.g. after an
    alias move in the MLflow UI). Refused without a reviewer and a reason, for a version that passed (approve it),
    was never evaluated, was rejected or was already overridden. Returns the previous champion.
    """
    reviewer, reason = reviewer.strip(), reason.strip()
    if not reviewer or not reason:
        raise PromotionRefused("an override needs --reviewer and --reason: who releases it despite its gates, and why")
    model_version = _get_version(client, name, str(version))
    version = str(model_version.version)
    tags = model_version.tags
    verdict = tags.get("verdict")
    if verdict is None:
        raise PromotionRefused(f"version {version} was never evaluated (no verdict tag): run the evaluate flow on it first")
    if verdict == VERDICT_PASS:
        raise PromotionRefused(f"version {version} passed every gate: approve it (spamloop registry approve {version} --comment ...)")
    if tags.get("review") == REVIEW_REJECTED:
        raise PromotionRefused(f"version {version} was rejected by {tags.get('reviewed_by')!r}")
    if release_of(model_version).override is not None:
        raise PromotionRefused(
            f"version {version} was already overridden by {tags.get('override_by')!r} at {tags.get('override_at')}"
        )
    record = Override(reviewer=reviewer, reason=reason, at=now_iso(), overridden_verdict=verdict, failed_gates=recorded_failed_gates(tags))
    previous = champion_version(client, name)
    written: list[str] = []
    try:
        for key, value in record.tags().items():
            client.set_model_version_tag(name, version, key, value)
            written.append(key)
        if previous == version:  # the alias was moved by hand (MLflow UI): the override legitimises it
            for key, value in {"review": REVIEW_OVERRIDDEN, "reviewed_by": reviewer, "review_comment": reason, "reviewed_at": record.at}.items():
                client.set_model_version_tag(name, version, key, value)
        else:
            _promote(client, name, version, reviewer, reason, REVIEW_OVERRIDDEN)
    except BaseException:
        for key in written:  # no half-recorded override: without the alias move it is not one
            with contextlib.suppress(MlflowException):
                client.delete_model_version_tag(name, version, key)
        raise
    return previous


def reject(client: MlflowClient, name: str, version: str, comment: str, reviewer: str | None = None) -> None:
    """A reviewer rejects a version: recorded as tags; no alias moves."""
    if not comment.strip():
        raise PromotionRefused("a rejection needs a comment saying why")
    model_version = _get_version(client, name, str(version))
    if champion_version(client, name) == str(model_version.version):
        raise PromotionRefused(f"version {version} is the champion; use rollback to replace it")
    for key, value in {
        "review": REVIEW_REJECTED,
        "reviewed_by": reviewer or default_reviewer(),
        "review_comment": comment.strip(),
        "reviewed_at": now_iso(),
    }.items():
        client.set_model_version_tag(name, str(model_version.version), key, value)


def rollback(
    client: MlflowClient, name: str, to_version: str | None = None, comment: str = "", reviewer: str | None = None
) -> RollbackResult:
    """Move champion back to ``to_version`` (default: the previous champion recorded on the current one)."""
    current = champion_version(client, name)
    if current is None:
        raise PromotionRefused(f"{name} has no champion to roll back")
    if to_version is None:
        to_version = _get_version(client, name, current).tags.get("previous_champion") or None
        if to_version is None:
            raise PromotionRefused(f"champion version {current} records no previous champion; name a version")
    target = _get_version(client, name, str(to_version))
    if str(target.version) == current:
        raise PromotionRefused(f"version {to_version} is already champion")
    problem = release_of(target).refusal()
    if problem is not None:
        raise PromotionRefused(f"refusing to roll back: {problem}")
    with aliases_restored_on_error(client, name):
        client.set_registered_model_alias(name, ALIAS_CHAMPION, str(target.version))
        for key, value in {
            "rolled_back_from": current,
            "rolled_back_at": now_iso(),
            "rolled_back_by": reviewer or default_reviewer(),
            "rollback_comment": comment,
        }.items():
            client.set_model_version_tag(name, str(target.version), key, value)
    threshold = target.tags.get("threshold")
    return RollbackResult(
        name=name,
        from_version=current,
        to_version=str(target.version),
        model_uri=model_version_uri(name, str(target.version)),
        source=target.source,
        run_id=target.run_id,
        threshold=float(threshold) if threshold else None,
        training_run_id=target.tags.get("training_run_id"),
    )


def show(client: MlflowClient, name: str) -> list[VersionSummary]:
    """Every version, newest first, with aliases, verdict and review state."""
    versions = sorted(client.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version), reverse=True)
    aliases = current_aliases(client, name)
    summaries = []
    for model_version in versions:
        full = client.get_model_version(name, model_version.version)
        release = release_of(full)
        summaries.append(
            VersionSummary(
                version=str(full.version),
                aliases=[alias for alias, version in aliases.items() if version == str(full.version)],
                verdict=full.tags.get("verdict"),
                review=full.tags.get("review"),
                threshold=full.tags.get("threshold"),
                created=datetime.fromtimestamp(full.creation_timestamp / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M"),
                failed_gates=release.failed_gates,
                override=release.override,
                refusal=release.refusal(),
            )
        )
    return summaries


def alias_warnings(summaries: Sequence[VersionSummary]) -> list[str]:
    """One line per alias on a version that failed its gates: refused (no override) or released by an override."""
    warnings = []
    for row in summaries:
        for alias in row.aliases:
            if row.refusal is not None:
                warnings.append(f"{alias} -> v{row.version} may NOT be published: {row.refusal}")
            elif row.override is not None:
                o = row.override
                warnings.append(
                    f"{alias} -> v{row.version} failed its gates (verdict {o.overridden_verdict!r}"
                    + (f": {', '.join(o.failed_gates)}" if o.failed_gates else "")
                    + f") and is released only by {o.reviewer}'s override at {o.at}: {o.reason}"
                )
    return warnings

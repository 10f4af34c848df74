"""Which registry version may reach phones: the release rule every publish path applies.

A model version is releasable when the evaluate stage recorded ``verdict=pass`` on it, or when a reviewer
recorded an explicit override (who, when, why, and the verdict overridden), and no reviewer rejected it.
Where an alias points does not matter: anyone can move ``champion`` in the MLflow UI, so every publish path
(weekly flow, publish-champion, rollback, the CLI) resolves the version and checks its tags here.

The evaluate stage writes the tags at registration (tasks/evaluate/registry.py); the manifest carries the
resulting :class:`Release`, so the app and an auditor see which registry version, verdict and gate table
they run. See docs/review.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from pydantic import BaseModel, Field

from models.registry import ALIAS_CHAMPION, champion_version, is_missing

VERDICT_PASS = "pass"
TAG_VERDICT = "verdict"
TAG_REVIEW = "review"
TAG_REVIEWED_BY = "reviewed_by"
TAG_GATES_SHA256 = "gates_sha256"
GATE_TAG_PREFIX = "gate_"  # one tag per gate: versions registered before TAG_FAILED_GATES; still read
TAG_FAILED_GATES = "failed_gates"  # comma-separated names of the gates that blocked the version, "none" if none
NO_FAILED_GATES = "none"
# Gate verdicts that keep a required gate from passing (tasks/evaluate/gates.py decides them).
BLOCKING_VERDICTS: frozenset[str] = frozenset({"fail", "undecided"})
REVIEW_REJECTED = "rejected"
REVIEW_OVERRIDDEN = "overridden"
TAG_OVERRIDE_BY = "override_by"
TAG_OVERRIDE_AT = "override_at"
TAG_OVERRIDE_REASON = "override_reason"
TAG_OVERRIDE_VERDICT = "override_verdict"
TAG_OVERRIDE_FAILED_GATES = "override_failed_gates"
OVERRIDE_TAGS = (TAG_OVERRIDE_BY, TAG_OVERRIDE_AT, TAG_OVERRIDE_REASON, TAG_OVERRIDE_VERDICT, TAG_OVERRIDE_FAILED_GATES)


class ReleaseRefused(RuntimeError):
    """The version may not reach phones (gates failed without an override, rejected, unknown); nothing was published."""


def gates_sha256(gate_rows: Sequence[Mapping[str, Any]]) -> str:
    """Hex sha256 of the gate table as canonical JSON (sorted keys, no spaces, UTF-8).

    ``gate_rows`` are the gate results exactly as the evaluation run stores them in ``evaluation/gates.json``,
    so anyone can recompute the digest from that artifact.
    """
    canonical = json.dumps(list(gate_rows), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Override(BaseModel):
    """A reviewer's explicit decision to release a version the gates did not pass."""

    reviewer: str = Field(description="Who overrode the gates.")
    reason: str = Field(description="Why, in the reviewer's words.")
    at: str = Field(description="When (UTC, ISO-8601).")
    overridden_verdict: str = Field(description="The gate verdict that was overridden.")
    failed_gates: list[str] = Field(default_factory=list, description="Gates it failed when it was overridden.")

    def tags(self) -> dict[str, str]:
        """The version tags that record this override."""
        return {
            TAG_OVERRIDE_BY: self.reviewer,
            TAG_OVERRIDE_AT: self.at,
            TAG_OVERRIDE_REASON: self.reason,
            TAG_OVERRIDE_VERDICT: self.overridden_verdict,
            TAG_OVERRIDE_FAILED_GATES: ",".join(self.failed_gates),
        }


class Release(BaseModel):
    """A registry version as the publish stage sees it; the manifest carries it as ``registry``."""

    registered_model: str = Field(description="MLflow registered model name.")
    version: str = Field(description="MLflow model version.")
    run_id: str | None = Field(description="MLflow training run the version's model came from (bundle.json's mlflow_run_id).")
    verdict: str | None = Field(description="Gate verdict recorded by the evaluate stage (pass / fail); None: never evaluated.")
    gates_sha256: str | None = Field(
        description="sha256 of the gate table recorded at registration (evaluation/gates.json, canonical JSON)."
    )
    failed_gates: list[str] = Field(default_factory=list, description="Gates the version failed.")
    review: str | None = Field(default=None, description="Review state: pending, approved, auto-promoted, overridden, rejected...")
    override: Override | None = Field(default=None, description="The reviewer's override, if the gates were overridden.")

    def refusal(self) -> str | None:
        """Why this version may not be published, or None when it may."""
        label = f"{self.registered_model} version {self.version}"
        if self.review == REVIEW_REJECTED:
            return f"{label} was rejected by a reviewer"
        if self.verdict == VERDICT_PASS or self.override is not None:
            return None
        if self.verdict is None:
            return f"{label} was never evaluated (no verdict tag)"
        failed = f" (failed: {', '.join(self.failed_gates)})" if self.failed_gates else ""
        return (
            f"{label} did not pass its gates{failed}, verdict {self.verdict!r}; only a reviewer's "
            f"`spamloop registry override {self.version} --reviewer NAME --reason '...'` can release it"
        )

    def require(self) -> Release:
        """This release, or ReleaseRefused saying why it may not be published."""
        problem = self.refusal()
        if problem is not None:
            raise ReleaseRefused(f"refused to publish: {problem}")
        return self


def failed_gate_names(tags: Mapping[str, str]) -> list[str]:
    """Gates whose recorded verdict blocks promotion: failed, or too small to decide (``undecided``)."""
    return sorted(
        key.removeprefix(GATE_TAG_PREFIX)
        for key, value in tags.items()
        if key.startswith(GATE_TAG_PREFIX) and value in BLOCKING_VERDICTS
    )


def failed_gates_tag(gate_rows: Sequence[Mapping[str, Any]]) -> str:
    """Value of tag ``failed_gates`` for a gate table (evaluation/gates.json rows): one compact tag on the version
    instead of one ``gate_<name>`` tag per gate; the whole table is the evaluation run's artifact."""
    failed = failed_gate_names({GATE_TAG_PREFIX + str(row["name"]): str(row["verdict"]) for row in gate_rows})
    return ",".join(failed) or NO_FAILED_GATES


def recorded_failed_gates(tags: Mapping[str, str]) -> list[str]:
    """The failed gates a version's tags record: tag ``failed_gates``, or the per-gate tags of older versions."""
    if TAG_FAILED_GATES not in tags:
        return failed_gate_names(tags)
    value = tags[TAG_FAILED_GATES].strip()
    return [] if value == NO_FAILED_GATES else sorted(name for name in value.split(",") if name)


def override_of(tags: Mapping[str, str]) -> Override | None:
    """The override recorded in a version's tags; None unless it names both a reviewer and a reason."""
    reviewer, reason = tags.get(TAG_OVERRIDE_BY, "").strip(), tags.get(TAG_OVERRIDE_REASON, "").strip()
    if not reviewer or not reason:
        return None
    failed = tags.get(TAG_OVERRIDE_FAILED_GATES, "")
    return Override(
        reviewer=reviewer,
        reason=reason,
        at=tags.get(TAG_OVERRIDE_AT, ""),
        overridden_verdict=tags.get(TAG_OVERRIDE_VERDICT, ""),
        failed_gates=[name for name in failed.split(",") if name],
    )


def release_of(model_version: ModelVersion) -> Release:
    """The release record of a model version, from its tags (not checked)."""
    tags = dict(model_version.tags)
    return Release(
        registered_model=model_version.name,
        version=str(model_version.version),
        run_id=model_version.run_id or None,
        verdict=tags.get(TAG_VERDICT),
        gates_sha256=tags.get(TAG_GATES_SHA256),
        failed_gates=recorded_failed_gates(tags),
        review=tags.get(TAG_REVIEW),
        override=override_of(tags),
    )


def version_release(client: MlflowClient, name: str, version: str) -> Release:
    """The checked release of ``name`` version ``version``; ReleaseRefused if it may not be published."""
    try:
        model_version = client.get_model_version(name, str(version))
    except MlflowException as error:
        if is_missing(error):
            raise ReleaseRefused(f"refused to publish: {name} version {version} does not exist") from error
        raise
    return release_of(model_version).require()


def alias_release(client: MlflowClient, name: str, alias: str = ALIAS_CHAMPION) -> Release:
    """The checked release behind ``alias``, whoever moved it (the evaluate flow, the CLI or the MLflow UI)."""
    try:
        model_version = client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        if is_missing(error):
            raise ReleaseRefused(f"refused to publish: {name} has no version with alias {alias!r}") from error
        raise
    return release_of(model_version).require()


def run_release(client: MlflowClient, name: str, run_id: str | None) -> Release:
    """The checked release of the version registered from training run ``run_id`` (a bundle's mlflow_run_id).

    When the run was registered more than once, the champion wins if it is one of them, else the newest version:
    the latest verdict on that model is the one that counts.
    """
    if not run_id:
        raise ReleaseRefused(
            "refused to publish: the bundle records no MLflow training run (bundle.json mlflow_run_id), "
            f"so no {name} version and no gate verdict can be found for it"
        )
    try:
        versions = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
    except MlflowException as error:
        if is_missing(error):
            versions = []
        else:
            raise
    if not versions:
        raise ReleaseRefused(
            f"refused to publish: no version of {name} was registered from training run {run_id}; "
            "the evaluate flow registers every candidate it judges"
        )
    champion = champion_version(client, name)
    numbers = [str(v.version) for v in versions]
    chosen = champion if champion in numbers else max(numbers, key=int)
    return version_release(client, name, chosen)

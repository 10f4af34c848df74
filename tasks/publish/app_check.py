"""The app's download, rehearsed before the manifest points at a version (issue 28: a first run that ships).

Uploading and verifying objects proves the store holds the right bytes; it does not prove an app can use them.
Before the manifest swap, ``check_as_the_app_does`` does what the phone will do with the new manifest: fetch every
file through the URL the manifest gives (presigned, public or file://; so an expired signature, a private bucket
behind ``url_mode=public`` or a missing file shows up here), check each size and sha256 and bundle.json against
them, load every TFLite model with the reference client (LiteRT, no torch) and score a few messages. A failure
stops the publish with the manifest unchanged.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field

from models.ondevice import BundleIntegrityError
from models.reference_client import DownloadError, ReferenceClient, download_bundle

# A few messages of the kinds a phone sees first (made up; no real number or link).
APP_CHECK_MESSAGES: tuple[str, ...] = (
    "[Web발신] 고객님의 택배가 주소 불일치로 반송 예정입니다. 주소 수정: http://cj-deliver.xyz/a1",
    "[네이버] 인증번호 [482913]를 입력해주세요. 타인에게 절대 알려주지 마세요.",
    "Congratulations! You have won a 1000 GBP cash prize. Call 09061701461 now to claim",
    "Running 10 min late, order me a coffee please",
)


class AppCheckError(RuntimeError):
    """The app could not download or run the version about to be published."""


class ModelScores(BaseModel):
    """What one TFLite model of the downloaded bundle said about the check messages."""

    model: str = Field(description="Model kind in the bundle (tflite_fp32, tflite_int8).")
    spam_probabilities: list[float] = Field(description="Spam probability of each check message, in order.")
    labels: list[str] = Field(description="Label of each check message at the bundle's threshold.")


class AppCheck(BaseModel):
    """The download as the app does it: what was fetched and verified, and what the models said."""

    name: str = Field(description="Model name.")
    version: str = Field(description="Version downloaded (the manifest's).")
    files_verified: int = Field(description="Files fetched through the manifest's URLs with size and sha256 checked.")
    scores: list[ModelScores] = Field(description="One entry per TFLite model in the bundle.")

    def summary(self) -> str:
        models = ", ".join(f"{s.model} {'/'.join(s.labels)}" for s in self.scores)
        return (
            f"{self.name} {self.version}: {self.files_verified} files fetched through the manifest's URLs and verified; "
            f"{len(APP_CHECK_MESSAGES)} messages scored with the reference client ({models})"
        )


def check_as_the_app_does(manifest: dict, messages: tuple[str, ...] = APP_CHECK_MESSAGES) -> AppCheck:
    """Download the version ``manifest`` (the manifest's JSON, as a dict) points at through its URLs into a fresh
    folder, verify it and score ``messages`` with every TFLite model in it; AppCheckError names what failed."""
    name, version = manifest["name"], manifest["version"]
    with tempfile.TemporaryDirectory(prefix="spamloop-app-check-") as cache:
        try:
            bundle_dir = download_bundle(manifest, Path(cache))
            scores = []
            for model in sorted(kind for kind in manifest["models"] if kind.startswith("tflite")):
                client = ReferenceClient(bundle_dir, model=model, verify=False)  # download_bundle verified it
                predictions = client.predict(list(messages))
                probabilities = [p.spam_probability for p in predictions]
                if not all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in probabilities):
                    raise AppCheckError(f"{name} {version} {model}: spam probabilities outside [0, 1]: {probabilities}")
                scores.append(ModelScores(model=model, spam_probabilities=probabilities, labels=[p.label for p in predictions]))
        except (DownloadError, BundleIntegrityError, OSError, ValueError, RuntimeError) as error:
            if isinstance(error, AppCheckError):
                raise
            raise AppCheckError(f"the app could not use {name} {version}: {error}") from error
    if not scores:
        raise AppCheckError(f"{name} {version} has no TFLite model for the app to run (models: {sorted(manifest['models'])})")
    return AppCheck(name=name, version=version, files_verified=len(manifest["files"]), scores=scores)

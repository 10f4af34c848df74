"""Reference on-device client: what the Android/iOS app does, in Python, from the bundle alone.

Uses only the bundle files, the LiteRT interpreter, the pure-Python tokenizer (models/ondevice.py), the n-gram
rules (models/ngrams.py, format-2 bundles) and the text contract (models.normalization.normalize). It never imports torch or transformers (a
test checks sys.modules), so it shows that a bundle is self-sufficient. ``from_manifest_url``
downloads a published version over HTTP(S) or file://, checking every file's size and sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from models.normalization import NORMALIZATION_VERSION, model_text
from models.ondevice import (
    BUNDLE_FORMAT_V1,
    HASH_CHUNK,
    SUPPORTED_BUNDLE_FORMATS,
    OUTPUT_NAME,
    BundleIntegrityError,
    ModelInputs,
    pick_seq_len,
    read_bundle_index,
    signature_name,
    verify_bundle,
)

DOWNLOAD_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Prediction:
    """One message's verdict."""

    label: str  # "spam" or "ham"
    spam_probability: float


class ReferenceClient:
    """Scores raw SMS texts with one bundle's .tflite, exactly as the phone should."""

    def __init__(self, bundle_dir: Path, model: str = "tflite_fp32", num_threads: int = 1, verify: bool = True) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.bundle_dir = Path(bundle_dir)
        self.index: dict[str, Any] = verify_bundle(self.bundle_dir) if verify else read_bundle_index(self.bundle_dir)
        if self.index["normalization_version"] != NORMALIZATION_VERSION:
            raise BundleIntegrityError(
                f"bundle needs text contract {self.index['normalization_version']}, this code has {NORMALIZATION_VERSION}"
            )
        if model not in self.index["models"] or not model.startswith("tflite"):
            raise ValueError(f"model {model!r} not in bundle's TFLite files {sorted(self.index['models'])}")
        self.inputs = ModelInputs.from_bundle(self.bundle_dir, self.index)
        self.tokenizer = self.inputs.tokenizer
        self.threshold = float(self.index["threshold"])
        self.labels = {int(key): value for key, value in self.index["labels"].items()}
        self._interpreter = Interpreter(model_path=str(self.bundle_dir / self.index["models"][model]), num_threads=num_threads)
        self._runners = {
            length: self._interpreter.get_signature_runner(signature_name(length))
            for length in self.tokenizer.settings.seq_lengths
        }

    @property
    def version(self) -> str:
        return str(self.index["version"])

    def encode(self, text_model: str) -> dict[str, list]:
        """Every graph input of one text already in model form: WordPiece ids and mask padded to the smallest fitting
        signature, and (format 2) the n-gram ids and mask."""
        ids = self.tokenizer.encode(text_model)
        return {**self.inputs.text_arrays(ids, pick_seq_len(len(ids), list(self._runners))), **self.inputs.ngram_arrays(text_model)}

    def spam_probability_of_inputs(self, inputs: dict[str, list]) -> float:
        """Spam probability of ready graph inputs (as ``encode`` makes them)."""
        import numpy as np

        length = len(inputs["input_ids"][0])
        arrays = {name: np.asarray(values, dtype=np.int32) for name, values in inputs.items()}
        output = self._runners[length](**arrays)
        return float(np.asarray(output[OUTPUT_NAME]).reshape(-1)[0])

    def spam_probability_of_ids(self, ids: Sequence[int], text_model: str | None = None) -> float:
        """Spam probability of already-encoded ids ([CLS] ... [SEP], at most max_seq_len long); a format-2 bundle
        also needs the text (in model form) they came from, for its n-grams."""
        if self.inputs.ngrams is not None and text_model is None:
            raise ValueError("this bundle's graph also takes n-grams: pass the text the ids came from")
        inputs = self.inputs.text_arrays(ids, pick_seq_len(len(ids), list(self._runners)))
        return self.spam_probability_of_inputs({**inputs, **self.inputs.ngram_arrays(text_model or "")})

    def spam_probabilities(self, texts: Sequence[str]) -> list[float]:
        """Spam probability of each raw text (normalised, tokenised, n-grams, smallest fitting signature)."""
        return [self.spam_probability_of_inputs(self.encode(model_text(text))) for text in texts]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label (spam if probability >= the bundle's threshold) and probability of each raw text."""
        spam, ham = self.labels[1], self.labels[0]
        return [
            Prediction(label=spam if probability >= self.threshold else ham, spam_probability=probability)
            for probability in self.spam_probabilities(texts)
        ]

    @classmethod
    def from_manifest_url(
        cls, manifest_url: str, cache_dir: Path | None = None, model: str = "tflite_fp32"
    ) -> ReferenceClient:
        """Download the version a manifest points at (verifying every file), then load it."""
        bundle_dir = download_from_manifest(manifest_url, cache_dir)
        return cls(bundle_dir, model=model)


class DownloadError(RuntimeError):
    """A manifest or bundle file could not be fetched; the message is one line, without the URL's signature."""


def _where(url: str) -> str:
    """The URL without its query string: a presigned URL's signature is a credential and stays out of messages."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _s3_error(body: bytes) -> str:
    """``AccessDenied: Request has expired`` from an S3 XML error body, or "" when it is not one."""
    text = body[:4096].decode("utf-8", "replace")
    found = [re.search(f"<{tag}>([^<]{{1,200}})</{tag}>", text) for tag in ("Code", "Message")]
    return ": ".join(match.group(1).strip() for match in found if match)


def _fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://", "file://")):
        raise ValueError(f"unsupported URL scheme in {url[:40]!r}")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310 (scheme checked)
            return response.read()
    except urllib.error.HTTPError as error:
        detail = _s3_error(error.read() or b"") or error.reason
        hint = (
            " (the URL is unsigned, expired or altered: ask for a fresh one, `spamloop publish url`)"
            if error.code in (401, 403)
            else ""
        )
        raise DownloadError(f"GET {_where(url)} refused: HTTP {error.code} {detail}{hint}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"GET {_where(url)} failed: {reason}") from None


def _safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BundleIntegrityError(f"manifest lists an unsafe path {path!r}")
    return relative


def download_from_manifest(manifest_url: str, cache_dir: Path | None = None) -> Path:
    """Fetch manifest + every listed file into ``cache_dir/<name>/<version>/``; returns that folder.

    Each file is checked (size, sha256) before it is renamed into place; a folder that already holds
    a verified copy is reused.
    """
    return download_bundle(json.loads(_fetch(manifest_url)), cache_dir)


def download_bundle(manifest: dict[str, Any], cache_dir: Path | None = None) -> Path:
    """Fetch every file a manifest (already read, as a dict) lists into ``cache_dir/<name>/<version>/``, checking
    each one's size and sha256 and then bundle.json against them all; returns that folder."""
    # Refuse before downloading anything: a manifest without the field predates format 2.
    bundle_format = manifest.get("bundle_format", BUNDLE_FORMAT_V1)
    if bundle_format not in SUPPORTED_BUNDLE_FORMATS:
        raise BundleIntegrityError(f"manifest points at a {bundle_format!r} bundle; this client reads {SUPPORTED_BUNDLE_FORMATS}")
    cache_root = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "spamloop-bundles"
    target = cache_root / manifest["name"] / manifest["version"]
    try:
        verify_bundle(target)
        return target
    except BundleIntegrityError:
        pass
    target.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        relative = _safe_relative(entry["path"])
        data = _fetch(entry["url"])
        if len(data) != entry["size"]:
            raise BundleIntegrityError(f"{relative}: downloaded {len(data)} bytes, manifest says {entry['size']}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise BundleIntegrityError(f"{relative}: sha256 {digest[:12]}… != manifest {entry['sha256'][:12]}…")
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        with partial.open("wb") as handle:
            for start in range(0, len(data), HASH_CHUNK):
                handle.write(data[start : start + HASH_CHUNK])
        os.replace(partial, path)
    verify_bundle(target)  # bundle.json (itself listed in the manifest) must agree with every file
    return target

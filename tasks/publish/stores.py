"""Object stores that publishing writes to: S3-compatible (boto3) and a local folder, with the same semantics.

Two guarantees both stores give, and publish relies on:

- ``put_immutable``: a key is written once. Writing it again with the same bytes is a no-op (so a rerun
  after a failure continues cleanly); different bytes raise ``ImmutableObjectError``. Every write is
  verified by reading the stored checksum back (S3 SHA256 checksum, else download-and-hash).
- ``put_conditional``: compare-and-swap on a small object (the manifest). ``if_match=None`` means "only
  if absent". Exactly one of two racing writers wins; the other gets ``PreconditionFailedError``.
  S3: ``IfNoneMatch="*"`` / ``IfMatch=<etag>`` on PutObject (SeaweedFS, AWS S3 since 2024 support both;
  ``check_conditional_writes`` refuses a server that ignores them). Folder: an O_EXCL lock file around
  read-compare-write, the write being temp file + ``os.replace``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

from models.ondevice import sha256_file
from spamloop.settings.export import PublishConfig
from spamloop.settings.storage import S3Config


class ObjectStoreError(RuntimeError):
    """A store operation failed (network, auth, verification)."""


class PreconditionFailedError(ObjectStoreError):
    """A conditional write lost: the object changed (or appeared) since it was read."""


class ImmutableObjectError(ObjectStoreError):
    """An immutable key already holds different bytes."""


class ObjectStore(Protocol):
    """What publishing needs from a store."""

    def describe(self) -> str:
        """Where the store points, without credentials."""
        ...

    def put_immutable(self, key: str, path: Path, sha256: str) -> bool:
        """Write once and verify; True if written now, False if the same bytes were already there."""
        ...

    def sha256_of(self, key: str) -> str | None:
        """Verified sha256 of a stored object, None if absent."""
        ...

    def read(self, key: str) -> tuple[bytes, str] | None:
        """(bytes, etag) of an object, None if absent."""
        ...

    def put_conditional(self, key: str, data: bytes, if_match: str | None) -> str:
        """Compare-and-swap write; returns the new etag. Raises PreconditionFailedError."""
        ...

    def url(self, key: str) -> str:
        """URL an app downloads the object from."""
        ...


def _b64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


class FileStore:
    """A folder acting as the published store (``file://``), for users without a cloud account."""

    def __init__(self, root: Path, lock_timeout_s: float = 30.0) -> None:
        self.root = root.resolve()
        self.lock_timeout_s = lock_timeout_s
        self.root.mkdir(parents=True, exist_ok=True)

    def describe(self) -> str:
        return self.root.as_uri()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ObjectStoreError(f"key {key!r} escapes the store root")
        return path

    def put_immutable(self, key: str, path: Path, sha256: str) -> bool:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        shutil.copyfile(path, temp)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(temp, target)  # atomic create-if-absent: never replaces an existing object
            written = True
        except FileExistsError:
            written = False
        finally:
            temp.unlink(missing_ok=True)
        stored = sha256_file(target)
        if stored != sha256:
            if written:
                raise ObjectStoreError(f"{key}: stored sha256 {stored[:12]}… != expected {sha256[:12]}…")
            raise ImmutableObjectError(f"{key} already exists with different content (sha256 {stored[:12]}…)")
        return written

    def sha256_of(self, key: str) -> str | None:
        path = self._path(key)
        return sha256_file(path) if path.is_file() else None

    def read(self, key: str) -> tuple[bytes, str] | None:
        return self._read_path(self._path(key))

    @staticmethod
    def _read_path(path: Path) -> tuple[bytes, str] | None:
        if not path.is_file():
            return None
        data = path.read_bytes()
        return data, hashlib.sha256(data).hexdigest()

    def put_conditional(self, key: str, data: bytes, if_match: str | None) -> str:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = target.with_name(target.name + ".lock")
        deadline = time.monotonic() + self.lock_timeout_s
        while True:
            try:
                descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                break
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise ObjectStoreError(
                        f"lock {lock} held for over {self.lock_timeout_s} s; if no publish is running, delete it"
                    ) from None
                time.sleep(0.02)
        try:
            os.write(descriptor, f"{os.getpid()}\n".encode())
            current = self._read_path(target)
            current_etag = current[1] if current else None
            if current_etag != if_match:
                raise PreconditionFailedError(
                    f"{key} changed since it was read (expected {'absent' if if_match is None else if_match[:12]})"
                )
            temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            with temp.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
            return hashlib.sha256(data).hexdigest()
        finally:
            os.close(descriptor)
            lock.unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return self._path(key).as_uri()


class S3Store:
    """An S3-compatible bucket under a prefix; credentials from S3Config (never logged)."""

    def __init__(self, bucket: str, prefix: str, s3: S3Config, publish: PublishConfig, client: Any | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.s3 = s3
        self.publish = publish
        self.client = client or make_s3_client(s3)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix} at {self.s3.endpoint_url or 'AWS'}"

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _error(self, action: str, key: str, exc: Exception) -> ObjectStoreError:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "?")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "PreconditionFailed" or status == 412:
                return PreconditionFailedError(f"{action} s3://{self.bucket}/{self._key(key)}: precondition failed")
            return ObjectStoreError(f"{action} s3://{self.bucket}/{self._key(key)} failed: {code} (HTTP {status})")
        return ObjectStoreError(f"{action} s3://{self.bucket}/{self._key(key)} failed: {type(exc).__name__}: {exc}")

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key), ChecksumMode="ENABLED")
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise self._error("HEAD", key, exc) from exc
        except Exception as exc:
            raise self._error("HEAD", key, exc) from exc

    def sha256_of(self, key: str) -> str | None:
        head = self._head(key)
        if head is None:
            return None
        checksum = head.get("ChecksumSHA256")
        if checksum and "-" not in checksum:  # a whole-object checksum (not a multipart composite)
            return base64.b64decode(checksum).hex()
        stored = self.read(key)  # no checksum on the server: download and hash
        return hashlib.sha256(stored[0]).hexdigest() if stored else None

    def put_immutable(self, key: str, path: Path, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        written = True
        try:
            with path.open("rb") as body:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self._key(key),
                    Body=body,
                    IfNoneMatch="*",
                    ChecksumAlgorithm="SHA256",
                    ChecksumSHA256=_b64_sha256(sha256),
                )
        except ClientError as exc:
            error = self._error("PUT", key, exc)
            if not isinstance(error, PreconditionFailedError):
                raise error from exc
            written = False  # already there: accept only the very same bytes
        except Exception as exc:
            raise self._error("PUT", key, exc) from exc
        stored = self.sha256_of(key)
        if stored != sha256:
            if written:
                raise ObjectStoreError(f"{key}: stored checksum {str(stored)[:12]}… != expected {sha256[:12]}…")
            raise ImmutableObjectError(f"{key} already exists with different content")
        head = self._head(key)
        if head is None or head["ContentLength"] != path.stat().st_size:
            raise ObjectStoreError(f"{key}: stored size differs from {path.stat().st_size}")
        return written

    def read(self, key: str) -> tuple[bytes, str] | None:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return response["Body"].read(), response["ETag"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._error("GET", key, exc) from exc
        except Exception as exc:
            raise self._error("GET", key, exc) from exc

    def put_conditional(self, key: str, data: bytes, if_match: str | None) -> str:
        condition = {"IfMatch": if_match} if if_match is not None else {"IfNoneMatch": "*"}
        try:
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType="application/json",
                CacheControl="no-cache",
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
                **condition,
            )
        except Exception as exc:
            raise self._error("conditional PUT", key, exc) from exc
        return response["ETag"]

    def url(self, key: str, expires_in_s: int | None = None) -> str:
        """Public URL (url_mode=public), else a GET URL signed for ``expires_in_s`` (default presign_expiry_s)."""
        if self.publish.url_mode == "public":
            if not self.publish.public_base_url:
                raise ObjectStoreError("url_mode=public needs publish.public_base_url")
            return self.publish.public_base_url.rstrip("/") + "/" + self._key(key)
        try:
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=expires_in_s or self.publish.presign_expiry_s,
            )
        except Exception as exc:  # no credentials found: nothing to sign with
            raise self._error("presign GET", key, exc) from exc

    def check_conditional_writes(self) -> None:
        """Refuse a server that silently ignores IfNoneMatch (the manifest could then be overwritten blindly)."""
        probe = f".spamloop-probe/{uuid.uuid4().hex}"
        self.put_conditional(probe, b"1", None)
        try:
            self.put_conditional(probe, b"2", None)
        except PreconditionFailedError:
            return
        finally:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self._key(probe))
            except Exception:  # noqa: BLE001 (a left-over probe object is harmless)
                pass
        raise ObjectStoreError(f"{self.describe()} ignores conditional writes (IfNoneMatch); refusing to publish")


def make_s3_client(s3: S3Config) -> Any:
    """boto3 S3 client with standard retries, timeouts and path-style addressing (S3-compatible servers)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name=s3.region,
        aws_access_key_id=s3.access_key_id.get_secret_value() if s3.access_key_id else None,
        aws_secret_access_key=s3.secret_access_key.get_secret_value() if s3.secret_access_key else None,
        config=Config(
            retries={"mode": "standard", "max_attempts": s3.max_attempts},
            connect_timeout=s3.connect_timeout_s,
            read_timeout=s3.read_timeout_s,
            s3={"addressing_style": "path"} if s3.endpoint_url else {},
            signature_version="s3v4",
        ),
    )


def open_store(publish: PublishConfig, s3: S3Config, state_dir: Path) -> FileStore | S3Store:
    """The store ``publish.target`` names (default: a folder under the state folder)."""
    target = publish.target
    if not target:
        return FileStore(state_dir / "published", publish.lock_timeout_s)
    if target.startswith("file://"):
        return FileStore(Path(target[len("file://") :]), publish.lock_timeout_s)
    if target.startswith("s3://"):
        bucket, _, prefix = target[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"publish target {target!r} has no bucket")
        return S3Store(bucket, prefix, s3, publish)
    raise ValueError(f"publish target must be s3://bucket/prefix or file:///folder, got {target!r}")

"""Finding raw log files in a local folder or under an ``s3://bucket/prefix``, and opening them.

Every source file gets an identity (S3 ETag or local sha256, plus size) so the ledger can skip files
that were already ingested. S3 objects are streamed to a temporary file under ``<state>/tmp`` and then
parsed like a local file (Parquet needs a seekable file).

Nothing outside the source folder is read: a symlink whose target lies outside it (``..`` included) is
not followed but becomes one quarantine entry (``outside_source_root``), a symlinked folder is never
entered, and every local file is opened component by component with ``O_NOFOLLOW`` from the root, so a
symlink swapped in after discovery is refused too. A symlink to a file inside the folder is read (at its
target). Local file names are bytes: a name need not be valid UTF-8. ``SourceFile.uri`` is a printable form (bad
bytes as ``\\xNN``) used in reports, quarantine and the ledger; the exact bytes travel base64-encoded
(``root_b64``/``relative_b64``) and are what is opened.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import fnmatch
import hashlib
import logging
import os
import stat
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from pydantic import BaseModel, Field

from spamloop.config import SpamloopConfig
from spamloop.settings.storage import S3Config
from models.schemas import QuarantineReason
from tasks.ingest.errors import S3AccessError, S3UnavailableError, SourceNotFoundError, SourceRejectedError

logger = logging.getLogger("spamloop.ingest")

FileFormat = Literal["csv", "jsonl", "parquet"]
_SUFFIX_FORMATS: dict[str, FileFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
# A compression suffix after the format's (reports.jsonl.gz); the content is recognised by its magic bytes.
_COMPRESSION_SUFFIXES = frozenset({".gz", ".zst", ".zstd"})
# Error codes with which S3 servers say "these credentials are not accepted here".
_CREDENTIAL_ERROR_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "403"}
)
_MISSING_CODES = frozenset({"NoSuchBucket", "NoSuchKey", "404"})
_T = TypeVar("_T")


class SourceFile(BaseModel):
    """One raw log file and the identity the ledger remembers it by."""

    uri: str = Field(description="Absolute local path (undecodable bytes as \\xNN) or s3://bucket/key.")
    format: FileFormat | None = Field(description="Parser to use, from the file suffix (None for a rejected entry).")
    size: int = Field(description="Size in bytes.")
    identity: str = Field(description="'etag:<etag>' for S3 objects, 'sha256:<hex>' for local files.")
    root_b64: str | None = Field(default=None, description="Local files: the source root's path bytes, base64.")
    relative_b64: str | None = Field(default=None, description="Local files: the file's path bytes under the root, base64.")
    uri_b64: str | None = Field(default=None, description="The local path's exact bytes, base64, when uri had to escape some.")
    rejection: str | None = Field(
        default=None, description="A QuarantineReason when the file must not be read (e.g. outside_source_root); one whole-file entry."
    )
    rejection_detail: str | None = Field(default=None, description="Why, for the quarantine entry.")

    @property
    def is_s3(self) -> bool:
        return self.uri.startswith("s3://")

def to_b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def from_b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def printable_path(raw: bytes) -> str:
    """A path's bytes as text: UTF-8, with any byte that is not valid UTF-8 written ``\\xNN``."""
    return raw.decode("utf-8", errors="backslashreplace")


def _exact_b64(raw: bytes) -> str | None:
    """Base64 of a path's bytes when ``printable_path`` cannot show them losslessly, else None."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return to_b64(raw)
    return None


def file_format(name: str) -> FileFormat | None:
    """The parser for a file name, or None when the suffix is not a supported log format."""
    path = Path(name)
    if path.suffix.lower() in _COMPRESSION_SUFFIXES:
        path = path.with_suffix("")
    return _SUFFIX_FORMATS.get(path.suffix.lower())


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ("bucket", "some/prefix")."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"s3 URI without a bucket: {uri!r}")
    return bucket, key


def make_s3_client(s3: S3Config) -> Any:
    """A boto3 S3 client for the configured endpoint: explicit timeouts, botocore 'standard' retries."""
    import boto3
    from botocore.config import Config as BotoConfig

    kwargs: dict[str, Any] = {
        "region_name": s3.region,
        "config": BotoConfig(
            connect_timeout=s3.connect_timeout_s,
            read_timeout=s3.read_timeout_s,
            retries={"mode": "standard", "max_attempts": s3.max_attempts},
            # Path-style addressing works with every S3-compatible server (SeaweedFS, MinIO) and AWS.
            s3={"addressing_style": "path"},
        ),
    }
    if s3.endpoint_url:
        kwargs["endpoint_url"] = s3.endpoint_url
    if s3.access_key_id is not None:
        kwargs["aws_access_key_id"] = s3.access_key_id.get_secret_value()
    if s3.secret_access_key is not None:
        kwargs["aws_secret_access_key"] = s3.secret_access_key.get_secret_value()
    return boto3.session.Session().client("s3", **kwargs)


def _endpoint_name(s3: S3Config) -> str:
    return s3.endpoint_url or f"AWS S3 ({s3.region})"


def call_s3(s3: S3Config, what: str, fn: Callable[[], _T]) -> _T:
    """Run one S3 call, turning botocore's errors into short spamloop errors (never showing a secret).

    ``raise ... from None`` on purpose: the botocore traceback adds nothing an operator can act on.
    """
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    endpoint = _endpoint_name(s3)
    try:
        return fn()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code in _CREDENTIAL_ERROR_CODES or status == "403":
            raise S3AccessError(
                f"S3 endpoint {endpoint} rejected the credentials while trying to {what} "
                f"({code or status}); check SPAMLOOP_S3__ACCESS_KEY_ID / SPAMLOOP_S3__SECRET_ACCESS_KEY"
            ) from None
        if code in _MISSING_CODES or status == "404":
            raise SourceNotFoundError(f"S3 endpoint {endpoint}: not found while trying to {what} ({code})") from None
        raise S3UnavailableError(f"S3 endpoint {endpoint} failed to {what}: {code or status}") from None
    except NoCredentialsError:
        raise S3AccessError(f"no S3 credentials configured for endpoint {endpoint} (needed to {what})") from None
    except BotoCoreError as exc:
        # Connection refused, timeouts, ... after botocore's own retries.
        raise S3UnavailableError(f"S3 endpoint {endpoint} unavailable while trying to {what}: {type(exc).__name__}") from None


def _sha256_handle(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _local_source(root: bytes, relative: bytes, fmt: FileFormat | None, uri_path: bytes | None = None) -> SourceFile:
    """A local file's entry; ``uri_path`` names it when it was found under another path (a symlink)."""
    named = uri_path or os.path.join(root, relative)
    try:
        with open_local(root, relative) as handle:
            size = os.fstat(handle.fileno()).st_size
            identity = f"sha256:{_sha256_handle(handle)}"
    except SourceRejectedError as rejected:
        return _rejected(root, relative, rejected.reason, rejected.detail, fmt)
    return SourceFile(
        uri=printable_path(named), uri_b64=_exact_b64(named), format=fmt, size=size, identity=identity,
        root_b64=to_b64(root), relative_b64=to_b64(relative),
    )


def _rejected(root: bytes, relative: bytes, reason: str, detail: str, fmt: FileFormat | None = None) -> SourceFile:
    """An entry that is never read: one whole-file quarantine row. Its identity is the link target or the
    path (not the content), so the ledger skips it until that changes."""
    path = os.path.join(root, relative)
    target = os.readlink(path) if os.path.islink(path) else path
    return SourceFile(
        uri=printable_path(path), uri_b64=_exact_b64(path), format=fmt, size=0,
        identity=f"rejected:{hashlib.sha256(target).hexdigest()[:16]}",
        root_b64=to_b64(root), relative_b64=to_b64(relative), rejection=reason, rejection_detail=detail,
    )


def _inside(path: bytes, root: bytes) -> bool:
    return path == root or path.startswith(root.rstrip(b"/") + b"/")


def discover_local(folder: Path, patterns: list[str]) -> list[SourceFile]:
    """Log files under a local folder (recursively, in path order), or the one file if ``folder`` is a file.

    Names are handled as bytes throughout (``os.walk`` on a bytes path), so no file name can break a run.
    Symlinks out of the folder, and files that are not regular files, come back as rejected entries.
    """
    if not folder.exists():
        raise SourceNotFoundError(f"ingest source folder does not exist: {folder}")
    root = os.fsencode(folder.resolve())
    if not os.path.isdir(root):
        parent, name = os.path.split(root)
        fmt = file_format(printable_path(name))
        return [_local_source(parent, name, fmt)] if fmt is not None and _matches(printable_path(name), patterns) else []
    found: list[SourceFile] = []
    for relative, is_folder in sorted(_walk(root)):
        path = os.path.join(root, relative)
        name = printable_path(os.path.basename(relative))
        fmt = file_format(name)
        wanted = fmt is not None and _matches(name, patterns)
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            target = os.path.realpath(path)
            if not _inside(target, root):
                if wanted or is_folder:
                    kind = "folder" if is_folder else "file"
                    detail = f"symlinked {kind} points outside the source folder, to {printable_path(target)}: not read"
                    found.append(_rejected(root, relative, QuarantineReason.OUTSIDE_SOURCE_ROOT, detail, fmt))
                continue
            if is_folder or not wanted:
                continue  # a folder inside the root is walked at its real place
            if not os.path.exists(target):
                found.append(_rejected(root, relative, QuarantineReason.UNREADABLE_FILE, "dangling symlink", fmt))
                continue
            found.append(_local_source(root, os.path.relpath(target, root), fmt, uri_path=path))
        elif wanted and stat.S_ISREG(mode):
            found.append(_local_source(root, relative, fmt))
        elif wanted:
            found.append(_rejected(root, relative, QuarantineReason.UNREADABLE_FILE, "not a regular file", fmt))
    return found


def _walk(root: bytes) -> Iterator[tuple[bytes, bool]]:
    """(path relative to ``root``, is a symlinked folder) of every file and every symlinked folder under it.

    ``os.walk`` without ``followlinks`` lists a symlinked folder but never enters it.
    """
    for folder, folders, names in os.walk(root):
        for name in folders:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                yield os.path.relpath(path, root), True
        for name in names:
            yield os.path.relpath(os.path.join(folder, name), root), False


@contextmanager
def open_local(root: bytes, relative: bytes) -> Iterator[IO[bytes]]:
    """Open ``root/relative`` for reading without following any symlink below ``root``.

    Each folder is opened with ``O_NOFOLLOW`` relative to the one before, and so is the file: a path that
    contains a symlink (even one swapped in after discovery) or ``..`` is refused with SourceRejectedError,
    as is anything but a regular file (a FIFO would block the run).
    """
    parts = relative.split(b"/")
    if os.path.isabs(relative) or any(part in (b"", b".", b"..") for part in parts):
        raise SourceRejectedError(QuarantineReason.OUTSIDE_SOURCE_ROOT, "path leaves the source folder: not read")
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
    folder_fd = os.open(root, os.O_RDONLY | os.O_CLOEXEC | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            next_fd = os.open(part, flags | os.O_DIRECTORY, dir_fd=folder_fd)
            os.close(folder_fd)
            folder_fd = next_fd
        file_fd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise SourceRejectedError(
                QuarantineReason.OUTSIDE_SOURCE_ROOT, "a symlink appeared in the path after discovery: not read"
            ) from None
        raise
    finally:
        os.close(folder_fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        raise SourceRejectedError(QuarantineReason.UNREADABLE_FILE, "not a regular file")
    fcntl.fcntl(file_fd, fcntl.F_SETFL, fcntl.fcntl(file_fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    with os.fdopen(file_fd, "rb") as handle:
        yield handle


def discover_s3(source: str, s3: S3Config, patterns: list[str], client: Any | None = None) -> list[SourceFile]:
    """Log objects under ``s3://bucket/prefix``, sorted by key."""
    bucket, prefix = split_s3_uri(source)
    client = client or make_s3_client(s3)

    def list_all() -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            objects.extend(page.get("Contents", []))
        return objects

    objects = call_s3(s3, f"list s3://{bucket}/{prefix}", list_all)
    found: list[SourceFile] = []
    for obj in sorted(objects, key=lambda o: o["Key"]):
        key: str = obj["Key"]
        name = key.rsplit("/", 1)[-1]
        fmt = file_format(name)
        if fmt is None or not _matches(name, patterns):
            continue
        etag = str(obj.get("ETag", "")).strip('"')
        found.append(SourceFile(uri=f"s3://{bucket}/{key}", format=fmt, size=int(obj["Size"]), identity=f"etag:{etag}"))
    return found


def discover_sources(config: SpamloopConfig) -> list[SourceFile]:
    """Every log file under ``config.ingest.source`` matching ``config.ingest.file_patterns``."""
    source = config.ingest.source
    if source.startswith("s3://"):
        return discover_s3(source, config.s3, config.ingest.file_patterns)
    return discover_local(Path(source), config.ingest.file_patterns)


@contextmanager
def open_source(source: SourceFile, config: SpamloopConfig, client: Any | None = None) -> Iterator[IO[bytes]]:
    """The file's bytes as a seekable binary handle; S3 objects are streamed to ``<state>/tmp`` first (removed after)."""
    if not source.is_s3:
        assert source.root_b64 is not None and source.relative_b64 is not None, "a local SourceFile carries its path bytes"
        with open_local(from_b64(source.root_b64), from_b64(source.relative_b64)) as handle:
            yield handle
        return
    with _downloaded(source, config, client) as path, path.open("rb") as handle:
        yield handle


@contextmanager
def _downloaded(source: SourceFile, config: SpamloopConfig, client: Any | None = None) -> Iterator[Path]:
    bucket, key = split_s3_uri(source.uri)
    tmp_dir = config.paths.tmp
    tmp_dir.mkdir(parents=True, exist_ok=True)
    target = tmp_dir / f"download-{uuid.uuid4().hex}{Path(key).suffix}"
    client = client or make_s3_client(config.s3)
    try:
        # download_fileobj streams in chunks: memory stays bounded whatever the object size.
        with target.open("wb") as handle:
            call_s3(config.s3, f"download {source.uri}", lambda: client.download_fileobj(bucket, key, handle))
        yield target
    finally:
        if target.exists():
            os.unlink(target)

"""Exact deduplication of reports against everything seen before, with compact in-memory state.

Known messages are a sorted numpy ``uint64`` array: a message id is 16 hex chars, i.e. exactly 8 bytes,
so the integer *is* the id (8 bytes a message instead of a Python string object). Known reports map
a 64-bit hash of the report id to the message it reported, as two aligned sorted arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
DUPLICATE_REPORT = "duplicate_report"
CONFLICT = "report_id_conflict"

_EMPTY = np.empty(0, dtype=np.uint64)


def message_keys(message_ids: pl.Series) -> np.ndarray:
    """uint64 keys of 16-hex-char message ids."""
    return message_ids.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64).to_numpy()


def report_keys(report_ids: pl.Series) -> np.ndarray:
    """64-bit hashes of report ids (stable within a process; rebuilt from the corpus every run)."""
    return report_ids.hash(seed=0).to_numpy()


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found mask, position) of ``keys`` in a sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=bool), np.zeros(keys.shape, dtype=np.int64)
    position = np.searchsorted(sorted_keys, keys)
    position = np.minimum(position, sorted_keys.size - 1)
    return sorted_keys[position] == keys, position


@dataclass(frozen=True)
class KnownIds:
    """Messages and reports seen in earlier runs and earlier batches of this run. Immutable: adding
    returns a new object, so a failed file can be rolled back by keeping the old one."""

    messages: np.ndarray = field(default_factory=lambda: _EMPTY)
    report_hashes: np.ndarray = field(default_factory=lambda: _EMPTY)
    report_messages: np.ndarray = field(default_factory=lambda: _EMPTY)

    @classmethod
    def from_frames(cls, message_ids: pl.Series, reports: pl.DataFrame) -> KnownIds:
        """From message ids and a (report_id, message_id) frame of earlier runs."""
        has_reports = reports.height > 0
        return cls.from_arrays(
            [message_keys(message_ids)] if message_ids.len() else [],
            [report_keys(reports["report_id"])] if has_reports else [],
            [message_keys(reports["message_id"])] if has_reports else [],
        )

    @classmethod
    def from_arrays(
        cls, message_chunks: list[np.ndarray], report_hash_chunks: list[np.ndarray], report_owner_chunks: list[np.ndarray]
    ) -> KnownIds:
        """From per-part key arrays (message keys; report hashes with their message keys)."""
        messages = np.unique(np.concatenate(message_chunks)) if message_chunks else _EMPTY
        if not report_hash_chunks:
            return cls(messages=messages)
        hashes = np.concatenate(report_hash_chunks)
        owners = np.concatenate(report_owner_chunks)
        order = np.argsort(hashes, kind="stable")
        return cls(messages=messages, report_hashes=hashes[order], report_messages=owners[order])

    @property
    def message_count(self) -> int:
        return int(self.messages.size)

    def has_messages(self, keys: np.ndarray) -> np.ndarray:
        return _lookup(self.messages, keys)[0]

    def with_new(self, new_messages: np.ndarray, new_report_hashes: np.ndarray, new_report_messages: np.ndarray) -> KnownIds:
        messages = np.union1d(self.messages, new_messages) if new_messages.size else self.messages
        if new_report_hashes.size == 0:
            return KnownIds(messages, self.report_hashes, self.report_messages)
        hashes = np.concatenate([self.report_hashes, new_report_hashes])
        owners = np.concatenate([self.report_messages, new_report_messages])
        order = np.argsort(hashes, kind="stable")
        return KnownIds(messages, hashes[order], owners[order])


def classify_reports(message_ids: pl.Series, report_ids: pl.Series, known: KnownIds) -> tuple[pl.Series, KnownIds]:
    """A status per valid report, in batch order, and the known ids including this batch.

    - accepted: first report of a message not seen before (in this run or earlier runs);
    - duplicate: a new report of an already known message;
    - duplicate_report: the same report id with the same text, delivered again;
    - report_id_conflict: a report id seen before with a different text (quarantined by the caller).
    """
    n = message_ids.len()
    if n == 0:
        return pl.Series("status", [], dtype=pl.String), known
    msg = message_keys(message_ids)
    rep = report_keys(report_ids)

    found, position = _lookup(known.report_hashes, rep)
    earlier_owner = known.report_messages[position] if known.report_hashes.size else np.zeros(n, dtype=np.uint64)
    # Within the batch, the first row of a report id decides what the later rows with that id are.
    in_batch = pl.DataFrame({"rep": rep, "msg": msg}).select(
        pl.col("rep").is_first_distinct().alias("first"),
        pl.col("msg").first().over("rep").alias("first_msg"),
    )
    first = in_batch["first"].to_numpy()
    first_msg = in_batch["first_msg"].to_numpy()
    owner = np.where(found, earlier_owner, first_msg)
    is_new_report = ~found & first
    same_text = owner == msg
    conflict = ~is_new_report & ~same_text
    duplicate_report = ~is_new_report & same_text

    candidates = is_new_report & ~known.has_messages(msg)
    accepted = np.zeros(n, dtype=bool)
    candidate_index = np.flatnonzero(candidates)
    if candidate_index.size:
        _, first_of_each = np.unique(msg[candidate_index], return_index=True)
        accepted[candidate_index[first_of_each]] = True

    status = np.full(n, DUPLICATE, dtype=object)
    status[accepted] = ACCEPTED
    status[duplicate_report] = DUPLICATE_REPORT
    status[conflict] = CONFLICT
    updated = known.with_new(msg[accepted], rep[is_new_report], msg[is_new_report])
    return pl.Series("status", status, dtype=pl.String), updated


_HEX_ASCII = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_NIBBLE_SHIFTS = np.arange(60, -1, -4, dtype=np.uint64)


def message_ids_from_keys(keys: np.ndarray) -> pl.Series:
    """Inverse of ``message_keys``: uint64 keys -> 16-char lower-case hex message ids (vectorised)."""
    nibbles = (keys.astype(np.uint64)[:, None] >> _NIBBLE_SHIFTS) & np.uint64(15)
    ascii_rows = np.ascontiguousarray(_HEX_ASCII[nibbles])  # (n, 16) ASCII codes, never NUL
    return pl.Series("message_id", ascii_rows.view("S16").ravel()).cast(pl.String)


class TextCache:
    """Raw-text hash -> message key of texts already normalised in this run, so a duplicate report skips
    the normaliser. Bounded: it stops growing at ``max_entries`` (16 bytes an entry)."""

    def __init__(self, max_entries: int = 4_000_000) -> None:
        self.max_entries = max_entries
        self.text_hashes = _EMPTY
        self.messages = _EMPTY

    def checkpoint(self) -> tuple[np.ndarray, np.ndarray]:
        return self.text_hashes, self.messages

    def restore(self, checkpoint: tuple[np.ndarray, np.ndarray]) -> None:
        self.text_hashes, self.messages = checkpoint

    def lookup(self, text_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, message key where found)."""
        found, position = _lookup(self.text_hashes, text_hashes)
        keys = self.messages[position] if self.messages.size else np.zeros(text_hashes.shape, dtype=np.uint64)
        return found, keys

    def add(self, text_hashes: np.ndarray, message_keys_: np.ndarray) -> None:
        room = self.max_entries - self.text_hashes.size
        if room <= 0 or text_hashes.size == 0:
            return
        unique_hashes, first = np.unique(text_hashes[:room], return_index=True)
        new = ~_lookup(self.text_hashes, unique_hashes)[0]
        hashes = np.concatenate([self.text_hashes, unique_hashes[new]])
        owners = np.concatenate([self.messages, message_keys_[:room][first][new]])
        order = np.argsort(hashes, kind="stable")
        self.text_hashes, self.messages = hashes[order], owners[order]

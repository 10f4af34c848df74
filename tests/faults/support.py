"""Small helpers shared by the fault tests: dead ports, leak scans, label-store state, fault bookkeeping."""

from __future__ import annotations

import os
import socket
import sqlite3
import struct
import threading
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import polars as pl

from tests.conftest import REPO_ROOT
from tests.support.llm_server import LLMServer

# A tiny real training: 200 seed rows, checkpoints every epoch, patience high so no early stop cuts a run short.
TRAINING_ROWS = {("en", "spam"): 45, ("en", "ham"): 55, ("ko", "ham"): 55, ("ko", "spam"): 45}
TRAIN_SETTINGS: dict[str, object] = dict(
    preset="tiny", vocab_size=400, max_seq_len=32, epochs=2, batch_size=16, dev_fraction=0.25, num_threads=1,
    log_model=False, misclassified_examples=0, target_ham_fpr=0.1, early_stopping_patience=10,
)


def training_frame() -> pl.DataFrame:
    """TRAINING_ROWS seed rows per (lang, label), chosen by message id (deterministic)."""
    from models.seed import load_seed_labels

    seed = load_seed_labels(REPO_ROOT / "data" / "seed")
    parts = [
        seed.filter((pl.col("lang") == lang) & (pl.col("label") == label)).sort("message_id").head(rows)
        for (lang, label), rows in TRAINING_ROWS.items()
    ]
    return pl.concat(parts)


def closed_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def files_under(*roots: Path) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found += [Path(folder, name) for folder, _, names in os.walk(root) for name in names]
    return found


def scan_for(needles: Iterable[str], roots: Iterable[Path], texts: Iterable[str] = ()) -> list[str]:
    """Where any needle occurs: 'path: needle' for files (raw bytes, UTF-8), 'text#i: needle' for texts.

    Files are read whole as bytes, so SQLite pages, Parquet and pickles are searched too; each needle is also
    searched as UTF-16-LE (Windows-style logs) to not miss it by encoding.
    """
    wanted = [n for n in dict.fromkeys(needles) if n]
    hits: list[str] = []
    for path in files_under(*roots):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle in wanted:
            if needle.encode("utf-8") in data or needle.encode("utf-16-le") in data:
                hits.append(f"{path}: {needle[:24]}")
    for index, text in enumerate(texts):
        for needle in wanted:
            if needle in text:
                hits.append(f"text#{index}: {needle[:24]}")
    return hits


def pending_faults(server: LLMServer) -> int:
    with server.state.lock:
        return sum(len(queue) for queue in server.state.faults.values())


def labels_db(state_dir: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(state_dir / "labels" / "labels.sqlite"))


def vote_pairs(state_dir: Path) -> set[tuple[str, str]]:
    """(message_id, provider) pairs with a cached vote."""
    with labels_db(state_dir) as conn:
        return set(conn.execute("SELECT message_id, provider FROM llm_votes"))


def label_outcomes(state_dir: Path) -> dict[str, str]:
    """message_id -> 'decided' | 'review' for every message the ensemble table or open review queue holds."""
    with labels_db(state_dir) as conn:
        outcomes = {
            mid: "review" if needs_review else "decided"
            for mid, needs_review in conn.execute("SELECT message_id, needs_review FROM ensemble_labels")
        }
        for (mid,) in conn.execute("SELECT message_id FROM review_queue"):
            outcomes[mid] = "review"
    return outcomes


class CuttableProxy:
    """A TCP forwarder to a real server that can be cut like a failing network link.

    ``cut_on`` (bytes): the first request containing it, and everything after, finds the link dead: open
    connections are reset and the port stops listening (connection refused), as when a host goes away.
    """

    def __init__(self, upstream_host: str, upstream_port: int, cut_on: bytes | None = None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.cut_on = cut_on
        self.cut_done = threading.Event()
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="cuttable-proxy", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.cut_done.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self.cut_done.is_set():
                    client.close()
                    upstream.close()
                    return
                self.connections += 1
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_client and self.cut_on is not None and self.cut_on in data:
                    self.cut()
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self._lock:
            self.cut_done.set()
            sockets, self._sockets = self._sockets, []
        self._listener.close()
        for sock in sockets:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
                sock.close()
            except OSError:
                pass

    def close(self) -> None:
        self.cut()

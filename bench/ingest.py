"""Ingest throughput and memory benchmark.

    python -m bench.ingest --rows 1000000
    python -m bench.ingest --rows 100000,1000000     # each size in its own process: independent peaks
    python -m bench.ingest --long-line-mb 200        # one 200 MB JSONL line: quarantined, memory stays flat

Generates N report rows from templates (heavy duplication and campaign variants, like real spam reports,
plus ~0.5% bad rows) as JSONL and CSV files in a temporary folder, runs ``run_ingest`` on them in a fresh
subprocess, and prints rows, seconds, rows/s and peak RSS (absolute and above the pre-run baseline).
Goal: >= 1M rows a minute on 2 cores, with peak memory about flat from 100k to 1M rows.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROWS_PER_FILE = 250_000

_SPAM_TEMPLATES = [
    "[Web발신] 무료거부 080{d4}{d4} 카지노 첫충 {p}% 매일 지급 {url}",
    "(광고) {name}님 대출 한도 {m}만원 승인 대기중 상담 {phone} {url}",
    "[국외발신] 고객님 택배가 주소불명으로 보관중입니다 확인 {url}",
    "[리딩방] 이번주 급등주 {p}% 수익 보장 무료 입장 {url} 코드 {d4}",
    "엄마 나 폰 고장나서 임시폰이야 이 번호로 문자줘 {phone}",
    "[국민카드] {m},000원 해외승인 본인 아니면 신고 {phone}",
    "Your package {d4}{d4} is on hold. Pay the fee at {url}",
    "토토 신규가입 {p}만 포인트 즉시지급 vip{d4} {url}",
]
_HAM_TEMPLATES = [
    "[Web발신] 인증번호 [{d4}{d2}]를 입력해주세요",
    "{name}님 {m}시 회의 장소가 {room}호로 변경되었습니다",
    "[쿠팡] 주문하신 상품이 {d2}일 도착 예정입니다",
    "오늘 저녁 {m}시에 {room}앞에서 봐 {name}",
    "[병원] {name}님 {d2}일 {m}시 진료 예약 안내드립니다",
]
_NAMES = ["김민수", "이지은", "박서준", "최유리", "정하늘", "강다은", "윤도현", "한소희"]
_HOSTS = ["bit.ly", "han.gl", "me2.do", "casino-king.top", "dhl-fee.top", "coupang-event.xyz", "vt.tiktok.com"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        d4=f"{rng.randrange(10_000):04d}",
        d2=f"{rng.randrange(100):02d}",
        p=rng.randrange(5, 95),
        m=rng.randrange(1, 999),
        name=rng.choice(_NAMES),
        room=rng.randrange(100, 999),
        phone=f"010-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}",
        url=f"http://{rng.choice(_HOSTS)}/{rng.randrange(36**5):x}",
    )


def _message_pool(size: int, rng: random.Random) -> list[str]:
    """Distinct-ish texts: campaign variants of a few templates plus word-salad ham."""
    words = "안녕 내일 오늘 회의 점심 저녁 같이 먹자 늦을것같아 도착 했어 고마워 알겠어 확인 부탁해 주말 영화 커피 집 회사 학교".split()
    pool = []
    for i in range(size):
        roll = rng.random()
        if roll < 0.6:
            pool.append(_fill(rng.choice(_SPAM_TEMPLATES), rng))
        elif roll < 0.85:
            pool.append(_fill(rng.choice(_HAM_TEMPLATES), rng))
        else:  # personal ham: mostly unique texts, each its own template
            pool.append(" ".join(rng.choice(words) for _ in range(rng.randrange(4, 12))) + f" {i % 97}")
    return pool


_BAD_JSONL = [
    b'{"report_id": "bad-json", "received_at": "2026-11-20T09:00:00+09:00", "text": "unterminated',
    b'{"report_id": "bad-ts", "received_at": "yesterday", "text": "x"}',
    b'{"report_id": "bad-type", "received_at": "2026-11-20T09:00:00+09:00", "text": 12345}',
    b'{"report_id": "bad-utf8", "received_at": "2026-11-20T09:00:00+09:00", "text": "\xff\xfe"}',
    b'{"received_at": "2026-11-20T09:00:00+09:00", "text": "no report id"}',
]
_BAD_CSV = [
    "bad-fields,2026-11-20T09:00:00+09:00,too,many,fields,here,extra,more\n",
    "bad-verdict,2026-11-20T09:00:00+09:00,some text,maybe,4.12.0,ko-KR\n",
    "bad-tz,2026-11-20T09:00:00,some text,spam,4.12.0,ko-KR\n",
]


def generate_logs(rows: int, folder: Path, seed: int = 13) -> dict[str, int]:
    """Write ``rows`` report rows as JSONL and CSV files (alternating) into ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pool = _message_pool(max(1_000, rows // 8), rng)
    # Skewed popularity: a few campaigns get most of the reports, as in real spam reporting.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(pool))]
    picks = rng.choices(range(len(pool)), weights=weights, k=rows)
    verdicts = ["spam", "spam", "ham", ""]
    written = 0
    file_no = 0
    bad = 0
    while written < rows:
        count = min(ROWS_PER_FILE, rows - written)
        is_csv = file_no % 2 == 1
        path = folder / f"reports-{file_no:04d}.{'csv' if is_csv else 'jsonl'}"
        lines: list[bytes] = []
        if is_csv:
            lines.append(b"report_id,received_at,text,user_verdict,app_version,locale\n")
        for k in range(count):
            index = written + k
            if index % 200 == 199:  # 0.5% bad rows
                bad += 1
                lines.append(_BAD_CSV[index % len(_BAD_CSV)].encode() if is_csv else _BAD_JSONL[index % len(_BAD_JSONL)] + b"\n")
                continue
            text = pool[picks[index]]
            ts = f"2026-11-{16 + index % 7:02d}T{index % 24:02d}:{index % 60:02d}:{(index // 60) % 60:02d}+09:00"
            verdict = verdicts[index % 4]
            if is_csv:
                lines.append(f'r{index:09d},{ts},"{text}",{verdict},4.12.0,ko-KR\n'.encode())
            else:
                lines.append(
                    json.dumps(
                        {"report_id": f"r{index:09d}", "received_at": ts, "text": text, "user_verdict": verdict, "app_version": "4.12.0", "locale": "ko-KR"},
                        ensure_ascii=False,
                    ).encode()
                    + b"\n"
                )
        path.write_bytes(b"".join(lines))
        written += count
        file_no += 1
    return {"rows": rows, "files": file_no, "bad_rows": bad, "distinct_texts": len(set(pool))}


def write_long_line_log(path: Path, megabytes: int) -> int:
    """A JSONL file: a good report, one report whose line is ``megabytes`` MB, another good one. Written in
    1 MiB chunks (the generator never holds the line). Returns the long line's size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    good = '{{"report_id": "{}", "received_at": "2026-11-20T09:00:00+09:00", "text": "{}"}}\n'
    head = b'{"report_id": "long-1", "received_at": "2026-11-20T09:00:00+09:00", "text": "'
    chunk = ("광고 " * (1 << 18)).encode("utf-8")[: 1 << 20]
    chunk = chunk[: len(chunk) - len(chunk) % 7]  # whole characters ("광고 " is 7 bytes)
    size = 0
    with path.open("wb") as handle:
        handle.write(good.format("long-0", "앞 줄은 정상입니다").encode("utf-8"))
        handle.write(head)
        size = len(head)
        while size < megabytes * 1_000_000:
            handle.write(chunk)
            size += len(chunk)
        handle.write(b'"}\n')
        handle.write(good.format("long-2", "뒤 줄도 정상입니다").encode("utf-8"))
    return size + 3


def _rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


class PeakRss:
    """Samples VmRSS every 20 ms in a background thread."""

    def __init__(self) -> None:
        self.peak_kib = _rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_kib = max(self.peak_kib, _rss_kib())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, _rss_kib())


def run_child(log_dir: Path, state_dir: Path, batch_rows: int | None, profile: Path | None) -> dict[str, float | int]:
    """Ingest ``log_dir`` in this process and return the figures (called in a fresh subprocess)."""
    from spamloop.config import load_config
    from tasks.ingest.pipeline import run_ingest

    ingest: dict[str, object] = {"source": str(log_dir)}
    if batch_rows:
        ingest["batch_rows"] = batch_rows
    config = load_config(state_dir=state_dir, ingest=ingest)
    import models.normalization  # noqa: F401  (imports are part of the baseline, not of the run)
    import tasks.ingest.pipeline  # noqa: F401

    baseline = _rss_kib()
    started = time.perf_counter()
    with PeakRss() as rss:
        if profile is not None:
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(run_ingest, config)
            profiler.dump_stats(profile)
        else:
            result = run_ingest(config)
    seconds = time.perf_counter() - started
    return {
        "read": result.read,
        "accepted": result.accepted,
        "duplicate": result.duplicate,
        "quarantined": result.quarantined,
        "new_campaigns": result.new_campaigns,
        "seconds": seconds,
        "rows_per_s": result.read / seconds if seconds else 0.0,
        "baseline_mib": baseline / 1024,
        "peak_mib": rss.peak_kib / 1024,
        "peak_above_baseline_mib": (rss.peak_kib - baseline) / 1024,
        # The kernel's RSS high-water mark of this process (imports included): nothing between two samples is
        # missed. VmHWM, not getrusage's ru_maxrss: that one keeps the parent's peak across fork + exec.
        "max_rss_mib": _rss_kib("VmHWM") / 1024,
        "reasons": result.reasons,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000", help="row counts, comma-separated (each in its own process)")
    parser.add_argument("--batch-rows", type=int, default=None, help="override ingest.batch_rows")
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats of the ingest to this path")
    parser.add_argument("--keep", action="store_true", help="keep the generated logs and state folder")
    parser.add_argument("--long-line-mb", type=int, default=None, help="instead: one JSONL line of this many MB")
    parser.add_argument("--child", nargs=2, metavar=("LOG_DIR", "STATE_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        figures = run_child(Path(args.child[0]), Path(args.child[1]), args.batch_rows, args.profile)
        print(json.dumps(figures))
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console(width=180)
    if args.long_line_mb:
        return _long_line(args.long_line_mb, console, keep=args.keep)
    table = Table(title="ingest benchmark (run_ingest, fresh process per size)")
    for column in ("rows", "files", "gen s", "ingest s", "rows/s", "rows/min", "accepted", "duplicate", "quarantined", "peak RSS MiB", "peak-baseline MiB"):
        table.add_column(column, justify="right")
    for rows in (int(value) for value in args.rows.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"bench-ingest-{rows}-"))
        try:
            started = time.perf_counter()
            info = generate_logs(rows, work / "logs")
            generated_s = time.perf_counter() - started
            command = [sys.executable, "-m", "bench.ingest", "--child", str(work / "logs"), str(work / "state")]
            if args.batch_rows:
                command += ["--batch-rows", str(args.batch_rows)]
            if args.profile:
                command += ["--profile", str(args.profile)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                console.print(done.stderr[-4000:])
                return done.returncode
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            table.add_row(
                f"{rows:,}",
                str(info["files"]),
                f"{generated_s:.1f}",
                f"{figures['seconds']:.1f}",
                f"{figures['rows_per_s']:,.0f}",
                f"{figures['rows_per_s'] * 60:,.0f}",
                f"{figures['accepted']:,}",
                f"{figures['duplicate']:,}",
                f"{figures['quarantined']:,}",
                f"{figures['peak_mib']:.0f}",
                f"{figures['peak_above_baseline_mib']:.0f}",
            )
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    console.print(table)
    return 0


def run_long_line(megabytes: int, work: Path) -> dict[str, object]:
    """Ingest a log with one ``megabytes`` MB line in a fresh process; its figures (max_rss_mib: the peak)."""
    line_bytes = write_long_line_log(work / "logs" / "long.jsonl", megabytes)
    command = [sys.executable, "-m", "bench.ingest", "--child", str(work / "logs"), str(work / "state")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return {"line_bytes": line_bytes, **json.loads(done.stdout.strip().splitlines()[-1])}


def _long_line(megabytes: int, console: Any, keep: bool) -> int:
    from rich.table import Table

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-long-line-"))
    try:
        figures = run_long_line(megabytes, work)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    table = Table(title="one long JSONL line (run_ingest, fresh process)")
    for column in ("line MB", "read", "accepted", "quarantined", "reasons", "ingest s", "peak RSS MiB", "max RSS MiB", "baseline MiB"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{figures['line_bytes'] / 1e6:.0f}", str(figures["read"]), str(figures["accepted"]), str(figures["quarantined"]),
        ", ".join(f"{k} {v}" for k, v in figures["reasons"].items()), f"{figures['seconds']:.1f}",
        f"{figures['peak_mib']:.0f}", f"{figures['max_rss_mib']:.0f}", f"{figures['baseline_mib']:.0f}",
    )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

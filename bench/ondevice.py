"""On-device bench: size, LiteRT latency (1 thread, batch 1, seq 64) and parity of every exported file.

    .venv/bin/python bench/ondevice.py --bundle .spamloop/exports/<version>
    .venv/bin/python bench/ondevice.py --build-tiny [--set key=value ...]   # the default model, briefly trained

``--build-tiny`` builds the train stage's default model (``tasks.train.pipeline.build_encoder`` with
``TrainConfig`` and any ``--set`` overrides: the wide & deep tiny preset, its vocabulary learnt on the shared SMS
data), trains it a few dozen steps (so parity is measured on a model whose probabilities are spread out, not all
near 0.5), exports it with the default export settings, then measures. Goals (issue 22): int8 <= 1 MB and
p50 <= 1 ms; the int8 row also shows the bytes of the embedding tables.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from models.ondevice import read_bundle_index  # noqa: E402

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "seed"  # bundled copies of the shared corpora
GOAL_INT8_BYTES = 1_000_000
GOAL_P50_MS = 1.0


def _rows(limit_per_file: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in ("uci_sms_spam.tsv", "ko_chatbot_ham.tsv"):
        lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()[1 : limit_per_file + 1]
        rows += [tuple(line.split("\t", 1)) for line in lines if "\t" in line]  # type: ignore[misc]
    return rows


def build_tiny_bundle(workdir: Path, overrides: list[str], steps: int, eval_count: int) -> Path:
    """Train the default model (with ``overrides``) briefly and export it; returns the bundle folder."""
    import torch

    from models.candidate import Candidate
    from models.encoder import model_inputs
    from models.normalization import model_text
    from spamloop.overrides import parse_overrides
    from spamloop.settings.export import ExportConfig
    from spamloop.settings.train import TrainConfig
    from tasks.export.pipeline import export_bundle
    from tasks.train.pipeline import build_encoder, start_wide_half

    config = TrainConfig(**parse_overrides(overrides))
    rows = _rows(2500)
    random.Random(5).shuffle(rows)
    train, evaluation = rows[:-eval_count], rows[-eval_count:]
    texts = [model_text(text) for _, text in train]
    model_dir = workdir / "model"
    model, tokenizer = build_encoder(config, texts, model_dir, seed=13)
    labels = torch.tensor([1 if label == "spam" else 0 for label, _ in train])
    if config.wide and config.wide_start == "logistic":  # the table the phone gets holds fitted weights, not noise
        start_wide_half(model, texts, labels.tolist(), config, seed=13)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()
    for step in range(steps):
        batch = [(step * 32 + offset) % len(train) for offset in range(32)]
        encoded = model_inputs(model, tokenizer, [texts[i] for i in batch], config.max_seq_len)
        model(**encoded, labels=labels[batch]).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    model.save_pretrained(str(model_dir))
    candidate = Candidate(
        name=f"bench-{time.strftime('%Y%m%d-%H%M%S')}", model_dir=model_dir, threshold=0.5, max_seq_len=config.max_seq_len
    )
    result = export_bundle(candidate, [text for _, text in evaluation], workdir / "bundles", ExportConfig())
    if result.bundle_dir is None:
        raise SystemExit(f"parity gate failed: {result.report.reasons}")
    return result.bundle_dir


def bench(bundle_dir: Path, seq_len: int, runs: int) -> list[dict[str, object]]:
    """One row per exported file: size, latency (TFLite only) and parity figures."""
    from tasks.export.measure import measure_latency

    index = read_bundle_index(bundle_dir)
    report = json.loads((bundle_dir / "parity_report.json").read_text(encoding="utf-8"))
    parity = {item["file"]: item for item in report["files"]}
    rows: list[dict[str, object]] = []
    for kind, name in index["models"].items():
        path = bundle_dir / name
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
        row: dict[str, object] = {"file": name, "kind": kind, "size_bytes": size}
        if name.endswith(".tflite"):
            stats = measure_latency(path, seq_len=seq_len, runs=runs)
            row.update(p50_ms=stats.p50_ms, p95_ms=stats.p95_ms)
        figures = parity.get(name, {})
        row.update(
            max_abs_diff=figures.get("max_abs_diff"),
            label_agreement=figures.get("label_agreement"),
            note=figures.get("skipped") or "",
        )
        rows.append(row)
    return rows


def render(rows: list[dict[str, object]], bundle_dir: Path, seq_len: int, console: Console) -> None:
    index = read_bundle_index(bundle_dir)
    table = Table(title=f"{index['name']} {index['version']}: LiteRT 1 thread, batch 1, seq {seq_len}")
    for column in ("file", "size", "p50 ms", "p95 ms", "max |Δ| vs torch", "label agreement", "note"):
        table.add_column(column, justify="left" if column in ("file", "note") else "right")

    def fmt(value: object, pattern: str) -> str:
        return "" if value is None else format(value, pattern)

    for row in rows:
        table.add_row(
            str(row["file"]),
            f"{int(row['size_bytes']) / 1e6:.3f} MB",  # type: ignore[call-overload]
            fmt(row.get("p50_ms"), ".3f"),
            fmt(row.get("p95_ms"), ".3f"),
            fmt(row.get("max_abs_diff"), ".2e"),
            fmt(row.get("label_agreement"), ".4f"),
            str(row.get("note", "")).split(":")[0],
        )
    console.print(table)
    int8 = next((row for row in rows if row["kind"] == "tflite_int8"), None)
    if int8 is not None:
        size_ok = int(int8["size_bytes"]) <= GOAL_INT8_BYTES  # type: ignore[call-overload]
        p50_ok = float(int8["p50_ms"]) <= GOAL_P50_MS  # type: ignore[arg-type]
        console.print(
            f"goals: int8 <= 1 MB: {'met' if size_ok else 'MISSED'}; p50 <= 1 ms: {'met' if p50_ok else 'MISSED'}"
        )
        from tasks.export.measure import largest_weights

        weights = largest_weights(bundle_dir / str(int8["file"]))
        console.print("largest int8 weights: " + "; ".join(
            f"{'x'.join(map(str, shape))} {size / 1e3:.0f} kB ({scales} scales)" for shape, size, scales in weights
        ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, help="Existing bundle folder to measure.")
    parser.add_argument("--build-tiny", action="store_true", help="Train + export the tiny preset first.")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="TrainConfig field for --build-tiny (YAML value), e.g. --set ngram_dim=32; repeatable.",
    )
    parser.add_argument("--steps", type=int, default=80, help="Training steps for --build-tiny.")
    parser.add_argument("--eval-count", type=int, default=400, help="Parity texts for --build-tiny.")
    parser.add_argument("--seq-len", type=int, default=64, help="Signature to time.")
    parser.add_argument("--runs", type=int, default=500, help="Timed invocations per file.")
    parser.add_argument("--json-out", type=Path, help="Also write the rows as JSON here.")
    args = parser.parse_args()
    if (args.bundle is None) == (not args.build_tiny):
        parser.error("give --bundle DIR or --build-tiny")
    bundle_dir = args.bundle or build_tiny_bundle(
        Path(tempfile.mkdtemp(prefix="spamloop-bench-")), args.overrides, args.steps, args.eval_count
    )
    rows = bench(bundle_dir, args.seq_len, args.runs)
    render(rows, bundle_dir, args.seq_len, Console(width=160))
    if args.json_out:
        args.json_out.write_text(json.dumps({"bundle": str(bundle_dir), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()

"""Size and latency of exported .tflite files on the reference runtime (LiteRT, 1 thread, batch 1)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.ondevice import OUTPUT_NAME, TOKENIZER_SETTINGS, TokenizerSettings, signature_name


@dataclass(frozen=True)
class LatencyStats:
    """Per-message latency of one signature of one file."""

    file: str
    size_bytes: int
    seq_len: int
    runs: int
    p50_ms: float
    p95_ms: float
    mean_ms: float


def measure_latency(
    tflite_path: Path, seq_len: int = 64, runs: int = 200, warmup: int = 20, num_threads: int = 1, seed: int = 0
) -> LatencyStats:
    """Time ``runs`` single-message invocations of signature ``seq_<seq_len>`` on random ids (half padded), n-gram
    inputs too when the graph has them (each group half full)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite_path), num_threads=num_threads)
    runner = interpreter.get_signature_runner(signature_name(seq_len))
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, 1000, size=(1, seq_len)).astype(np.int32)
    mask = np.zeros((1, seq_len), dtype=np.int32)
    mask[0, : seq_len // 2] = 1  # a typical SMS fills about half of the 64 tokens
    inputs = {"input_ids": ids, "attention_mask": mask}
    details = runner.get_input_details()
    if "ngram_ids" in details:
        shape = tuple(int(v) for v in details["ngram_ids"]["shape"])
        # Any id below 2 is valid for every table (buckets >= 2); a lookup costs the same whichever row it reads.
        inputs["ngram_ids"] = rng.integers(0, 2, size=shape).astype(np.int32)
        inputs["ngram_mask"] = np.zeros(shape, dtype=np.int32)
        inputs["ngram_mask"][..., : shape[-1] // 2] = 1
    for _ in range(warmup):
        runner(**inputs)
    timings = np.empty(runs)
    for position in range(runs):
        started = time.perf_counter()
        output = runner(**inputs)
        timings[position] = (time.perf_counter() - started) * 1000.0
    if not np.isfinite(np.asarray(output[OUTPUT_NAME])).all():
        raise RuntimeError(f"{tflite_path.name} produced non-finite outputs while timing")
    return LatencyStats(
        file=tflite_path.name,
        size_bytes=tflite_path.stat().st_size,
        seq_len=seq_len,
        runs=runs,
        p50_ms=float(np.percentile(timings, 50)),
        p95_ms=float(np.percentile(timings, 95)),
        mean_ms=float(timings.mean()),
    )


def largest_weights(tflite_path: Path, top: int = 4) -> list[tuple[tuple[int, ...], int, int]]:
    """(shape, bytes, scales) of the ``top`` largest constant tensors of a .tflite: where the file's size goes
    (an int8 embedding table quantised per row carries one scale per row)."""
    from ai_edge_litert import schema_py_generated as schema

    data = tflite_path.read_bytes()
    model = schema.Model.GetRootAs(data, 0)
    found: dict[int, tuple[tuple[int, ...], int, int]] = {}
    for graph_index in range(model.SubgraphsLength()):
        graph = model.Subgraphs(graph_index)
        for tensor_index in range(graph.TensorsLength()):
            tensor = graph.Tensors(tensor_index)
            buffer_index = tensor.Buffer()
            if buffer_index == 0 or buffer_index in found:
                continue
            buffer = model.Buffers(buffer_index)
            size = buffer.Size() if buffer.Offset() else buffer.DataLength()
            if size:
                quantization = tensor.Quantization()
                scales = quantization.ScaleLength() if quantization is not None else 0
                found[buffer_index] = (tuple(int(v) for v in tensor.ShapeAsNumpy()), int(size), int(scales))
    return sorted(found.values(), key=lambda item: -item[1])[:top]


def bundle_seq_lengths(bundle_dir: Path) -> tuple[int, ...]:
    """The signature lengths a bundle's tokenizer.json declares (what the exported files were built with)."""
    data = json.loads((bundle_dir / TOKENIZER_SETTINGS).read_text(encoding="utf-8"))
    return TokenizerSettings.from_json(data).seq_lengths


def ondevice_figures(
    bundle_dir: Path, model_file: str, parity_passed: bool, seq_len: int | None = None
) -> dict[str, object]:
    """Fields of tasks.evaluate.gates.OndeviceReport for one shipped file (size, p50, parity, detail).

    ``seq_len`` None: the bundle's longest signature, the slowest a phone will run.
    """
    seq_len = seq_len or max(bundle_seq_lengths(bundle_dir))
    stats = measure_latency(bundle_dir / model_file, seq_len=seq_len)
    return {
        "size_bytes": stats.size_bytes,
        "p50_latency_ms": stats.p50_ms,
        "parity_passed": parity_passed,
        "detail": f"{model_file}, LiteRT 1 thread, batch 1, seq {seq_len}",
    }

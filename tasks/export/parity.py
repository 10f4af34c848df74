"""Parity gate: the exported files must compute what PyTorch computes before a version may ship.

The report it writes, and the rule that a failed one never ships, are models/parity.py.

Inputs are the evaluation texts (raw; normalised here with the text contract). The PyTorch side uses
the HF tokenizer and the HF model's own forward; the device side uses the pure-Python tokenizer of
models/ondevice.py and the LiteRT interpreter, so a tokenizer drift fails the gate too. A wide & deep model's
graphs also take the n-gram ids of models/ngrams.py, read from the bundle's own ngrams.json, so the gate covers
the whole graph and the n-gram file the phone reads. Every text runs through every signature it fits, so all
signatures are covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.gold import load_gold
from models.ondevice import OUTPUT_NAME, WordPieceTokenizer, pick_seq_len, signature_name
from models.parity import FileKind, FileParity


def gold_parity_texts(gold_version: str, gold_dir: Path) -> list[str]:
    """The texts a candidate's exported files are compared on: the gold set's raw texts (every language, slice and
    evasion the gates judge)."""
    return load_gold(gold_version, gold_dir).frame["text"].to_list()


class TFLiteRunner:
    """Runs one .tflite file on padded ids with the LiteRT interpreter (1 thread, batch 1)."""

    def __init__(self, path: Path, num_threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = path
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._runners = {name: self._interpreter.get_signature_runner(name) for name in self._interpreter.get_signature_list()}

    @property
    def seq_lengths(self) -> list[int]:
        return sorted(int(name.split("_", 1)[1]) for name in self._runners)

    def run(self, ids: Sequence[int], seq_len: int, pad_id: int, ngram_inputs: NgramArrays | None = None) -> float:
        padding = seq_len - len(ids)
        input_ids = np.asarray([list(ids) + [pad_id] * padding], dtype=np.int32)
        mask = np.asarray([[1] * len(ids) + [0] * padding], dtype=np.int32)
        extra = {name: np.asarray(values, dtype=np.int32) for name, values in (ngram_inputs or {}).items()}
        output = self._runners[signature_name(seq_len)](input_ids=input_ids, attention_mask=mask, **extra)
        return float(np.asarray(output[OUTPUT_NAME]).reshape(-1)[0])


# A text's ngram_ids / ngram_mask, each [1, groups, k] (models.ondevice.ModelInputs.ngram_arrays).
NgramArrays = dict[str, list[list[list[int]]]]


def tflite_probabilities(
    runner: TFLiteRunner, encoded: list[list[int]], pad_id: int, ngram_inputs: list[NgramArrays] | None = None
) -> tuple[list[float], list[list[float]]]:
    """(probability at the smallest fitting signature, probabilities at every fitting signature) per text."""
    chosen: list[float] = []
    every: list[list[float]] = []
    lengths = runner.seq_lengths
    for position, ids in enumerate(encoded):
        fitting = [length for length in lengths if length >= len(ids)]
        ngrams = None if ngram_inputs is None else ngram_inputs[position]
        scores = [runner.run(ids, length, pad_id, ngrams) for length in fitting]
        chosen.append(scores[0] if scores else float("nan"))
        every.append(scores)
    return chosen, every


def compare_tflite(
    path: Path,
    kind: FileKind,
    encoded: list[list[int]],
    reference: list[float],
    pad_id: int,
    threshold: float,
    max_abs_diff: float | None,
    min_agreement: float | None,
    ngram_inputs: list[NgramArrays] | None = None,
) -> FileParity:
    """Parity figures of one .tflite against the PyTorch reference, judged by the given limits."""
    chosen, every = tflite_probabilities(TFLiteRunner(path), encoded, pad_id, ngram_inputs)
    deltas = [abs(score - expected) for scores, expected in zip(every, reference, strict=True) for score in scores]
    worst = max(deltas) if deltas else float("nan")
    agreement = float(
        np.mean([(got >= threshold) == (want >= threshold) for got, want in zip(chosen, reference, strict=True)])
    )
    problems: list[str] = []
    if not all(np.isfinite(chosen)):
        problems.append(f"{path.name}: non-finite outputs")
    if max_abs_diff is not None and not worst <= max_abs_diff:
        problems.append(f"{path.name}: max |Δ| {worst:.3e} > {max_abs_diff:.1e}")
    if min_agreement is not None and not agreement >= min_agreement:
        problems.append(f"{path.name}: label agreement {agreement:.4f} < {min_agreement}")
    return FileParity(
        file=path.name,
        kind=kind,
        passed=not problems,
        max_abs_diff=worst,
        mean_abs_diff=float(np.mean(deltas)) if deltas else None,
        label_agreement=agreement,
        runs=len(deltas),
        problems=problems,
    )


def encode_both(
    texts_model: Sequence[str], device_tokenizer: WordPieceTokenizer, hf_tokenizer_dir: Path, max_seq_len: int
) -> tuple[list[list[int]], int]:
    """(on-device ids per text, number of texts where HF's BertTokenizerFast gives different ids)."""
    from transformers import AutoTokenizer

    hf_tokenizer = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir), local_files_only=True)
    hf_ids = hf_tokenizer(list(texts_model), truncation=True, max_length=max_seq_len)["input_ids"]
    device_ids = [device_tokenizer.encode(text, max_seq_len) for text in texts_model]
    mismatches = sum(1 for ours, theirs in zip(device_ids, hf_ids, strict=True) if ours != list(theirs))
    for ids in device_ids:
        pick_seq_len(len(ids), device_tokenizer.settings.seq_lengths)  # raises if a signature is missing
    return device_ids, mismatches

"""export_bundle: HF model folder + tokenizer + threshold + metadata -> parity-checked on-device bundle.

Everything is written into a staging folder next to the target and renamed into place only after the
parity gate passed, so ``<out_root>/<version>/`` is either a complete, verified bundle or absent. A
failing gate leaves the files (with parity_report.json) under ``<out_root>/rejected/`` for inspection.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.candidate import Candidate
from models.ngrams import NGRAM_CONTRACT, NGRAMS_FILE, NgramSpec
from models.normalization import NORMALIZATION_VERSION, SPEC_PATH, model_text
from models.ondevice import (
    BUNDLE_FORMAT,
    BUNDLE_FORMAT_V1,
    COREML_PACKAGE,
    LABELS_FILE,
    NORMALIZATION_SPEC_FILE,
    TFLITE_FP32,
    TFLITE_INT8,
    TOKENIZER_SETTINGS,
    VOCAB_FILE,
    ModelInputs,
    TokenizerSettings,
    WordPieceTokenizer,
    verify_bundle,
)
from models.parity import FileParity, ParityReport, build_report
from spamloop.settings.export import ExportConfig
from tasks.export.bundle import check_version, clean_metrics, write_bundle_index, write_json
from tasks.export.parity import compare_tflite, encode_both
from tasks.export.tokenizer_contract import read_tokenizer_contract

logger = logging.getLogger(__name__)

EXPECTED_LABELS = {0: "ham", 1: "spam"}


@dataclass(frozen=True)
class ExportResult:
    """What export_bundle produced."""

    version: str
    report: ParityReport
    bundle_dir: Path | None  # None when the parity gate failed
    rejected_dir: Path | None
    index: dict[str, Any] | None
    seconds: float


class BundleExistsError(FileExistsError):
    """A bundle folder for this version already exists (bundles are immutable)."""


def signature_lengths(seq_lengths: Sequence[int], max_seq_len: int) -> list[int]:
    """Configured lengths below max_seq_len, plus max_seq_len itself (the truncation length)."""
    return sorted({length for length in seq_lengths if length < max_seq_len} | {max_seq_len})


@dataclass(frozen=True)
class _Source:
    """The checked candidate: its model as a spam-probability module and the tokenizer contract it was trained with."""

    version: str
    threshold: float
    final_dir: Path
    tokenizer_dir: Path
    metric_values: dict[str, float]
    model: Any
    module: Any
    ngram_spec: NgramSpec | None
    id2label: dict[int, str]
    max_len: int
    lengths: list[int]
    settings: TokenizerSettings
    vocab: list[str]


@dataclass(frozen=True)
class _ContractFiles:
    """The tokenizer, label and n-gram files written into the bundle, and the device-side readers of them."""

    vocab_bytes: bytes
    tokenizer_bytes: bytes
    labels: dict[str, Any]
    labels_bytes: bytes
    ngrams_bytes: bytes | None
    device_tokenizer: WordPieceTokenizer
    device_inputs: ModelInputs


@dataclass(frozen=True)
class _ParityInputs:
    """The evaluation texts as both sides see them, and the PyTorch model's probabilities for them."""

    texts_model: list[str]
    encoded: list[list[int]]
    mismatches: int
    reference: list[float]
    ngram_inputs: list[dict[str, Any]] | None


def export_bundle(
    candidate: Candidate, eval_texts: Sequence[str], out_root: Path, export_config: ExportConfig | None = None
) -> ExportResult:
    """Export the candidate's ``model_dir`` (a save_pretrained classifier) as bundle ``out_root/<name>``.

    A wide & deep model becomes a format-2 bundle (graphs with n-gram inputs, ngrams.json); a deep-only one a
    format-1 bundle. ``eval_texts`` are raw texts (normalised here). The candidate's ``max_seq_len`` is the truncation
    length the model was trained with (default: the largest configured length). Returns the parity report either
    way; ``bundle_dir`` is None when the gate failed.
    """
    started = time.perf_counter()
    config = export_config or ExportConfig()
    source = _load_source(candidate, out_root, config)
    out_root.mkdir(parents=True, exist_ok=True)
    staging = out_root / f".staging-{source.version}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        contract = _write_contract_files(staging, source)
        card = _bundle_card(source, contract, config)
        model_files = _convert_tflite(staging, source, contract, card, config)
        report, model_files = _check_parity(staging, source, contract, model_files, eval_texts, config)
        index = write_bundle_index(staging, _bundle_metadata(candidate, source, card, model_files, report, config))
        return _move_into_place(staging, out_root, source, report, index, started)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _check_target(candidate: Candidate, out_root: Path) -> tuple[Path, str, float, Path]:
    """(model_dir, version, threshold, final bundle folder), refusing a bad version or threshold or an existing bundle."""
    candidate.require("export", "name", "model_dir", "threshold")
    model_dir, version, threshold = Path(candidate.model_dir), str(candidate.name), float(candidate.threshold)
    check_version(version)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    final_dir = out_root / version
    if final_dir.exists():
        raise BundleExistsError(f"bundle {final_dir} already exists; versions are immutable, pick a new version")
    return model_dir, version, threshold, final_dir


def _load_source(candidate: Candidate, out_root: Path, config: ExportConfig) -> _Source:
    """Load the model for export and read its tokenizer contract, checking labels, lengths and vocabulary size."""
    model_dir, version, threshold, final_dir = _check_target(candidate, out_root)
    tokenizer_dir = candidate.tokenizer_dir or model_dir
    metric_values = clean_metrics(candidate.metrics)

    from models.encoder import ngram_spec_of
    from tasks.export.torch_module import SpamProbabilityModule, load_model_for_export

    model = load_model_for_export(model_dir)
    ngram_spec = ngram_spec_of(model)
    id2label = {int(key): value for key, value in model.config.id2label.items()}
    if id2label != EXPECTED_LABELS:
        raise ValueError(f"model labels {id2label} != {EXPECTED_LABELS}")
    module = SpamProbabilityModule(model).eval()
    max_len = candidate.max_seq_len or max(config.seq_lengths)
    positions = module.embeddings.position_embeddings.num_embeddings
    if max_len > positions:
        raise ValueError(f"max_seq_len {max_len} > max_position_embeddings {positions}")
    lengths = signature_lengths(config.seq_lengths, max_len)
    settings, vocab = read_tokenizer_contract(tokenizer_dir, max_len, lengths)
    deep_vocab_size = module.embeddings.word_embeddings.num_embeddings
    if len(vocab) > deep_vocab_size:
        raise ValueError(f"tokenizer has {len(vocab)} tokens but the model only {deep_vocab_size} embeddings")
    return _Source(
        version, threshold, final_dir, tokenizer_dir, metric_values, model, module, ngram_spec, id2label, max_len,
        lengths, settings, vocab,
    )


def _write_contract_files(staging: Path, source: _Source) -> _ContractFiles:
    """vocab.txt, tokenizer settings, labels, the normalisation spec and (wide & deep) ngrams.json."""
    vocab_bytes = ("\n".join(source.vocab) + "\n").encode("utf-8")
    (staging / VOCAB_FILE).write_bytes(vocab_bytes)
    tokenizer_bytes = write_json(staging / TOKENIZER_SETTINGS, source.settings.to_json())
    labels = {
        "id2label": {str(k): v for k, v in source.id2label.items()}, "spam_label_id": 1, "threshold": source.threshold
    }
    labels_bytes = write_json(staging / LABELS_FILE, labels)
    shutil.copyfile(SPEC_PATH, staging / NORMALIZATION_SPEC_FILE)
    ngram_spec = source.ngram_spec
    ngrams_bytes = None if ngram_spec is None else write_json(staging / NGRAMS_FILE, ngram_spec.to_json())
    device_tokenizer = WordPieceTokenizer.from_files(staging / VOCAB_FILE, staging / TOKENIZER_SETTINGS)
    # The device side reads the n-gram rules back from the bundle's own file, as the phone does.
    device_inputs = ModelInputs(device_tokenizer, None if ngram_spec is None else NgramSpec.from_file(staging / NGRAMS_FILE))
    return _ContractFiles(vocab_bytes, tokenizer_bytes, labels, labels_bytes, ngrams_bytes, device_tokenizer, device_inputs)


def _bundle_card(source: _Source, contract: _ContractFiles, config: ExportConfig) -> dict[str, Any]:
    """The model card embedded in the TFLite metadata and opening bundle.json."""
    card = {
        "name": config.model_name,
        "version": source.version,
        "format": BUNDLE_FORMAT_V1 if source.ngram_spec is None else BUNDLE_FORMAT,
        "threshold": source.threshold,
        "labels": contract.labels["id2label"],
        "max_seq_len": source.max_len,
        "seq_lengths": source.lengths,
        "normalization_version": NORMALIZATION_VERSION,
    }
    if source.ngram_spec is not None:
        card["ngram_contract"] = NGRAM_CONTRACT
    return card


def _convert_tflite(
    staging: Path, source: _Source, contract: _ContractFiles, card: dict[str, Any], config: ExportConfig
) -> dict[str, str]:
    """The fp32 graph (+ dynamic-range int8), finalised with the embedded metadata; returns kind -> file name."""
    from tasks.export.tflite import convert_tflite_fp32, finalize_tflite, metadata_entries, quantize_dynamic_int8

    fp32_path = staging / TFLITE_FP32
    convert_tflite_fp32(source.module, source.lengths, fp32_path)
    model_files = {"tflite_fp32": TFLITE_FP32}
    if config.int8:
        quantize_dynamic_int8(fp32_path, staging / TFLITE_INT8, config.int8_embedding_scales)
        model_files["tflite_int8"] = TFLITE_INT8
    entries = (
        metadata_entries(contract.labels_bytes, contract.tokenizer_bytes, contract.vocab_bytes, card, contract.ngrams_bytes)
        if config.embed_tflite_metadata
        else {}
    )
    for name in model_files.values():
        finalize_tflite(staging / name, entries)
    return model_files


def _parity_inputs(eval_texts: Sequence[str], source: _Source, contract: _ContractFiles) -> _ParityInputs:
    """Normalise and encode the evaluation texts on both tokenizers and score them with the PyTorch model."""
    from tasks.export.torch_module import torch_spam_probabilities

    texts_model = [model_text(text) for text in eval_texts]
    device_tokenizer = contract.device_tokenizer
    encoded, mismatches = encode_both(texts_model, device_tokenizer, source.tokenizer_dir, source.max_len)
    reference = torch_spam_probabilities(source.model, encoded, device_tokenizer.pad_id, texts_model=texts_model)
    ngram_inputs = None if source.ngram_spec is None else [contract.device_inputs.ngram_arrays(text) for text in texts_model]
    return _ParityInputs(texts_model, encoded, mismatches, reference, ngram_inputs)


def _check_parity(
    staging: Path,
    source: _Source,
    contract: _ContractFiles,
    model_files: dict[str, str],
    eval_texts: Sequence[str],
    config: ExportConfig,
) -> tuple[ParityReport, dict[str, str]]:
    """Every graph against PyTorch on the evaluation texts (Core ML converted here when configured); writes
    parity_report.json. Returns the report and the model files including the Core ML package."""
    from tasks.export.tflite import check_signatures

    inputs = _parity_inputs(eval_texts, source, contract)
    pad_id = contract.device_tokenizer.pad_id
    files: list[FileParity] = []
    for kind, name in model_files.items():
        is_fp32 = kind == "tflite_fp32"
        result = compare_tflite(
            staging / name,
            kind,  # type: ignore[arg-type]
            inputs.encoded,
            inputs.reference,
            pad_id,
            source.threshold,
            max_abs_diff=config.fp32_max_abs_diff if is_fp32 else None,
            min_agreement=None if is_fp32 else config.int8_min_agreement,
            ngram_inputs=inputs.ngram_inputs,
        )
        result.problems[:0] = check_signatures(staging / name, source.lengths, source.module.ngram_shape)
        result.passed = not result.problems
        files.append(result)
    if config.coreml:
        files.append(
            _export_coreml(source.module, staging, source.max_len, config, inputs.encoded, inputs.reference, inputs.ngram_inputs)
        )
        model_files = {**model_files, "coreml_fp16": COREML_PACKAGE}
    report = build_report(len(inputs.texts_model), source.threshold, inputs.mismatches, files)
    write_json(staging / "parity_report.json", json.loads(report.model_dump_json()))
    return report, model_files


def _bundle_metadata(
    candidate: Candidate,
    source: _Source,
    card: dict[str, Any],
    model_files: dict[str, str],
    report: ParityReport,
    config: ExportConfig,
) -> dict[str, Any]:
    """bundle.json without its file list: the card, file names, signatures, lineage, metrics and the parity verdict."""
    metadata = {
        **card,
        "labels_file": LABELS_FILE,
        "tokenizer_file": TOKENIZER_SETTINGS,
        "vocab_file": VOCAB_FILE,
        "normalization_spec_file": NORMALIZATION_SPEC_FILE,
        "models": model_files,
        "signatures": {
            "inputs": _signature_inputs(source.module.ngram_shape),
            "output": "spam_probability float32 [1]",
            "tflite": [f"seq_{length}" for length in source.lengths],
        },
        "mlflow_run_id": candidate.run_id,
        "registry_version": candidate.registry_version,
        "metrics": source.metric_values,
        "parity": {"passed": report.passed, "summary": report.summary()},
        "min_app_version": config.min_app_version,
    }
    if source.ngram_spec is not None:
        metadata["ngrams_file"] = NGRAMS_FILE
    return metadata


def _move_into_place(
    staging: Path, out_root: Path, source: _Source, report: ParityReport, index: dict[str, Any], started: float
) -> ExportResult:
    """A passing bundle is verified and renamed to ``<out_root>/<version>``; a failing one goes under rejected/."""
    version = source.version
    if not report.passed:
        rejected = out_root / "rejected" / f"{version}-{uuid.uuid4().hex[:8]}"
        rejected.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, rejected)
        logger.warning("export %s rejected by the parity gate: %s", version, "; ".join(report.reasons))
        return ExportResult(version, report, None, rejected, index, time.perf_counter() - started)
    verify_bundle(staging)
    os.replace(staging, source.final_dir)  # atomic on one filesystem; fails if another run created it meanwhile
    return ExportResult(version, report, source.final_dir, None, index, time.perf_counter() - started)


def _signature_inputs(ngram_shape: tuple[int, int] | None) -> dict[str, str]:
    inputs = {"input_ids": "int32 [1, n]", "attention_mask": "int32 [1, n]"}
    if ngram_shape is not None:
        groups, width = ngram_shape
        inputs.update({"ngram_ids": f"int32 [1, {groups}, {width}]", "ngram_mask": f"int32 [1, {groups}, {width}]"})
    return inputs


def _export_coreml(
    module: Any,
    staging: Path,
    max_len: int,
    config: ExportConfig,
    encoded: list[list[int]],
    reference: list[float],
    ngram_inputs: list[dict[str, Any]] | None,
) -> FileParity:
    from tasks.export.coreml import check_coreml_spec, convert_coreml, coreml_parity

    package = convert_coreml(module, max_len, staging / COREML_PACKAGE, fp16=config.coreml_fp16)
    problems = check_coreml_spec(package, max_len, module.ngram_shape)
    worst, skipped = coreml_parity(package, encoded, reference, ngram_inputs)
    if worst is not None and not worst <= config.coreml_max_abs_diff:
        problems.append(f"{COREML_PACKAGE}: max |Δ| {worst:.3e} > {config.coreml_max_abs_diff:.1e}")
    return FileParity(
        file=COREML_PACKAGE,
        kind="coreml_fp16",
        passed=not problems,
        max_abs_diff=worst,
        runs=0 if worst is None else len(encoded),
        skipped=skipped,
        problems=problems,
    )

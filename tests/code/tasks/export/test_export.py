"""Export stage: TFLite fp32/int8 parity, Core ML spec, bundle contents and checksums, the gate refusing."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from models.normalization import NORMALIZATION_VERSION, SPEC_PATH
from models.ondevice import BundleIntegrityError, verify_bundle
from spamloop.settings.export import ExportConfig
from tests.code.tasks.export import tiny_bundle

pytestmark = pytest.mark.slow  # the session export converts three models (~1-3 min on 2 cores)


def test_fp32_parity_and_int8_agreement(tiny_export_result):
    report = tiny_export_result.report
    assert report.passed, report.reasons
    assert report.texts == len(tiny_bundle.eval_texts())
    assert report.tokenization_mismatches == 0
    by_kind = {item.kind: item for item in report.files}
    fp32, int8 = by_kind["tflite_fp32"], by_kind["tflite_int8"]
    assert fp32.max_abs_diff is not None and fp32.max_abs_diff <= 1e-4
    assert fp32.label_agreement == 1.0
    # every text ran on every signature it fits: more runs than texts
    assert fp32.runs > report.texts
    assert int8.label_agreement is not None and int8.label_agreement >= 0.995
    assert int8.max_abs_diff is not None and int8.max_abs_diff > fp32.max_abs_diff  # int8 really is quantised


def test_bundle_contents_and_checksums(tiny_export_result):
    bundle_dir: Path = tiny_export_result.bundle_dir
    index = verify_bundle(bundle_dir)
    paths = {entry["path"] for entry in index["files"]}
    for required in (
        "spam_fp32.tflite", "spam_int8.tflite", "vocab.txt", "tokenizer.json", "labels.json",
        "normalization_spec.json", "parity_report.json", "spam_fp16.mlpackage/Manifest.json",
    ):
        assert required in paths, required
    assert index["version"] == tiny_bundle.VERSION
    assert index["threshold"] == tiny_bundle.THRESHOLD
    assert index["labels"] == {"0": "ham", "1": "spam"}
    assert index["max_seq_len"] == 64 and index["seq_lengths"] == [32, 64]
    assert index["mlflow_run_id"] == "0123456789abcdef" and index["registry_version"] == "7"
    assert index["metrics"] == {"dev_f1": 0.91, "dev_ham_fpr": 0.004}
    assert index["normalization_version"] == NORMALIZATION_VERSION
    assert (bundle_dir / "normalization_spec.json").read_bytes() == SPEC_PATH.read_bytes()
    vocab = (bundle_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab[:4] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] and "[URL]" in vocab
    settings = json.loads((bundle_dir / "tokenizer.json").read_text())
    assert settings["lowercase"] is True and settings["strip_accents"] is False
    # no staging or rejected leftovers next to the bundle
    assert sorted(p.name for p in bundle_dir.parent.iterdir()) == [tiny_bundle.VERSION]


def test_tampered_bundle_fails_verification(tiny_export_result, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_export_result.bundle_dir, copy)
    verify_bundle(copy)
    model = copy / "spam_int8.tflite"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleIntegrityError, match="spam_int8.tflite: sha256 mismatch"):
        verify_bundle(copy)
    (copy / "vocab.txt").unlink()
    with pytest.raises(BundleIntegrityError, match="vocab.txt: missing"):
        verify_bundle(copy)


def test_tflite_signatures_sizes_and_metadata(tiny_export_result):
    from tasks.export.tflite import check_signatures, read_metadata, signature_summary

    bundle_dir = tiny_export_result.bundle_dir
    for name in ("spam_fp32.tflite", "spam_int8.tflite"):
        path = bundle_dir / name
        assert check_signatures(path, [32, 64]) == []
        summary = signature_summary(path)
        assert summary["seq_32"]["inputs"]["input_ids"] == {"dtype": "int32", "shape": [1, 32]}
        assert summary["seq_64"]["outputs"]["spam_probability"] == {"dtype": "float32", "shape": [1]}
        metadata = read_metadata(path)
        assert metadata["vocab.txt"] == (bundle_dir / "vocab.txt").read_bytes()
        assert metadata["labels.json"] == (bundle_dir / "labels.json").read_bytes()
        assert json.loads(metadata["model_card.json"])["version"] == tiny_bundle.VERSION
    fp32_size = (bundle_dir / "spam_fp32.tflite").stat().st_size
    int8_size = (bundle_dir / "spam_int8.tflite").stat().st_size
    assert int8_size < fp32_size / 2.5
    assert int8_size <= 1_000_000  # goal for the tiny preset at this vocabulary size
    # wrong expectations are reported, not ignored
    assert check_signatures(bundle_dir / "spam_fp32.tflite", [32, 64, 128])


def test_coreml_spec(tiny_export_result):
    from tasks.export.coreml import NEEDS_MACOS, check_coreml_spec, coreml_spec_summary

    package = tiny_export_result.bundle_dir / "spam_fp16.mlpackage"
    assert check_coreml_spec(package, 64) == []
    summary = coreml_spec_summary(package)
    assert summary["model_type"] == "mlProgram" and summary["specification_version"] >= 7
    assert summary["inputs"]["input_ids"] == {"dtype": "INT32", "shape": [1, 64], "ranges": [[1, 1], [1, 64]]}
    assert summary["outputs"]["spam_probability"]["dtype"] == "FLOAT32"
    assert check_coreml_spec(package, 128)  # a different max length is caught
    coreml = next(item for item in tiny_export_result.report.files if item.kind == "coreml_fp16")
    if sys.platform != "darwin":
        assert coreml.skipped == NEEDS_MACOS and coreml.max_abs_diff is None
        pytest.skip("Core ML numeric parity needs macOS (predictions run only on darwin); spec checked above")
    assert coreml.max_abs_diff is not None and coreml.max_abs_diff <= ExportConfig().coreml_max_abs_diff


def test_parity_gate_fails_on_a_perturbed_reference(tiny_export_result):
    from tasks.export.parity import ParityGateError, build_report, compare_tflite, require_passed

    from models.ondevice import WordPieceTokenizer
    from models.normalization import normalize
    from models.reference_client import ReferenceClient

    bundle_dir = tiny_export_result.bundle_dir
    tokenizer = WordPieceTokenizer.from_files(bundle_dir / "vocab.txt", bundle_dir / "tokenizer.json")
    texts = tiny_bundle.eval_texts()[:40]
    encoded = [tokenizer.encode(normalize(text)) for text in texts]
    client = ReferenceClient(bundle_dir)
    exact = [client.spam_probability_of_ids(ids) for ids in encoded]
    ok = compare_tflite(bundle_dir / "spam_fp32.tflite", "tflite_fp32", encoded, exact, tokenizer.pad_id, 0.5, 1e-4, None)
    assert ok.passed and ok.max_abs_diff < 1e-6
    shifted = [min(value + 2e-3, 1.0) for value in exact]
    bad = compare_tflite(bundle_dir / "spam_fp32.tflite", "tflite_fp32", encoded, shifted, tokenizer.pad_id, 0.5, 1e-4, None)
    assert not bad.passed and "max |Δ|" in bad.problems[0]
    flipped = [1.0 - value for value in exact]
    int8 = compare_tflite(bundle_dir / "spam_int8.tflite", "tflite_int8", encoded, flipped, tokenizer.pad_id, 0.5, None, 0.995)
    assert not int8.passed and "label agreement" in int8.problems[0]
    report = build_report(len(texts), 0.5, 0, [bad, int8])
    assert not report.passed and len(report.reasons) == 2
    with pytest.raises(ParityGateError, match="parity gate failed"):
        require_passed(report)
    assert not build_report(0, 0.5, 0, [ok]).passed  # no texts, no proof
    assert not build_report(len(texts), 0.5, 3, [ok]).passed  # tokenizer drift fails too


def test_failing_gate_does_not_place_the_bundle(tmp_path, tiny_model_dir):
    from tasks.export.pipeline import export_bundle

    strict = ExportConfig(seq_lengths=[32], int8=False, coreml=False, fp32_max_abs_diff=1e-12)
    texts = tiny_bundle.eval_texts()[:60]
    result = export_bundle(tiny_model_dir, "strict-1", 0.5, texts, tmp_path / "bundles", strict, max_seq_len=32)
    if result.report.passed:  # fp32 can be bit-exact; then the gate must have seen zero difference
        assert result.report.files[0].max_abs_diff == 0.0
        pytest.skip("fp32 TFLite was bit-exact on these texts; nothing to reject")
    assert result.bundle_dir is None
    assert not (tmp_path / "bundles" / "strict-1").exists()
    assert result.rejected_dir is not None and (result.rejected_dir / "parity_report.json").is_file()
    assert any("max |Δ|" in reason for reason in result.report.reasons)
    assert not [p for p in (tmp_path / "bundles").iterdir() if p.name.startswith(".staging")]


def test_existing_version_is_refused(tiny_export_result, tiny_model_dir):
    from tasks.export.pipeline import BundleExistsError, export_bundle

    with pytest.raises(BundleExistsError, match="immutable"):
        export_bundle(tiny_model_dir, tiny_bundle.VERSION, 0.5, ["x"], tiny_export_result.bundle_dir.parent)


def test_tiny_preset_int8_fits_the_one_megabyte_budget_at_the_default_vocabulary(tmp_path):
    """The shipping preset at the default 8k vocabulary, exported with the default signatures: int8 <= 1 MB."""
    from models.encoder import build_model, train_wordpiece_tokenizer
    from spamloop.settings.train import TrainConfig
    from tasks.export.pipeline import export_bundle
    from tasks.train.dataset import load_seed_frame

    defaults = TrainConfig()
    texts = load_seed_frame()["text_model"].to_list()
    model_dir = tmp_path / "model"
    tokenizer = train_wordpiece_tokenizer(texts, model_dir, vocab_size=defaults.vocab_size, max_seq_len=defaults.max_seq_len)
    assert len(tokenizer) > 0.9 * defaults.vocab_size  # the corpus really fills the vocabulary
    model = build_model(defaults.preset, len(tokenizer), tokenizer.pad_token_id, seed=0)
    model.save_pretrained(str(model_dir))
    result = export_bundle(
        model_dir,
        version="size-check",
        threshold=0.5,
        eval_texts=tiny_bundle.eval_texts()[:40],
        out_root=tmp_path / "bundles",
        export_config=ExportConfig(coreml=False),
        max_seq_len=defaults.max_seq_len,
    )
    assert result.bundle_dir is not None, result.report.reasons
    int8_bytes = (result.bundle_dir / "spam_int8.tflite").stat().st_size
    assert int8_bytes <= 1_000_000, f"int8 model is {int8_bytes} bytes"


def test_ondevice_figures_time_the_longest_exported_signature(tiny_export_result):
    from models.ondevice import TFLITE_INT8
    from tasks.export.measure import bundle_seq_lengths, ondevice_figures

    bundle_dir = tiny_export_result.bundle_dir
    assert bundle_seq_lengths(bundle_dir) == tuple(tiny_bundle.SEQ_LENGTHS)
    figures = ondevice_figures(bundle_dir, TFLITE_INT8, parity_passed=True)
    # the gate judges the slowest signature a phone may run, whichever lengths the export chose
    assert figures["detail"].endswith(f"seq {max(tiny_bundle.SEQ_LENGTHS)}")
    assert figures["size_bytes"] == (bundle_dir / TFLITE_INT8).stat().st_size
    assert 0 < figures["p50_latency_ms"] < 1000

"""Export stage: TFLite fp32/int8 parity, Core ML spec, bundle contents and checksums, the gate refusing, the
golden test vectors through the exported graphs."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from models.ngrams import NGRAM_CONTRACT, NgramSpec
from models.normalization import NORMALIZATION_VERSION, SPEC_PATH
from models.ondevice import BUNDLE_FORMAT, BUNDLE_FORMAT_V1, BundleIntegrityError, read_bundle_index, verify_bundle
from spamloop.settings.export import ExportConfig
from tests.code.tasks.export import tiny_bundle

# The tiny model's n-gram inputs: the contract's 8 groups (character orders 1-5, jamo orders 2-4) of 256 ids.
NGRAM_SHAPE = (8, 256)

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
        "spam_fp32.tflite", "spam_int8.tflite", "vocab.txt", "tokenizer.json", "labels.json", "ngrams.json",
        "normalization_spec.json", "parity_report.json", "spam_fp16.mlpackage/Manifest.json",
    ):
        assert required in paths, required
    # format 2 names the n-gram contract, so an app that implements only format 1 refuses the bundle
    assert index["format"] == BUNDLE_FORMAT and index["ngram_contract"] == NGRAM_CONTRACT
    assert index["ngrams_file"] == "ngrams.json"
    assert index["signatures"]["inputs"]["ngram_ids"] == "int32 [1, 8, 256]"
    from tasks.export.contract_vectors import load_contract

    assert NgramSpec.from_file(bundle_dir / "ngrams.json") == load_contract()[1]
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
        assert check_signatures(path, [32, 64], NGRAM_SHAPE) == []
        assert check_signatures(path, [32, 64])  # the n-gram inputs are part of the contract: not naming them is a finding
        summary = signature_summary(path)
        assert summary["seq_32"]["inputs"]["input_ids"] == {"dtype": "int32", "shape": [1, 32]}
        assert summary["seq_32"]["inputs"]["ngram_ids"] == {"dtype": "int32", "shape": [1, *NGRAM_SHAPE]}
        assert summary["seq_64"]["inputs"]["ngram_mask"] == {"dtype": "int32", "shape": [1, *NGRAM_SHAPE]}
        assert summary["seq_64"]["outputs"]["spam_probability"] == {"dtype": "float32", "shape": [1]}
        metadata = read_metadata(path)
        assert metadata["ngrams.json"] == (bundle_dir / "ngrams.json").read_bytes()
        assert metadata["vocab.txt"] == (bundle_dir / "vocab.txt").read_bytes()
        assert metadata["labels.json"] == (bundle_dir / "labels.json").read_bytes()
        assert json.loads(metadata["model_card.json"])["version"] == tiny_bundle.VERSION
    fp32_size = (bundle_dir / "spam_fp32.tflite").stat().st_size
    int8_size = (bundle_dir / "spam_int8.tflite").stat().st_size
    assert int8_size < fp32_size / 3  # the embedding tables take one int8 scale each (int8_embedding_scales)
    # wrong expectations are reported, not ignored
    assert check_signatures(bundle_dir / "spam_fp32.tflite", [32, 64, 128], NGRAM_SHAPE)


def test_coreml_spec(tiny_export_result):
    from tasks.export.coreml import NEEDS_MACOS, check_coreml_spec, coreml_spec_summary

    package = tiny_export_result.bundle_dir / "spam_fp16.mlpackage"
    assert check_coreml_spec(package, 64, NGRAM_SHAPE) == []
    summary = coreml_spec_summary(package)
    assert summary["model_type"] == "mlProgram" and summary["specification_version"] >= 7
    assert summary["inputs"]["input_ids"] == {"dtype": "INT32", "shape": [1, 64], "ranges": [[1, 1], [1, 64]]}
    assert summary["inputs"]["ngram_ids"]["dtype"] == "INT32" and summary["inputs"]["ngram_ids"]["shape"] == [1, *NGRAM_SHAPE]
    assert summary["outputs"]["spam_probability"]["dtype"] == "FLOAT32"
    assert check_coreml_spec(package, 128, NGRAM_SHAPE)  # a different max length is caught
    assert check_coreml_spec(package, 64, (7, 32)) and check_coreml_spec(package, 64)  # so are other n-gram inputs
    coreml = next(item for item in tiny_export_result.report.files if item.kind == "coreml_fp16")
    if sys.platform != "darwin":
        assert coreml.skipped == NEEDS_MACOS and coreml.max_abs_diff is None
        pytest.skip("Core ML numeric parity needs macOS (predictions run only on darwin); spec checked above")
    assert coreml.max_abs_diff is not None and coreml.max_abs_diff <= ExportConfig().coreml_max_abs_diff


def test_parity_gate_fails_on_a_perturbed_reference(tiny_export_result):
    from models.parity import ParityGateError, build_report, require_passed
    from tasks.export.parity import compare_tflite

    from models.normalization import model_text
    from models.reference_client import ReferenceClient

    bundle_dir = tiny_export_result.bundle_dir
    client = ReferenceClient(bundle_dir)
    tokenizer = client.tokenizer
    texts = [model_text(text) for text in tiny_bundle.eval_texts()[:40]]
    encoded = [tokenizer.encode(text) for text in texts]
    ngrams = [client.inputs.ngram_arrays(text) for text in texts]
    exact = [client.spam_probability_of_ids(ids, text) for ids, text in zip(encoded, texts, strict=True)]
    fp32 = bundle_dir / "spam_fp32.tflite"
    ok = compare_tflite(fp32, "tflite_fp32", encoded, exact, tokenizer.pad_id, 0.5, 1e-4, None, ngrams)
    assert ok.passed and ok.max_abs_diff < 1e-6
    other_ngrams = [client.inputs.ngram_arrays(text + " 무료 카지노 win cash") for text in texts]
    moved = compare_tflite(fp32, "tflite_fp32", encoded, exact, tokenizer.pad_id, 0.5, 1e-4, None, other_ngrams)
    assert not moved.passed  # the gate sees the n-gram half of the graph
    shifted = [min(value + 2e-3, 1.0) for value in exact]
    bad = compare_tflite(fp32, "tflite_fp32", encoded, shifted, tokenizer.pad_id, 0.5, 1e-4, None, ngrams)
    assert not bad.passed and "max |Δ|" in bad.problems[0]
    flipped = [1.0 - value for value in exact]
    int8 = compare_tflite(bundle_dir / "spam_int8.tflite", "tflite_int8", encoded, flipped, tokenizer.pad_id, 0.5, None, 0.995, ngrams)
    assert not int8.passed and "label agreement" in int8.problems[0]
    report = build_report(len(texts), 0.5, 0, [bad, int8])
    assert not report.passed and len(report.reasons) == 2
    with pytest.raises(ParityGateError, match="parity gate failed"):
        require_passed(report)
    assert not build_report(0, 0.5, 0, [ok]).passed  # no texts, no proof
    assert not build_report(len(texts), 0.5, 3, [ok]).passed  # tokenizer drift fails too


def test_failing_gate_does_not_place_the_bundle_and_deep_only_models_are_format_1(tmp_path):
    """A failing gate leaves the version folder absent (files kept under rejected/). The model here is deep only
    (architecture deep, and every model trained before the wide half): two inputs, bundle format 1, which the
    reference client still reads."""
    from transformers import AutoTokenizer

    from models.encoder import build_model
    from models.candidate import Candidate
    from models.reference_client import ReferenceClient
    from tasks.export.pipeline import export_bundle

    model_dir = tmp_path / "model"
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_bundle.tiny_tokenizer_dir()), local_files_only=True)
    build_model("tiny", len(tokenizer), tokenizer.pad_token_id, seed=0).save_pretrained(str(model_dir))
    tokenizer.save_pretrained(str(model_dir))
    strict = ExportConfig(seq_lengths=[32], int8=False, coreml=False, fp32_max_abs_diff=1e-12)
    texts = tiny_bundle.eval_texts()[:60]
    candidate = Candidate(name="strict-1", model_dir=model_dir, threshold=0.5, max_seq_len=32)
    result = export_bundle(candidate, texts, tmp_path / "bundles", strict)
    written = result.bundle_dir or result.rejected_dir
    index = read_bundle_index(written)
    assert index["format"] == BUNDLE_FORMAT_V1 and "ngram_contract" not in index
    assert not (written / "ngrams.json").exists()
    assert set(index["signatures"]["inputs"]) == {"input_ids", "attention_mask"}
    client = ReferenceClient(written)
    assert set(client.encode("free prize")) == {"input_ids", "attention_mask"}
    assert 0.0 <= client.predict(["free prize"])[0].spam_probability <= 1.0
    if result.report.passed:  # fp32 can be bit-exact; then the gate must have seen zero difference
        assert result.report.files[0].max_abs_diff == 0.0
        pytest.skip("fp32 TFLite was bit-exact on these texts; nothing to reject")
    assert result.bundle_dir is None
    assert not (tmp_path / "bundles" / "strict-1").exists()
    assert result.rejected_dir is not None and (result.rejected_dir / "parity_report.json").is_file()
    assert any("max |Δ|" in reason for reason in result.report.reasons)
    assert not [p for p in (tmp_path / "bundles").iterdir() if p.name.startswith(".staging")]


def test_existing_version_is_refused(tiny_export_result, tiny_model_dir):
    from models.candidate import Candidate
    from tasks.export.pipeline import BundleExistsError, export_bundle

    candidate = Candidate(name=tiny_bundle.VERSION, model_dir=tiny_model_dir, threshold=0.5)
    with pytest.raises(BundleExistsError, match="immutable"):
        export_bundle(candidate, ["x"], tiny_export_result.bundle_dir.parent)


def test_default_model_int8_fits_the_one_megabyte_budget(tmp_path):
    """The default wide & deep model (tiny preset, default vocabulary and n-gram table), exported with the default
    signatures: int8 <= 1 MB, as the weekly retrain ships it."""
    from models.candidate import Candidate
    from spamloop.settings.train import TrainConfig
    from tasks.export.pipeline import export_bundle
    from tasks.train.dataset import load_seed_frame
    from tasks.train.pipeline import build_encoder

    defaults = TrainConfig()
    texts = load_seed_frame()["text_model"].to_list()
    model_dir = tmp_path / "model"
    model, tokenizer = build_encoder(defaults, texts, model_dir, seed=0)
    assert len(tokenizer) > 0.9 * defaults.vocab_size  # the corpus really fills the vocabulary
    model.save_pretrained(str(model_dir))
    result = export_bundle(
        Candidate(name="size-check", model_dir=model_dir, threshold=0.5, max_seq_len=defaults.max_seq_len),
        tiny_bundle.eval_texts()[:40],
        tmp_path / "bundles",
        ExportConfig(coreml=False),
    )
    assert result.bundle_dir is not None, result.report.reasons
    assert read_bundle_index(result.bundle_dir)["format"] == BUNDLE_FORMAT
    int8_bytes = (result.bundle_dir / "spam_int8.tflite").stat().st_size
    assert int8_bytes <= 1_000_000, f"int8 model is {int8_bytes} bytes"


def test_exported_graphs_agree_with_the_golden_test_vectors(tiny_export_result):
    """The committed vectors are what the bundle's own files give (client side), and the exported graph computes on
    exactly those inputs what PyTorch computes (graph side)."""
    import json

    import torch

    from models.reference_client import ReferenceClient
    from tasks.export.contract_vectors import CONTRACT_DIR, VECTORS_FILE
    from tasks.export.parity import TFLiteRunner
    from tasks.export.torch_module import load_model_for_export

    bundle_dir = tiny_export_result.bundle_dir
    assert (bundle_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()[:2000] == (
        (CONTRACT_DIR / "vocab.txt").read_text(encoding="utf-8").splitlines()
    )
    client = ReferenceClient(bundle_dir)
    model = load_model_for_export(tiny_bundle.tiny_model_dir())
    runner = TFLiteRunner(bundle_dir / "spam_fp32.tflite")
    cases = json.loads((CONTRACT_DIR / VECTORS_FILE).read_text(encoding="utf-8"))["cases"]
    worst = 0.0
    for case in cases:
        inputs = client.encode(case["text"])
        assert inputs["input_ids"][0][: len(case["input_ids"])] == case["input_ids"]
        assert sum(inputs["attention_mask"][0]) == len(case["input_ids"])
        golden_groups = list(case["ngram_ids"].values())
        assert [row[: sum(mask)] for row, mask in zip(inputs["ngram_ids"][0], inputs["ngram_mask"][0], strict=True)] == golden_groups
        width = NGRAM_SHAPE[1]  # the contract's max_per_group: the graph's n-gram input width
        ngram_ids = [[group + [0] * (width - len(group)) for group in golden_groups]]
        ngram_mask = [[[1] * len(group) + [0] * (width - len(group)) for group in golden_groups]]
        device = runner.run(case["input_ids"], 64, 0, {"ngram_ids": ngram_ids, "ngram_mask": ngram_mask})
        with torch.no_grad():
            logits = model(
                input_ids=torch.tensor([case["input_ids"]]),
                attention_mask=torch.ones((1, len(case["input_ids"])), dtype=torch.int64),
                ngram_ids=torch.tensor(ngram_ids),
                ngram_mask=torch.tensor(ngram_mask),
            ).logits
        worst = max(worst, abs(device - float(torch.softmax(logits, dim=-1)[0, 1])))
    assert worst <= 1e-4, worst


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

"""Fast checks of the export core: tokenizer contract, versions, metrics, signature lengths, config."""

from __future__ import annotations

import json
import shutil

import pytest
from pydantic import ValidationError

from spamloop.settings.export import ExportConfig, PublishConfig
from tasks.export.bundle import check_version, clean_metrics
from tasks.export.pipeline import signature_lengths
from tasks.export.tokenizer_contract import TokenizerContractError, read_tokenizer_contract
from tests.code.tasks.export import tiny_bundle


@pytest.fixture(scope="module")
def tokenizer_dir():
    return tiny_bundle.tiny_tokenizer_dir()


def test_tokenizer_contract_reads_settings_and_vocab(tokenizer_dir):
    settings, vocab = read_tokenizer_contract(tokenizer_dir, 64, [32, 64])
    assert settings.lowercase and not settings.strip_accents
    assert settings.cls_token == "[CLS]" and settings.continuing_subword_prefix == "##"
    assert "[URL]" in settings.special_tokens and "[PHONE]" in settings.special_tokens
    assert vocab[0] == "[PAD]" and len(vocab) == len(set(vocab))
    assert settings.seq_lengths == (32, 64) and settings.max_seq_len == 64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda spec: spec["normalizer"].update(strip_accents=True), "accent stripping"),
        (lambda spec: spec["normalizer"].update(strip_accents=None), "accent stripping"),
        (lambda spec: spec.update(pre_tokenizer={"type": "Whitespace"}), "BertPreTokenizer"),
        (lambda spec: spec["added_tokens"][6].update(lstrip=True), "not a plain special token"),
    ],
)
def test_tokenizer_contract_refuses_what_the_phone_cannot_do(tokenizer_dir, tmp_path, change, message):
    copy = tmp_path / "tok"
    shutil.copytree(tokenizer_dir, copy)
    spec = json.loads((copy / "tokenizer.json").read_text())
    change(spec)
    (copy / "tokenizer.json").write_text(json.dumps(spec))
    with pytest.raises(TokenizerContractError, match=message):
        read_tokenizer_contract(copy, 64, [64])


def test_versions_and_metrics():
    assert check_version("2026.11.24-1") == "2026.11.24-1"
    for bad in ("", "../x", "a/b", "v 1", ".hidden"):
        with pytest.raises(ValueError):
            check_version(bad)
    assert clean_metrics({"f1": 1, "fpr": 0.01}) == {"f1": 1.0, "fpr": 0.01}
    with pytest.raises(ValueError, match="numbers only"):
        clean_metrics({"worst_text": "call 010-1234-5678"})


def test_signature_lengths_follow_the_truncation_length():
    assert signature_lengths([32, 64, 128], 64) == [32, 64]
    assert signature_lengths([32, 64, 128], 128) == [32, 64, 128]
    assert signature_lengths([32, 64, 128], 48) == [32, 48]


def test_config_validation():
    assert ExportConfig(seq_lengths=[128, 32, 32]).seq_lengths == [32, 128]
    with pytest.raises(ValidationError):
        ExportConfig(seq_lengths=[])
    with pytest.raises(ValidationError):
        ExportConfig(model_name="Bad Name")
    with pytest.raises(ValidationError):
        PublishConfig(presign_expiry_s=30 * 24 * 3600)
    for model in (ExportConfig, PublishConfig):
        assert all(field.description for field in model.model_fields.values())

"""The torch-free reference client: same tokens as BertTokenizerFast, same probabilities as PyTorch/pyfunc."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from models.normalization import normalize
from models.ondevice import TokenizerSettings, WordPieceTokenizer, pick_seq_len
from tasks.export.tokenizer_contract import read_tokenizer_contract
from tests.code.tasks.export import tiny_bundle
from tests.conftest import REPO_ROOT

TRICKY_TEXTS = [
    "Hello, World!! It's 5pm... ok?",
    "ÀÉÎÕÜ café naïve Σίσυφος İstanbul ǅ ß ﬁ",  # accents kept, per-character lower-casing
    "中文字符和한국어 mixed漢字",  # CJK ideographs get their own words; Hangul does not
    "[URL][PHONE] x[URL]y [url] [UNK][CLS] [ACCOUNT].",  # specials: exact case only, never split
    "tab\there\nnew line\r\nand\u3000ideographic space\u00a0nbsp",
    "zero\u200bwidth soft\u00adhyphen \ufeffbom control\x07bell",
    "emoji 😀🎉 ①②③ ㈜ ™ ½ ＦＵＬＬＷＩＤＴＨ",
    "ㅋㅋㅋㅋ ㅎㅎ 대출 가능!!! 010 1234 5678 ♥♡",
    "supercalifragilisticexpialidocious" * 4,  # over 100 chars: one [UNK]
    "",
    " ",
    "a" * 300,
]


@pytest.fixture(scope="module")
def hf_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_bundle.tiny_tokenizer_dir()), local_files_only=True)


@pytest.fixture(scope="module")
def device_tokenizer():
    settings, vocab = read_tokenizer_contract(tiny_bundle.tiny_tokenizer_dir(), 64, [32, 64])
    return WordPieceTokenizer(vocab={token: index for index, token in enumerate(vocab)}, settings=settings)


def _corpus() -> list[str]:
    rows = [text for _, text in tiny_bundle.training_rows()]
    return rows + tiny_bundle.eval_texts() + TRICKY_TEXTS


@pytest.mark.parametrize("normalized", [True, False], ids=["normalised", "raw"])
def test_tokenization_identical_to_bert_tokenizer_fast(hf_tokenizer, device_tokenizer, normalized):
    texts = [normalize(text) if normalized else text for text in _corpus()]
    expected = hf_tokenizer(texts, truncation=True, max_length=64)["input_ids"]
    different = [
        (text, ours, list(theirs))
        for text, ours, theirs in zip(texts, device_tokenizer.encode_batch(texts), expected, strict=True)
        if ours != list(theirs)
    ]
    assert not different, different[:3]
    assert any(ord(char) >= 0xAC00 for text in texts for char in text)  # the corpus has Hangul
    tokens = device_tokenizer.tokenize("고객님 [URL] 확인")
    assert "[URL]" in tokens and all(len(token) > 0 for token in tokens)


def test_padding_and_signature_choice(device_tokenizer):
    ids, mask = device_tokenizer.encode_padded("hello there")
    assert len(ids) == len(mask) == 32 and ids[0] == device_tokenizer.vocab["[CLS]"]
    assert sum(mask) == len(device_tokenizer.encode("hello there")) and ids[sum(mask):] == [0] * (32 - sum(mask))
    long_ids, long_mask = device_tokenizer.encode_padded("word " * 100)
    assert len(long_ids) == 64 and all(long_mask) and long_ids[-1] == device_tokenizer.vocab["[SEP]"]
    assert pick_seq_len(33, [32, 64]) == 64
    with pytest.raises(ValueError):
        pick_seq_len(65, [32, 64])
    with pytest.raises(ValueError, match="strip_accents"):
        TokenizerSettings.from_json({**device_tokenizer.settings.to_json(), "strip_accents": True})


@pytest.mark.slow
def test_client_matches_pytorch_and_pyfunc(tiny_export_result_for_client):
    from models.pyfunc import SpamClassifierPyfunc
    from models.reference_client import ReferenceClient

    bundle_dir = tiny_export_result_for_client.bundle_dir
    texts = tiny_bundle.eval_texts()
    pyfunc = SpamClassifierPyfunc(max_seq_len=64)
    pyfunc.load_context(SimpleNamespace(artifacts={"hf_model": str(tiny_bundle.tiny_model_dir())}))
    expected = np.asarray(pyfunc.predict(None, texts))
    fp32 = np.asarray(ReferenceClient(bundle_dir).spam_probabilities(texts))
    assert np.max(np.abs(fp32 - expected)) <= 1e-4
    assert expected.min() < 0.2 and expected.max() > 0.8  # a trained model: the comparison is not trivial
    int8 = ReferenceClient(bundle_dir, model="tflite_int8")
    agreement = np.mean([(p.label == "spam") == (e >= 0.5) for p, e in zip(int8.predict(texts), expected, strict=True)])
    assert agreement >= 0.995


@pytest.mark.slow
def test_client_never_imports_torch_or_transformers(tiny_export_result_for_client):
    script = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from models.reference_client import ReferenceClient\n"
        f"client = ReferenceClient(Path({str(tiny_export_result_for_client.bundle_dir)!r}))\n"
        "result = client.predict(['WINNER!! claim your free prize, call now', '내일 저녁에 봐'])\n"
        "heavy = sorted(name for name in sys.modules if name.split('.')[0] in ('torch', 'transformers', 'tokenizers'))\n"
        "print(json.dumps({'heavy': heavy, 'labels': [r.label for r in result]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["heavy"] == []
    assert set(outcome["labels"]) <= {"spam", "ham"} and len(outcome["labels"]) == 2


@pytest.fixture(scope="module")
def tiny_export_result_for_client():
    result = tiny_bundle.tiny_export()
    assert result.bundle_dir is not None, result.report.reasons
    return result


def test_formats_and_contracts_this_code_does_not_implement_are_refused(tmp_path):
    """An app refuses a bundle whose format or n-gram contract it does not know, before it downloads anything."""
    from models.ondevice import BUNDLE_FORMAT, BundleIntegrityError, read_bundle_index
    from models.reference_client import download_from_manifest

    for index, message in (
        ({"format": "spamloop-bundle/9"}, "unsupported bundle format"),
        ({"format": BUNDLE_FORMAT, "ngram_contract": "spamloop-ngrams/9"}, "n-gram contract"),
        ({"format": BUNDLE_FORMAT}, "n-gram contract"),
    ):
        (tmp_path / "bundle.json").write_text(json.dumps(index), encoding="utf-8")
        with pytest.raises(BundleIntegrityError, match=message):
            read_bundle_index(tmp_path)
    manifest = {
        "name": "spam-encoder", "version": "9", "bundle_format": "spamloop-bundle/9",
        "files": [{"path": "bundle.json", "url": (tmp_path / "missing.json").as_uri(), "size": 1, "sha256": "0" * 64}],
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BundleIntegrityError, match="spamloop-bundle/9"):
        download_from_manifest((tmp_path / "manifest.json").as_uri(), tmp_path / "cache")
    assert not (tmp_path / "cache").exists()

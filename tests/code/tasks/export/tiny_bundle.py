"""A tiny trained wide & deep model + WordPiece tokenizer and its exported bundle, built once per test process.

Shared by the export, publish and reference-client tests (import the functions; they cache). The model
is trained for a few dozen steps on the shared SMS data so probabilities spread away from 0.5 and the
int8 label-agreement check is meaningful. Its vocabulary and n-gram rules are the committed contract test
vectors' (data/contract/ondevice-v2), so the exported graphs can be checked against the golden inputs.
"""

from __future__ import annotations

import atexit
import random
import shutil
import tempfile
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[4] / "data" / "seed"  # bundled copies of the shared corpora
THRESHOLD = 0.5
VERSION = "2026.11.24-test1"
SEQ_LENGTHS = [32, 64]
MAX_SEQ_LEN = 64


@cache
def _workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="spamloop-export-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # model + bundles (~10 MB) go with the process
    return folder


def _read_tsv(name: str, limit: int) -> list[tuple[str, str]]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()[1:]
    rows = [tuple(line.split("\t", 1)) for line in lines if "\t" in line]
    return [(label, text) for label, text in rows][:limit]


@cache
def training_rows() -> list[tuple[str, str]]:
    """(label, raw text): English ham/spam and Korean ham from the shared data."""
    uci = _read_tsv("uci_sms_spam.tsv", 3000)
    spam = [row for row in uci if row[0] == "spam"][:200]
    ham = [row for row in uci if row[0] == "ham"][:200]
    korean = _read_tsv("ko_chatbot_ham.tsv", 300)
    rows = spam + ham + korean
    random.Random(7).shuffle(rows)
    return rows


@cache
def eval_texts() -> list[str]:
    """Raw evaluation texts: unseen shared-data lines (ko + en) plus PII/URL/odd-character cases."""
    uci = _read_tsv("uci_sms_spam.tsv", 3869)[3000:3150]
    korean = _read_tsv("ko_chatbot_ham.tsv", 8703)[5000:5100]
    crafted = [
        "[Web발신] 고객님 택배가 주소불일치로 보관중입니다 http://bit.ly/3xYz 확인바랍니다",
        "엄마 나 폰 고장나서 그러는데 010-1234-5678 로 문자줘",
        "WINNER!! You have won a £1000 prize. Call 09061701461 now",
        "카드 승인 12,300원 스타벅스 잔액 문의 1588-1234",
        "무료 바카라 ①②③ 첫충 30% ☆★ 카톡 abc123",
        "Your OTP is 482913. Do not share it.",
        "ÀÉÎÕÜ café naïve Σίσυφος İstanbul",
        "零售 中文 字符 測試 ﬁne",
        "",
        "   ",
        "a" * 150,
        "[URL] [PHONE] [url] [UNK] [CLS]x",
        "주식 리딩방 수익 보장!!! 지금 바로 입장 ▶ open.kakao.com/o/abcd",
    ]
    return [text for _, text in uci] + [text for _, text in korean] + crafted


@cache
def tiny_tokenizer_dir() -> Path:
    """The product's WordPiece tokenizer over the contract vectors' vocabulary (2,000 tokens learnt from these rows)."""
    from models.encoder import tokenizer_from_vocab
    from tasks.export.contract_vectors import CONTRACT_DIR

    lines = (CONTRACT_DIR / "vocab.txt").read_text(encoding="utf-8").splitlines()
    out = _workdir() / "tokenizer"
    tokenizer_from_vocab({token: index for index, token in enumerate(lines)}, out, max_seq_len=MAX_SEQ_LEN)
    return out


@cache
def tiny_model_dir() -> Path:
    """A briefly trained wide & deep model (the shipping ``tiny`` preset + the contract's n-gram rules) with its
    tokenizer, saved together."""
    import torch
    from transformers import AutoTokenizer

    from models.encoder import build_model, model_inputs, with_wide_half
    from models.normalization import normalize
    from tasks.export.contract_vectors import load_contract

    out = _workdir() / "model"
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_tokenizer_dir()), local_files_only=True)
    rows = training_rows()
    texts = [normalize(text) for _, text in rows]
    _, spec = load_contract()
    model = with_wide_half(build_model("tiny", len(tokenizer), tokenizer.pad_token_id, seed=0), spec, seed=0)
    labels = torch.tensor([1 if label == "spam" else 0 for label, _ in rows])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    generator = random.Random(3)
    order = list(range(len(rows)))
    for _ in range(2):  # two short epochs: enough for probabilities to leave 0.5
        generator.shuffle(order)
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            encoded = model_inputs(model, tokenizer, [texts[i] for i in batch], 32)
            loss = model(**encoded, labels=labels[batch]).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    model.eval()
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


@cache
def tiny_export():
    """ExportResult of the tiny model (fp32 + int8 TFLite, Core ML), built once."""
    from models.candidate import Candidate
    from spamloop.settings.export import ExportConfig
    from tasks.export.pipeline import export_bundle

    candidate = Candidate(
        name=VERSION,
        model_dir=tiny_model_dir(),
        threshold=THRESHOLD,
        max_seq_len=MAX_SEQ_LEN,
        run_id="0123456789abcdef",
        registry_version="7",
        metrics={"dev_f1": 0.91, "dev_ham_fpr": 0.004},
    )
    return export_bundle(candidate, eval_texts(), _workdir() / "bundles", ExportConfig(seq_lengths=SEQ_LENGTHS))

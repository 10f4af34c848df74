"""Golden test vectors of the on-device inputs (bundle format 2): texts -> WordPiece ids and n-gram ids.

    .venv/bin/python -m tasks.export.contract_vectors [--check]

``data/contract/ondevice-v2/`` looks like the text half of a bundle: ``vocab.txt`` and ``tokenizer.json`` (a fixed
2,000-token WordPiece vocabulary, the one the export tests' tiny model is trained on), ``ngrams.json`` (the
default n-gram rules) and ``vectors.json``, written here by the reference implementation (models/ondevice.py,
models/ngrams.py). An Android or iOS port loads the folder as it loads a bundle and must reproduce every case:
the hash and jamo checks first, then each text's ``input_ids`` and the ids of every n-gram group (unpadded; the
graph input pads each group with 0 to ``max_per_group``, mask 1 for real ids). The texts are model texts (after
``models.normalization.model_text``; the normalisation has its own spec). ``--check`` exits non-zero when the
committed file differs from what this code computes; tests run the same check.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from models.ngrams import FAMILY_TAGS, NGRAM_CONTRACT, NGRAMS_FILE, NgramSpec, decompose_hangul, fnv1a32
from models.ondevice import BUNDLE_FORMAT, TOKENIZER_SETTINGS, VOCAB_FILE, TokenizerSettings, WordPieceTokenizer

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "data" / "contract" / "ondevice-v2"
VECTORS_FILE = "vectors.json"
MAX_SEQ_LEN = 64
SEQ_LENGTHS = (32, 64)

# Model texts: Korean, English, mixed, placeholders and hosts, a business number (visible since norm-v3), look-alike
# spellings, conjoining jamo (what NFKC makes of ㅋㅋ), non-Hangul scripts, case mappings that change length,
# control-free whitespace, emoji, and a message long enough to fill every group (the first max_per_group distinct
# ids are kept).
VECTOR_TEXTS: tuple[str, ...] = (
    "",
    " ",
    "a",
    "카지노",
    "캬즤노",
    "카 지 노",
    "[Web발신] 고객님 택배가 주소불일치로 보관중입니다 [URL] bit·ly 확인바랍니다",
    "엄마 나 폰 고장나서 그러는데 [PHONE] 로 문자줘",
    "WINNER!! You have won a £1000 prize. Call [PHONE] now",
    "Are we still meeting at 6? ok",
    "무료 바카라 첫충 30% ☆★ 카톡 abc123",
    "주식 리딩방 수익 보장!!! 지금 바로 입장 ▶ [URL] open·kakao·com",
    "[국외발신] 해외결제 998,000원 승인 본인아닐시 [PHONE]",
    "[Web발신] 택배 배송예정 문의 1588-1255 [URL] cjlogistics·com",
    "\u110f\u110f\u110f \u1112\u1112",
    "ÀÉÎÕÜ café naïve Σίσυφος İstanbul ΣΑΣ",
    "中文字符和한국어 mixed漢字",
    "emoji 😀🎉 ①②③ ™ ½",
    "tab\tnew\nline\u3000wide\u00a0space",
    "[URL] epost·go·kr [EMAIL] [RRN] [CARD] [ACCOUNT]",
    "ㅇㅋ 내일 봐~ 😊",
    "똠방각하 뷁 꿻 힣 가",
    "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121 to receive entry "
    "question(std txt rate)T&C's apply 08452810075over18's and then some more words so that every character "
    "and jamo group holds more distinct n-grams than the sixty-four it may keep: abcdefghijklmnopqrstuvwxyz "
    "0123456789 가나다라마바사아자차카타파하 거너더러머버서어저처커터퍼허 고노도로모보소오조초코토포호",
)
HASH_KEYS: tuple[str, ...] = ("", "a", "c a", "ca", "c카지", "j\u110f\u1161", "c😀", "cİ")


def load_contract(folder: Path = CONTRACT_DIR) -> tuple[WordPieceTokenizer, NgramSpec]:
    """The folder's tokenizer and n-gram rules, read as a phone reads a bundle."""
    return WordPieceTokenizer.from_files(folder / VOCAB_FILE, folder / TOKENIZER_SETTINGS), NgramSpec.from_file(folder / NGRAMS_FILE)


def compute_vectors(folder: Path = CONTRACT_DIR) -> dict[str, Any]:
    """vectors.json as the reference implementation computes it from the folder's vocab and rules."""
    tokenizer, spec = load_contract(folder)
    return {
        "bundle_format": BUNDLE_FORMAT,
        "ngram_contract": NGRAM_CONTRACT,
        "files": {"vocab": VOCAB_FILE, "tokenizer": TOKENIZER_SETTINGS, "ngrams": NGRAMS_FILE},
        "hash": [
            {"key": key, "utf8_hex": key.encode("utf-8").hex(), "fnv1a32": fnv1a32(key.encode("utf-8")), "bucket": fnv1a32(key.encode("utf-8")) % spec.buckets}
            for key in HASH_KEYS
        ],
        "jamo": [
            {"syllable": char, "jamo": [f"U+{ord(part):04X}" for part in decompose_hangul(char)]}
            for char in "가각카캬즤노뷁힣똠"
        ],
        "cases": [
            {
                "text": text,
                "input_ids": tokenizer.encode(text),
                "ngram_ids": {f"{FAMILY_TAGS[family]}{order}": ids for (family, order), ids in zip(spec.groups, spec.group_ids(text), strict=True)},
            }
            for text in VECTOR_TEXTS
        ],
    }


def write_contract_files(folder: Path = CONTRACT_DIR, spec: NgramSpec | None = None) -> None:
    """(Re)write tokenizer.json and ngrams.json next to the committed vocab.txt, then vectors.json."""
    vocab = (folder / VOCAB_FILE).read_text(encoding="utf-8").splitlines()
    # Special tokens ([PAD] ... and the placeholders) come first in a spamloop vocabulary.
    specials: list[str] = []
    for token in vocab:
        if not (len(token) > 2 and token.startswith("[") and token.endswith("]") and token[1:-1].isupper()):
            break
        specials.append(token)
    settings = TokenizerSettings(special_tokens=tuple(specials), max_seq_len=MAX_SEQ_LEN, seq_lengths=SEQ_LENGTHS)
    _write_json(folder / TOKENIZER_SETTINGS, settings.to_json())
    _write_json(folder / NGRAMS_FILE, (spec or NgramSpec()).to_json())
    (folder / VECTORS_FILE).write_text(_one_item_per_line(compute_vectors(folder)), encoding="utf-8")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _one_item_per_line(data: dict[str, Any]) -> str:
    """JSON with each list item (hash check, jamo check, case) on a line of its own: readable and diffable."""
    parts = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list):
            items = ",\n".join("  " + json.dumps(item, ensure_ascii=False, sort_keys=True) for item in value)
            parts.append(f" {json.dumps(key)}: [\n{items}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed vectors instead of writing")
    args = parser.parse_args()
    if args.check:
        committed = json.loads((CONTRACT_DIR / VECTORS_FILE).read_text(encoding="utf-8"))
        if committed != compute_vectors():
            print(f"{CONTRACT_DIR / VECTORS_FILE} differs from the reference implementation", file=sys.stderr)
            return 1
        print("test vectors match")
        return 0
    write_contract_files()
    print(f"wrote {CONTRACT_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

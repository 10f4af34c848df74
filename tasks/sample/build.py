"""Rebuild every generated sample file: ``python -m tasks.sample.build [--out DATA_DIR]``.

Writes, deterministically:
  data/seed/ko_synthetic_sms.tsv   synthetic Korean SMS, generator v2 (label, category, subtype, text)
  data/sample/raw_logs/*           a week of report logs (JSONL, CSV, Parquet)
  data/sample/bad_logs/*           damaged logs + EXPECTED.json
A data test builds into a temporary folder and checks the committed files are identical.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tasks.sample.bad_logs import build_bad_logs
from tasks.sample.raw_logs import build_raw_logs
from tasks.sample.synth_ko_v2 import generate

REPO_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SYNTH_FILE = "ko_synthetic_sms.tsv"
SYNTH_ROWS = 8_000
SYNTH_SPAM_RATIO = 0.5
SYNTH_SEED = 20_261_124
RAW_LOG_SEED = 7
# Real corpora: copied, never generated.
REAL_SEED_FILES = ("uci_sms_spam.tsv", "ko_chatbot_ham.tsv")


def write_synthetic_tsv(path: Path, n: int = SYNTH_ROWS, seed: int = SYNTH_SEED, spam_ratio: float = SYNTH_SPAM_RATIO) -> Path:
    """The bundled synthetic corpus as ``label<TAB>category<TAB>subtype<TAB>text`` (line breaks flattened to spaces)."""
    rows = generate(n, seed=seed, spam_ratio=spam_ratio)
    lines = ["label\tcategory\tsubtype\ttext"] + [f"{r.label}\t{r.category}\t{r.subtype}\t{r.flat_text}" for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(out_data_dir: Path = REPO_DATA_DIR, source_data_dir: Path = REPO_DATA_DIR) -> list[Path]:
    """Write every generated file under ``out_data_dir``; real seed corpora come from ``source_data_dir``."""
    out_data_dir, source_data_dir = Path(out_data_dir), Path(source_data_dir)
    seed_dir = out_data_dir / "seed"
    written = [write_synthetic_tsv(seed_dir / SYNTH_FILE)]
    if out_data_dir.resolve() != source_data_dir.resolve():
        for name in REAL_SEED_FILES:
            shutil.copyfile(source_data_dir / "seed" / name, seed_dir / name)
    for stale in (out_data_dir / "sample" / "raw_logs").glob("reports-*"):
        stale.unlink()
    written += build_raw_logs(seed_dir, out_data_dir / "sample" / "raw_logs", seed=RAW_LOG_SEED)
    written += build_bad_logs(out_data_dir / "sample" / "bad_logs")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_DATA_DIR, help="data folder to write (default: the repo's data/)")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()

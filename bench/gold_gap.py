"""Where a weekly candidate and its TF-IDF baseline part on gold: misses by subtype, and recall at equal false
positives, from a finished retrain's state (no training).

    .venv/bin/python bench/gold_gap.py [--state-dir .spamloop] [--run NAME] [--gold-version v2] [--top 3]

Reads the training result of the latest run under ``<state>/runs/`` (or ``--run``), loads the candidate and the
baseline it was trained beside from that state's MLflow, scores gold as the evaluate stage does (the candidate's
pyfunc on raw text, the baseline on model text) and prints:

* each model at its own dev threshold (what the gates see): missed spam, flagged ham, recall, F1;
* both at the same numbers of flagged gold hams (the baseline's, and 0.5 % / 1 % of gold ham): recall and F1, so a
  gap of ranking is told apart from a gap of threshold;
* missed spam by corpus and subtype at the dev thresholds, with the ``--top`` lowest-scored misses of the candidate
  as it read them (model text);
* per language, spam recall at 0.5 % and 1 % of that language's gold ham flagged;
* with ``--contact-share S ...``: both models at their dev thresholds on gold with a share S of its SMS-like hams
  (Korean synthetic SMS and UCI hams, not the chatbot questions) given one phone-number line that training never
  uses (bench/cv.py's ``HELDOUT_CONTACT_CLAUSES``, a made-up mobile or landline number in the raw text, chosen by a
  hash of the message id): how the beat-the-baseline gate would read if gold's hams gave a number as often as a
  phone's do. Gold v2's hams almost never do (47 of 1,599).

A diagnosis of a run, not a target: nothing is chosen on gold (docs/experiments/2026-12-wide-deep.md sections 11-13).
About a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from bench.cv import with_heldout_contact  # noqa: E402
from models.gold import load_gold  # noqa: E402
from models.normalization import model_text  # noqa: E402
from models.scoring import spam_scores  # noqa: E402
from tasks.evaluate.pipeline import baseline_scores  # noqa: E402

MODELS = ("candidate", "baseline")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=Path(".spamloop"), help="state folder of a finished retrain")
    parser.add_argument("--run", default=None, help="training run folder under <state>/runs/ (default: the latest)")
    parser.add_argument("--gold-version", default="v2")
    parser.add_argument("--top", type=int, default=3, help="lowest-scored candidate misses shown per subtype")
    parser.add_argument(
        "--contact-share", type=float, nargs="+", default=[], metavar="S",
        help="shares of gold's SMS-like hams given a held-out phone-number line (e.g. 0.1 0.2)",
    )
    return parser.parse_args()


def _training_result(state: Path, run: str | None) -> dict:
    runs = sorted((state / "runs").glob("*/training_result.json"), key=lambda p: p.stat().st_mtime)
    if run is not None:
        runs = [p for p in runs if p.parent.name == run]
    if not runs:
        raise SystemExit(f"no training_result.json under {state / 'runs'}{f' for run {run}' if run else ''}: run a retrain first")
    return json.loads(runs[-1].read_text(encoding="utf-8"))


def _recall_f1_at_flagged(scores: np.ndarray, is_spam: np.ndarray, flagged: int) -> tuple[float, float]:
    """Spam recall and F1 with the threshold just above the (flagged+1)-th highest ham score."""
    ham = np.sort(scores[~is_spam])[::-1]
    threshold = np.nextafter(ham[flagged], np.inf) if flagged < len(ham) else -np.inf
    caught = int((scores[is_spam] >= threshold).sum())
    missed = int(is_spam.sum()) - caught
    return caught / int(is_spam.sum()), 2 * caught / (2 * caught + missed + flagged)


SMS_LIKE_HAM_CORPORA = ("ko_synthetic_sms", "uci_sms_spam")


def with_contact_lines(frame: pl.DataFrame, is_spam: np.ndarray, share: float) -> tuple[list[str], int]:
    """Gold's raw texts with ``share`` of the SMS-like hams given one held-out contact clause (a hash of the message
    id picks the hams, the clause and the number), and how many were changed."""
    texts, changed = frame["text"].to_list(), 0
    for i, (message_id, lang, corpus) in enumerate(zip(frame["message_id"].to_list(), frame["lang"].to_list(), frame["corpus"].to_list(), strict=True)):
        digest = int(hashlib.sha256(f"contact-share:{message_id}".encode()).hexdigest(), 16)
        if is_spam[i] or corpus not in SMS_LIKE_HAM_CORPORA or digest % 10_000 >= share * 10_000:
            continue
        number = (f"010-{2000 + digest % 7000}-{digest % 9000 + 1000}" if digest % 3 else f"02-{300 + digest % 600}-{digest % 9000 + 1000}") \
            if lang == "ko" else f"07700 900{digest % 900 + 100}"
        texts[i] = with_heldout_contact(texts[i], lang, message_id).replace("[PHONE]", number)
        changed += 1
    return texts, changed


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    args = _parse_args()
    state = args.state_dir.resolve()
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{state / 'mlflow' / 'mlflow.db'}")
    result = _training_result(state, args.run)
    gold = load_gold(args.gold_version)
    frame = gold.frame
    texts = frame["text"].to_list()
    is_spam = np.asarray(gold.is_spam)
    scores = {
        "candidate": spam_scores(mlflow.pyfunc.load_model(result["model_uri"]), texts, batch_size=256),
        "baseline": baseline_scores(mlflow.pyfunc.load_model(result["baseline_model_uri"]), texts),
    }
    thresholds = {"candidate": float(result["threshold"]), "baseline": float(result["baseline_threshold"])}
    n_spam, n_ham = int(is_spam.sum()), int((~is_spam).sum())
    print(f"run {result['run_name']}; gold {gold.version}: {n_spam} spam, {n_ham} ham\n")

    rows, flagged_by_model = [], {}
    for name in MODELS:
        hit = scores[name] >= thresholds[name]
        missed, flagged = int((~hit & is_spam).sum()), int((hit & ~is_spam).sum())
        flagged_by_model[name] = flagged
        caught = n_spam - missed
        rows.append([name, f"{thresholds[name]:.4f}", missed, flagged, f"{caught / n_spam:.4f}",
                     f"{2 * caught / (2 * caught + missed + flagged):.4f}"])  # fmt: skip
    print("At each model's dev threshold (what the gates see):\n")
    print(_table(["model", "threshold", "spam missed", "ham flagged", "recall", "F1"], rows))

    levels = sorted({flagged_by_model["baseline"], round(0.005 * n_ham), round(0.01 * n_ham)})
    rows = []
    for flagged in levels:
        cells = [flagged]
        for name in MODELS:
            recall, f1 = _recall_f1_at_flagged(scores[name], is_spam, flagged)
            cells += [f"{recall:.4f}", f"{f1:.4f}"]
        rows.append(cells)
    print("\nAt the same number of gold hams flagged (ranking, threshold set aside):\n")
    print(_table(["hams flagged", "candidate recall", "candidate F1", "baseline recall", "baseline F1"], rows))

    scored = frame.with_columns(
        *(pl.Series(name, scores[name]) for name in MODELS),
        *(pl.Series(f"{name}_missed", (scores[name] < thresholds[name]) & is_spam) for name in MODELS),
    )
    spam = scored.filter(pl.col("label") == "spam")
    by_subtype = (
        spam.group_by("corpus", "subtype")
        .agg(pl.len().alias("spam"), pl.col("candidate_missed").sum(), pl.col("baseline_missed").sum())
        .filter((pl.col("candidate_missed") + pl.col("baseline_missed")) > 0)
        .sort(["candidate_missed", "baseline_missed"], descending=True)
    )
    print("\nMissed spam by subtype (dev thresholds):\n")
    print(_table(["corpus", "subtype", "spam", "candidate missed", "baseline missed"], [list(r) for r in by_subtype.iter_rows()]))
    print(f"\nLowest-scored candidate misses ({args.top} per subtype, as the models read them):\n")
    rows = []
    for corpus, subtype, *_ in by_subtype.iter_rows():
        misses = spam.filter(
            (pl.col("corpus") == corpus) & pl.col("subtype").eq_missing(subtype) & pl.col("candidate_missed")
        ).sort("candidate")
        for row in misses.head(args.top).iter_rows(named=True):
            shown = model_text(row["text"]).replace("|", "/")
            rows.append([subtype or corpus, f"{row['candidate']:.4f}", f"{row['baseline']:.3f}", shown[:110]])
    print(_table(["subtype", "candidate", "baseline", "model text"], rows))

    rows = []
    langs = frame["lang"].to_numpy()
    for lang in sorted(set(langs.tolist())):
        in_lang = langs == lang
        lang_spam, lang_ham = is_spam & in_lang, ~is_spam & in_lang
        if not lang_spam.any() or lang_ham.sum() < 100:
            continue
        cells = [lang, int(lang_spam.sum()), int(lang_ham.sum())]
        for share in (0.005, 0.01):
            for name in MODELS:
                ham = np.sort(scores[name][lang_ham])[::-1]
                threshold = np.nextafter(ham[int(share * len(ham))], np.inf)
                cells.append(f"{(scores[name][lang_spam] >= threshold).mean():.4f}")
        rows.append(cells)
    print("\nPer language, spam recall at 0.5 % / 1 % of that language's gold ham flagged:\n")
    print(_table(["lang", "spam", "ham", "candidate @0.5%", "baseline @0.5%", "candidate @1%", "baseline @1%"], rows))
    if args.contact_share:
        _print_contact_shares(args.contact_share, frame, is_spam, thresholds, result)
    return 0


def _print_contact_shares(shares: list[float], frame: pl.DataFrame, is_spam: np.ndarray, thresholds: dict, result: dict) -> None:
    import mlflow

    candidate = mlflow.pyfunc.load_model(result["model_uri"])
    baseline = mlflow.pyfunc.load_model(result["baseline_model_uri"])
    rows = []
    for share in sorted({0.0, *shares}):
        texts, changed = with_contact_lines(frame, is_spam, share)
        scores = {"candidate": spam_scores(candidate, texts, batch_size=256), "baseline": baseline_scores(baseline, texts)}
        cells, f1s = [share, changed], []
        for name in MODELS:
            hit = scores[name] >= thresholds[name]
            tp, fp, fn = int((hit & is_spam).sum()), int((hit & ~is_spam).sum()), int((~hit & is_spam).sum())
            f1s.append(2 * tp / (2 * tp + fp + fn))
            cells += [fp, fn, f"{f1s[-1]:.4f}"]
        rows.append([*cells, f"{f1s[0] - f1s[1]:+.4f}"])
    print("\nWith a share of gold's SMS-like hams giving a phone number (held-out clauses; dev thresholds):\n")
    print(_table(["share", "hams changed", "candidate FP", "candidate FN", "candidate F1", "baseline FP", "baseline FN",
                  "baseline F1", "Δ F1 (candidate − baseline)"], rows))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())

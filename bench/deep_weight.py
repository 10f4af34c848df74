"""The encoder's weight in the served logit (``deep_logit_weight``): wide + w x deep for several w, from one training
per fold and seed (the weight is applied when serving only, so every w shares the same trained model).

    .venv/bin/python bench/deep_weight.py [--split subtype|template] [--folds 3] [--only-folds 0]
        [--sample-campaigns 0.5] [--seeds 13 14 15] [--weights 0 0.25 0.5 0.75 1] [--threads 1] [--set KEY=VALUE ...]

Per fold and seed the wide & deep recipe is trained exactly as ``bench/cv.py`` trains it (``build_encoder`` +
``fit_encoder`` on the fold's train rows less the seed's dev split, ``--set`` overrides applied), then each half's
logit is read on the dev rows, the test rows and the test hams with a held-out contact clause
(``bench/cv.py``'s ``HELDOUT_CONTACT_CLAUSES``). For each weight it prints, mean over the seeds (lowest-highest seed
for recall at 0.1 %): bench/cv.py's ranking figures on all rows, Korean and the real rows; and at the dev threshold
(``train.target_ham_fpr``) the operating F1, ham FPR and the share of contact hams flagged (English / Korean).
At weight 0 the served model is the frozen wide start alone. The Trainer keeps the checkpoint with the best dev
figures of the model as configured (``deep_logit_weight``, default 0.5; ``--set deep_logit_weight=1`` for the full
margin), so the row of that weight is the recipe as trained, and the other rows are the same training served at w.
About 3-4 minutes per fold and seed on one thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.cv import RANKING, SCOPES, _scored_frame, make_folds, ranking_figures, with_heldout_contact  # noqa: E402
from models import encoder  # noqa: E402
from models.metrics import choose_threshold  # noqa: E402
from spamloop.overrides import parse_overrides  # noqa: E402
from spamloop.settings.evaluate import EvaluateConfig  # noqa: E402
from spamloop.settings.train import TrainConfig  # noqa: E402
from tasks.train.encoder_training import configure_cpu_threads  # noqa: E402
from tasks.train.pipeline import build_encoder, fit_encoder  # noqa: E402
from tasks.train.splits import SPLIT_DEV, assign_splits  # noqa: E402

OPERATING = ("f1", "ham_fpr", "contact_en", "contact_ko")


@torch.inference_mode()
def half_logits(model, tokenizer, texts: list[str], max_seq_len: int, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(wide logit, deep margin) per text, each half on its own."""
    model.eval()
    wide, deep = [], []
    for start in range(0, len(texts), batch_size):
        inputs = encoder.model_inputs(model, tokenizer, texts[start : start + batch_size], max_seq_len)
        wide.append(model.wide(inputs["ngram_ids"], inputs["ngram_mask"]).float().numpy())
        logits = model.deep(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits.float().numpy()
        deep.append(logits[:, 1] - logits[:, 0])
    if not wide:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(wide).astype(np.float64), np.concatenate(deep).astype(np.float64)


def weight_figures(halves: dict, weight: float, target: float) -> dict[str, float]:
    """Ranking and operating figures of wide + weight x deep for one fold and seed."""
    served = {part: halves[part][0] + weight * halves[part][1] for part in ("dev", "test", "contact")}
    truth, langs, real = halves["test_truth"], halves["test_langs"], halves["test_real"]
    figures: dict[str, float] = {}
    for scope, rows in (("all", np.ones(len(truth), bool)), ("ko", langs == "ko"), ("real", real)):
        for name, value in ranking_figures(truth[rows], served["test"][rows]).items():
            figures[f"{scope} {name}"] = value
    threshold = choose_threshold(served["dev"], halves["dev_truth"], target).threshold
    flagged = served["test"] >= threshold
    caught, missed, false = (flagged & truth).sum(), (~flagged & truth).sum(), (flagged & ~truth).sum()
    contact_flagged, contact_langs = served["contact"] >= threshold, halves["contact_langs"]
    figures.update({
        "f1": float(2 * caught / (2 * caught + missed + false)), "ham_fpr": float(false / max(1, (~truth).sum())),
        "contact_en": float(contact_flagged[contact_langs != "ko"].mean()), "contact_ko": float(contact_flagged[contact_langs == "ko"].mean()),
    })
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("template", "subtype"), default="subtype")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--only-folds", type=int, nargs="+", default=[0])
    parser.add_argument("--sample-campaigns", type=float, default=0.5, help="share of campaigns kept (bench/cv.py's)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 14, 15])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--gold-version", default=EvaluateConfig().gold_version)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="TrainConfig KEY=VALUE; repeatable")
    args = parser.parse_args()
    if any(not 0.0 <= weight <= 1.0 for weight in args.weights):
        raise SystemExit("--weights must lie in [0, 1] (deep_logit_weight's range)")
    configure_cpu_threads(args.threads)
    config = TrainConfig(**parse_overrides(args.overrides)).model_copy(update={"architecture": "wide_deep"})
    if not (config.wide and config.deep):
        raise SystemExit("the deep weight needs both halves (a wide & deep model)")
    frame = _scored_frame("all", args.gold_version, args.sample_campaigns)
    texts, ids = frame["text_model"].to_list(), frame["message_id"].to_list()
    truth, langs, real = (frame["label"] == "spam").to_numpy(), frame["lang"].to_numpy(), ~frame["is_synthetic"].to_numpy()
    folds = make_folds(frame, args.split, args.folds)
    print(f"{len(texts)} messages ({truth.sum()} spam), {args.split}-held-out folds {args.only_folds} of {args.folds}, seeds {args.seeds}, "
          f"overrides {args.overrides or 'none'}", flush=True)
    cells: dict[float, dict[str, list[float]]] = {weight: {} for weight in args.weights}
    for seed in args.seeds:
        per_seed: dict[float, dict[str, list[float]]] = {weight: {} for weight in args.weights}
        for fold in args.only_folds:
            started = time.perf_counter()
            train_rows, test_rows = folds[fold]
            to_dev = (assign_splits(frame[train_rows.tolist()], config.dev_fraction, seed)["split"] == SPLIT_DEV).to_numpy()
            fit_rows, dev_rows = train_rows[~to_dev], train_rows[to_dev]
            fit_texts = [texts[i] for i in fit_rows]
            test_hams = test_rows[~truth[test_rows]]
            with tempfile.TemporaryDirectory() as work:
                model, tokenizer = build_encoder(config, fit_texts, Path(work) / "tokenizer", seed)
                fit_encoder(
                    model, tokenizer, config, seed, (fit_texts, truth[fit_rows], langs[fit_rows].tolist()),
                    ([texts[i] for i in dev_rows], truth[dev_rows], langs[dev_rows].tolist()), Path(work) / "checkpoints",
                    resume=False, train_ids=[ids[i] for i in fit_rows],
                )
                halves = {
                    "dev": half_logits(model, tokenizer, [texts[i] for i in dev_rows], config.max_seq_len),
                    "test": half_logits(model, tokenizer, [texts[i] for i in test_rows], config.max_seq_len),
                    "contact": half_logits(
                        model, tokenizer, [with_heldout_contact(texts[i], langs[i], ids[i]) for i in test_hams], config.max_seq_len
                    ),
                    "dev_truth": truth[dev_rows], "test_truth": truth[test_rows], "test_langs": langs[test_rows],
                    "test_real": real[test_rows], "contact_langs": langs[test_hams],
                }
            for weight in args.weights:
                for cell, value in weight_figures(halves, weight, config.target_ham_fpr).items():
                    per_seed[weight].setdefault(cell, []).append(value)
            print(f"seed {seed} fold {fold}: trained and scored in {time.perf_counter() - started:.0f} s", flush=True)
        for weight in args.weights:  # folds pooled by their mean within a seed, so the spread is the seeds'
            for cell, values in per_seed[weight].items():
                cells[weight].setdefault(cell, []).append(float(np.nanmean(values)))

    columns = [f"{scope} {name}" for scope in SCOPES for name in RANKING] + list(OPERATING)
    print(f"\n### wide + w x deep, {args.split}-held-out folds {args.only_folds}: mean over seeds {args.seeds} (lowest-highest seed)\n")
    print("| w | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for weight in args.weights:
        row = []
        for column in columns:
            values = np.asarray(cells[weight][column], dtype=float)
            spread = f" ({np.nanmin(values):.3f}-{np.nanmax(values):.3f})" if "recall@0.1%" in column and len(values) > 1 else ""
            row.append(f"{np.nanmean(values):.4f}{spread}")
        print(f"| {weight:g} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The wide start alone: its logistic regression under different n-gram settings, on bench/cv.py's folds, in about a
minute per arm (no encoder is trained).

    .venv/bin/python bench/wide_start.py [--split subtype|template] [--folds 3] [--sample-campaigns 0.5] [--seed 13]
        [--arm "NAME [KEY=VALUE ...]" ...] [--gold-version v2]

Each ``--arm`` is a name and TrainConfig overrides (``"no_jamo jamo_orders=[] char_orders=[1,2,3,4,5]"``); the
default arms are the current settings and the TF-IDF baseline (``baseline``, which takes no overrides). Per fold,
the regression is fitted exactly as training fits the wide start (``fit_linear_wide`` on the rows as the first
epochs' augmentation draws them, ``augmented_draws``), on the fold's train rows less the seed's dev split; the
threshold for the operating cells is the dev one at ``train.target_ham_fpr``. Printed, mean over folds (lowest and
highest fold): PR-AUC and recall at 0.1 % / 0.5 % ham FPR on all rows, Korean and the real rows (threshold on the
fold's own test hams), and at the dev threshold the spam recall, the ham FPR and the test hams flagged once a
held-out contact clause with a phone number is added (bench/cv.py's ``HELDOUT_CONTACT_CLAUSES``).

It screens the linear half only: what the encoder beside it adds is bench/cv.py's to measure (docs/training.md).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.cv import RANKING, SCOPES, _scored_frame, make_folds, ranking_figures, with_heldout_contact  # noqa: E402
from models.metrics import choose_threshold  # noqa: E402
from spamloop.overrides import parse_overrides  # noqa: E402
from spamloop.settings.evaluate import EvaluateConfig  # noqa: E402
from spamloop.settings.train import TrainConfig  # noqa: E402
from tasks.train.augmentation import row_keys  # noqa: E402
from tasks.train.baseline import baseline_spam_proba, fit_baseline  # noqa: E402
from tasks.train.pipeline import (  # noqa: E402
    WIDE_START_DRAWS,
    augmented_draws,
    ngram_spec_for,
    train_augmentation,
    wide_start_group_scales,
)
from tasks.train.splits import SPLIT_DEV, assign_splits, oversample_indices  # noqa: E402
from tasks.train.wide_start import fit_linear_wide, hashed_ngram_matrix  # noqa: E402

BASELINE = "baseline"
OPERATING = ("recall", "ham_fpr", "contact_en", "contact_ko")


def parse_arm(text: str) -> tuple[str, TrainConfig | None]:
    """``"NAME KEY=VALUE ..."`` -> (name, settings); ``baseline`` -> (baseline, None)."""
    name, *assignments = shlex.split(text)
    if name == BASELINE:
        if assignments:
            raise SystemExit("--arm baseline takes no overrides (it is the train stage's TF-IDF baseline)")
        return name, None
    return name, TrainConfig(**parse_overrides(assignments))


def linear_start_scorer(config: TrainConfig, fit_texts: list[str], fit_labels: list[int], fit_langs: list[str], fit_ids: list[str], seed: int):
    """The wide start as ``fit_encoder`` fits it (language oversampling, augmentation draws); returns a function from
    model texts to margins."""
    rows = oversample_indices(fit_langs, config.max_language_oversample)
    texts, labels = [fit_texts[i] for i in rows], [fit_labels[i] for i in rows]
    augmentation = train_augmentation(config, seed)
    if augmentation.enabled:
        texts, labels = augmented_draws(augmentation, row_keys([fit_ids[i] for i in rows]), texts, labels, WIDE_START_DRAWS)
    spec = ngram_spec_for(config)
    weights, intercept = fit_linear_wide(
        spec, texts, labels, config.wide_pooling, config.wide_start_c, seed, wide_start_group_scales(spec, config)
    )
    scales = wide_start_group_scales(spec, config)
    return lambda batch: hashed_ngram_matrix(spec, batch, config.wide_pooling, scales) @ weights.astype(np.float64) + intercept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("template", "subtype"), default="subtype")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--sample-campaigns", type=float, default=0.5, help="share of campaigns kept (bench/cv.py's)")
    parser.add_argument("--seed", type=int, default=13, help="dev split and augmentation draws")
    parser.add_argument("--gold-version", default=EvaluateConfig().gold_version)
    parser.add_argument("--arm", action="append", default=None, help='"NAME [KEY=VALUE ...]"; repeatable')
    args = parser.parse_args()
    arms = [parse_arm(text) for text in (args.arm or ["current", BASELINE])]
    frame = _scored_frame("all", args.gold_version, args.sample_campaigns)
    texts, ids = frame["text_model"].to_list(), frame["message_id"].to_list()
    truth, langs, real = (frame["label"] == "spam").to_numpy(), frame["lang"].to_numpy(), ~frame["is_synthetic"].to_numpy()
    scope_rows = {"all": np.ones(len(texts), bool), "ko": langs == "ko", "real": real}
    defaults = TrainConfig()
    print(f"{len(texts)} messages ({truth.sum()} spam), {args.folds} {args.split}-held-out folds, seed {args.seed}")
    cells: dict[str, dict[str, list[float]]] = {name: {} for name, _ in arms}
    for fold, (train_rows, test_rows) in enumerate(make_folds(frame, args.split, args.folds)):
        to_dev = (assign_splits(frame[train_rows.tolist()], defaults.dev_fraction, args.seed)["split"] == SPLIT_DEV).to_numpy()
        fit_rows, dev_rows = train_rows[~to_dev], train_rows[to_dev]
        fit_texts = [texts[i] for i in fit_rows]
        test_hams = test_rows[~truth[test_rows]]
        contact_texts = [with_heldout_contact(texts[i], langs[i], ids[i]) for i in test_hams]
        for name, config in arms:
            started = time.perf_counter()
            if config is None:
                baseline = fit_baseline(fit_texts, truth[fit_rows], defaults.baseline_ngram_range, defaults.baseline_c, args.seed)
                score = lambda batch, fitted=baseline: baseline_spam_proba(fitted, batch)  # noqa: E731
                target = defaults.target_ham_fpr
            else:
                score = linear_start_scorer(
                    config, fit_texts, truth[fit_rows].astype(int).tolist(), langs[fit_rows].tolist(), [ids[i] for i in fit_rows], args.seed
                )
                target = config.target_ham_fpr
            dev_scores, test_scores = score([texts[i] for i in dev_rows]), score([texts[i] for i in test_rows])
            contact_scores = score(contact_texts)
            threshold = choose_threshold(dev_scores, truth[dev_rows], target).threshold
            fold_cells = {}
            for scope in SCOPES:
                rows = scope_rows[scope][test_rows]
                for figure, value in ranking_figures(truth[test_rows][rows], test_scores[rows]).items():
                    fold_cells[f"{scope} {figure}"] = value
            flagged, spam = test_scores >= threshold, truth[test_rows]
            contact_langs = langs[test_hams]
            fold_cells.update({
                "recall": float(flagged[spam].mean()), "ham_fpr": float(flagged[~spam].mean()),
                "contact_en": float((contact_scores[contact_langs == "en"] >= threshold).mean()),
                "contact_ko": float((contact_scores[contact_langs == "ko"] >= threshold).mean()),
            })
            for cell, value in fold_cells.items():
                cells[name].setdefault(cell, []).append(value)
            print(f"fold {fold} {name}: ko R@0.1% {fold_cells['ko recall@0.1%']:.3f}, contact hams flagged "
                  f"{fold_cells['contact_en']:.3f} / {fold_cells['contact_ko']:.3f} ({time.perf_counter() - started:.0f} s)", flush=True)

    columns = [f"{scope} {figure}" for scope in SCOPES for figure in RANKING] + list(OPERATING)
    print(f"\n### Wide start alone, {args.split}-held-out folds (mean over {args.folds} folds, lowest-highest fold)\n")
    print("| arm | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, _ in arms:
        row = []
        for column in columns:
            values = np.asarray(cells[name][column], dtype=float)
            row.append(f"{np.nanmean(values):.4f} ({np.nanmin(values):.3f}-{np.nanmax(values):.3f})")
        print(f"| {name} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

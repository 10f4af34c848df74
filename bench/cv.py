"""Cross-validation on unseen templates or spam subtypes: wide, deep and wide & deep against the TF-IDF baseline.

    .venv/bin/python bench/cv.py [--models wide_deep,deep,wide,baseline] [--seeds 13 14 15] [--lang all|en|ko]
                                 [--folds 3] [--only-folds 0 ...] [--split template|subtype] [--gold-version v2]
                                 [--sample-campaigns 1.0]
    .venv/bin/python bench/cv.py --merge-json seed13.json seed14.json ...   # one table from runs of one seed each
                                 [--target-ham-fpr 0.005] [--set key=value ...] [--threads N] [--json-out F]

One gold run cannot tell training recipes apart: a few messages move a gate. This scores every training-eligible row
of the bundled corpus out of fold instead: the rows a weekly retrain trains on (the seed corpora without the gold
set, ``evaluate.gold_version`` by default, and without every row sharing a gold campaign or template). Folds
(``--split``):
* ``template`` (default): grouped by campaign key (``tasks/train/splits.py::with_campaign_key``: fill-ins of one
  template share a fold), so each fold tests templates the models never saw, as new campaigns and new senders'
  notices are in a real week;
* ``subtype``: whole synthetic spam subtypes held out (``tasks/sample/subtype_folds.py``, as ``bench/korean.py``
  does: a fold trains on no message of its spam subtypes; ham and the real rows split by campaign key), the new
  kind of scam of a real week.
The folds are the same for every model and seed. Each fold runs the
training stage's own recipe (``build_encoder`` + ``fit_encoder``): a template-whole dev split (``assign_splits``
with the seed), language oversampling, distillation, the checkpoint and every model's threshold picked on that dev
split at ``--target-ham-fpr``. ``--models`` names architectures (``TrainConfig.architecture``) and ``baseline``;
the seed moves the dev split and the initial weights.

Two tables:
* **ranking** (threshold-free), per scope (all rows; Korean; the real rows: UCI English spam and ham, Korean chatbot
  ham): PR-AUC, and spam recall at a ham FPR of 0.1 % and 0.5 % with the threshold put on that fold's own test
  hams of that scope (the same rule for every model). Each figure is the mean over folds; the cell shows the mean
  over seeds and, in brackets, the lowest and highest seed.
* **operating point**: F1 and ham FPR at each model's dev-chosen threshold, pooled over folds (what the gates see),
  English, Korean, the real rows and the transactional hams (OTP, card, delivery, appointment, bank, bill); mean over
  seeds. ``contact_*_ham_fpr``: the same test hams, each with one contact clause holding a phone number ("new
  number, it's [PHONE]", "[PHONE]로 전화 부탁드립니다") drawn from ``HELDOUT_CONTACT_CLAUSES``, phrasings that training
  augmentation (``tasks/train/contact_clauses.py``) never uses: does a number alone make ham look like spam?
  Each model has a second operating row, ``@every-language threshold``: the same scores at the threshold of
  ``models.metrics.choose_threshold_every_language`` (dev ham FPR at the target pooled and in each language with
  enough dev hams), against the pooled rule of ``choose_threshold``.

``--lang all`` with 3 folds takes about 9 minutes per encoder and seed on 2 cores (wide alone about 1).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from sklearn.metrics import average_precision_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from models import encoder  # noqa: E402
from models.gold import drop_gold_overlap, load_gold  # noqa: E402
from models.categories import CATEGORY_GROUP_BY_CATEGORY  # noqa: E402
from models.metrics import choose_threshold, choose_threshold_every_language, choose_thresholds_by_language  # noqa: E402
from spamloop.overrides import parse_overrides  # noqa: E402
from spamloop.settings.evaluate import EvaluateConfig  # noqa: E402
from spamloop.settings.train import TrainConfig  # noqa: E402
from tasks.sample.subtype_folds import subtype_holdout_folds  # noqa: E402
from tasks.train.baseline import baseline_spam_proba, fit_baseline  # noqa: E402
from tasks.train.dataset import load_seed_frame, training_set_from_seed  # noqa: E402
from tasks.train.encoder_training import configure_cpu_threads  # noqa: E402
from tasks.train.pipeline import build_encoder, fit_encoder  # noqa: E402
from tasks.train.splits import SPLIT_DEV, assign_splits, with_campaign_key  # noqa: E402

ARCHITECTURES = ("wide_deep", "deep", "wide")
BASELINE = "baseline"
WIDE_ALONE_LEARNING_RATE = 1e-2  # the `wide` arm fine-tunes its logistic start when the wide & deep default freezes it
FOLD_SEED = 7  # the folds stay fixed across seeds and models
RECALL_AT_FPR = (0.001, 0.005)
SCOPES = ("all", "ko", "real")
RANKING = ("pr_auc", *(f"recall@{fpr:.1%}" for fpr in RECALL_AT_FPR))

# Contact clauses for test hams, disjoint from the training ones (tasks/train/contact_clauses.py; a test checks).
HELDOUT_CONTACT_CLAUSES: dict[str, tuple[str, ...]] = {
    "en": (
        "if you need me I'm on [PHONE]", "new number, it's [PHONE]", "phone me on [PHONE] after 6", "here's Sam's number [PHONE]",
        "the taxi firm is [PHONE]", "contact the vet on [PHONE]", "my landline is [PHONE]", "buzz me at [PHONE] when you're outside",
    ),
    "ko": (
        "내 새 번호는 [PHONE]이야", "[PHONE]로 전화 부탁드립니다", "집 전화 [PHONE]", "궁금한 점은 [PHONE]로 문의해 주세요",
        "[PHONE] 여기로 전화해봐", "학원 번호 [PHONE]", "민원실 [PHONE]", "퇴근하면 [PHONE]로 전화할게",
    ),
}


def _check_contact_clauses_held_out() -> None:
    from tasks.train.contact_clauses import CONTACT_CLAUSES

    for lang, clauses in HELDOUT_CONTACT_CLAUSES.items():
        shared = set(clauses) & set(CONTACT_CLAUSES[lang])
        if shared:
            raise SystemExit(f"bench contact clauses also used in training ({lang}): {sorted(shared)}")


def with_heldout_contact(text: str, lang: str, key: str) -> str:
    """``text`` with one held-out contact clause of its language appended, chosen by a hash of ``key``."""
    clauses = HELDOUT_CONTACT_CLAUSES["ko" if lang == "ko" else "en"]
    return f"{text} {clauses[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(clauses)]}"


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="wide_deep,deep,wide,baseline", help="comma-separated: architectures and baseline")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13], help="training seeds (dev split + initial weights)")
    parser.add_argument("--lang", choices=("all", "en", "ko"), default="all", help="rows scored (and trained on)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--only-folds", type=int, nargs="+", default=None, help="run only these folds (quick looks; not comparable to all folds)")
    parser.add_argument("--split", choices=("template", "subtype"), default="template", help="fold by template (campaign key) or hold out spam subtypes")
    parser.add_argument(
        "--sample-campaigns", type=float, default=1.0, metavar="FRACTION",
        help="keep this share of campaigns (by a hash of the campaign key: the same rows for every model, seed and run) to fit a shared machine; 1 keeps all",
    )
    parser.add_argument(
        "--without-corpus", action="append", default=[], metavar="NAME",
        help="leave out this seed corpus (file stem, e.g. en_synthetic_sms); repeatable",
    )
    parser.add_argument(
        "--train-only-corpus", action="append", default=[], metavar="NAME",
        help="this corpus's rows join every fold's training and are never tested: the folds (test rows) stay those of "
        "--without-corpus NAME, so the two runs measure what the corpus adds; repeatable",
    )
    parser.add_argument("--gold-version", default=EvaluateConfig().gold_version, help="gold set removed from the scored rows (default evaluate.gold_version)")
    parser.add_argument("--target-ham-fpr", type=float, default=None, help="dev ham FPR of the thresholds (default: train.target_ham_fpr)")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="TrainConfig field to change (YAML value), e.g. --set ngram_dim=16; repeatable; applies to every encoder.",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    parser.add_argument("--json-out", type=Path, default=None, help="write every fold's figures here")
    parser.add_argument(
        "--merge-json", type=Path, nargs="+", default=None, metavar="FILE",
        help="print the tables of earlier --json-out files as one run (same settings, different seeds) and exit",
    )
    parser.add_argument("--scores-out", type=Path, default=None, help="write every test row's score here (parquet)")
    args = parser.parse_args()
    args.models = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = set(args.models) - {*ARCHITECTURES, BASELINE}
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {[*ARCHITECTURES, BASELINE]}")
    return args


def _scored_frame(lang: str, gold_version: str, sample_campaigns: float = 1.0) -> pl.DataFrame:
    """Training-eligible corpus rows, as ``load_training_data`` makes them without a snapshot (gold and its campaigns
    and templates removed), with campaign key, corpus category and synthetic subtype; ``sample_campaigns`` < 1 keeps
    the campaigns whose key hashes below that share (whole campaigns, so the folds stay template-grouped)."""
    seed_frame = load_seed_frame()
    frame = drop_gold_overlap(training_set_from_seed(seed_frame), load_gold(gold_version))
    frame = with_campaign_key(frame).join(seed_frame.select("message_id", "category", "subtype", "corpus"), on="message_id", how="left")
    if sample_campaigns < 1.0:
        keep = [
            int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64 < sample_campaigns
            for key in frame["campaign_key"].to_list()
        ]
        frame = frame.filter(pl.Series(keep, dtype=pl.Boolean))
    return frame if lang == "all" else frame.filter(pl.col("lang") == lang)


def make_folds(
    frame: pl.DataFrame, split: str, n_folds: int, train_only_corpora: Sequence[str] = ()
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train_rows, test_rows) per fold, fixed by FOLD_SEED: template-grouped, or spam subtypes held out. Rows of
    ``train_only_corpora`` join every fold's training; the folds are made without them."""
    extra = frame["corpus"].is_in(list(train_only_corpora)).to_numpy()
    if extra.any():
        base = np.flatnonzero(~extra)
        return [
            (np.concatenate([base[train], np.flatnonzero(extra)]), base[test])
            for train, test in make_folds(frame.filter(pl.Series(~extra)), split, n_folds)
        ]
    truth = (frame["label"] == "spam").to_numpy()
    keys = frame["campaign_key"].to_list()
    if split == "subtype":
        spam_subtypes = [sub if spam else None for sub, spam in zip(frame["subtype"].to_list(), truth, strict=True)]
        return subtype_holdout_folds(spam_subtypes, frame["category"].to_list(), keys, n_folds, FOLD_SEED)
    strata = [f"{lang}-{int(spam)}" for lang, spam in zip(frame["lang"].to_list(), truth, strict=True)]
    return list(StratifiedGroupKFold(n_folds, shuffle=True, random_state=FOLD_SEED).split(keys, strata, keys))


def ranking_figures(truth: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """PR-AUC and spam recall at each ham FPR of RECALL_AT_FPR (threshold on these very hams); NaN without both classes."""
    if truth.all() or not truth.any():
        return {name: float("nan") for name in RANKING}
    figures = {"pr_auc": float(average_precision_score(truth, scores))}
    for fpr, name in zip(RECALL_AT_FPR, RANKING[1:], strict=True):
        figures[name] = float(choose_threshold(scores, truth, fpr).dev_spam_recall)
    return figures


EVERY_LANGUAGE = " @every-language threshold"
PER_LANGUAGE = " @per-language thresholds"


def _operating_cells(
    truth: np.ndarray, flagged: np.ndarray, langs: np.ndarray, transactional: np.ndarray, real: np.ndarray, contact_flagged: np.ndarray,
) -> dict[str, float]:
    def f1(rows: np.ndarray) -> float:
        return float(f1_score(truth[rows], flagged[rows])) if truth[rows].any() else float("nan")

    def recall(rows: np.ndarray) -> float:
        spam = rows & truth
        return float((flagged & spam).sum() / spam.sum()) if spam.any() else float("nan")

    def fpr(rows: np.ndarray) -> float:
        ham = rows & ~truth
        return float((flagged & ham).sum() / ham.sum()) if ham.any() else float("nan")

    everything = np.ones_like(truth)
    return {
        "f1": f1(everything), "ham_fpr": fpr(everything), "en_f1": f1(langs == "en"), "ko_f1": f1(langs == "ko"),
        "en_ham_fpr": fpr(langs == "en"), "ko_ham_fpr": fpr(langs == "ko"), "en_spam_recall": recall(langs == "en"), "real_f1": f1(real), "real_ham_fpr": fpr(real),
        "transactional_ham_fpr": fpr(transactional),
        "contact_en_ham_fpr": float((contact_flagged & ~truth & (langs == "en")).sum() / max(1, (~truth & (langs == "en")).sum())),
        "contact_ko_ham_fpr": float((contact_flagged & ~truth & (langs == "ko")).sum() / max(1, (~truth & (langs == "ko")).sum())),
    }


def _spread(values: list[float], pattern: str) -> str:
    finite = [value for value in values if np.isfinite(value)]
    if not finite:
        return "–"
    mean = format(float(np.mean(finite)), pattern)
    if len(finite) == 1:
        return mean
    return f"{mean} ({format(min(finite), pattern)}–{format(max(finite), pattern)})"


def print_tables(
    ranking: dict[str, dict[str, dict[str, list[float]]]], operating: dict[str, dict[str, list[float]]], models: list[str],
    n_seeds: int, target: float, split: str,
) -> None:
    seeds = f"{n_seeds} seed{'s' if n_seeds > 1 else ''}"
    unseen = "templates" if split == "template" else "spam subtypes"
    print(f"\nRanking on unseen {unseen} (mean over folds; mean over {seeds} (lowest–highest seed)):\n")
    header = "| model | " + " | ".join(f"{scope} {figure}" for scope in SCOPES for figure in RANKING) + " |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for name in models:
        cells = [_spread(ranking[name][scope][figure], ".4f") for scope in SCOPES for figure in RANKING]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nOperating point (each model's dev threshold at ham FPR {target}; pooled over folds; mean over {seeds}):\n")
    columns = list(next(iter(operating.values())).keys()) if operating else []
    print("| model | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name in operating:  # each model, then each model at the every-language threshold
        print(f"| {name} | " + " | ".join(_spread(operating[name][cell], ".4f") for cell in columns) + " |")


# Arguments that must agree for --merge-json to pool runs (seeds and output paths may differ).
MERGE_KEYS = ("models", "lang", "folds", "only_folds", "split", "gold_version", "sample_campaigns", "overrides")


def merge_runs(paths: list[Path]) -> int:
    """Print the tables of several --json-out files as one run (e.g. one process per seed on a shared machine)."""
    runs = [json.loads(path.read_text()) for path in paths]
    for run in runs:  # files written before the resolved target was recorded hold the argument (None: the default)
        run.setdefault("target_ham_fpr", run["args"].get("target_ham_fpr") or TrainConfig().target_ham_fpr)
    first = runs[0]
    for path, run in zip(paths[1:], runs[1:], strict=True):
        differing = [key for key in MERGE_KEYS if run["args"].get(key) != first["args"].get(key)] + (
            ["target_ham_fpr"] if run["target_ham_fpr"] != first["target_ham_fpr"] else []
        )
        if differing:
            print(f"{path} differs from {paths[0]} in {differing}; not merged", file=sys.stderr)
            return 1
    models = first["args"]["models"]
    ranking = {name: {scope: {figure: [v for run in runs for v in run["ranking"][name][scope][figure]] for figure in RANKING}
                      for scope in SCOPES} for name in models}
    operating = {name: {cell: [v for run in runs for v in run["operating"][name][cell]] for cell in first["operating"][name]}
                 for name in first["operating"]}
    seeds = [seed for run in runs for seed in run["args"]["seeds"]]
    print(f"merged {len(paths)} runs: seeds {seeds}; " + ", ".join(f"{key} {first['args'].get(key)}" for key in MERGE_KEYS))
    print_tables(ranking, operating, models, len(seeds), first["target_ham_fpr"], first["args"].get("split", "template"))
    return 0


def main() -> int:
    args = _parse_args()
    if args.merge_json:
        return merge_runs(args.merge_json)
    _check_contact_clauses_held_out()
    configure_cpu_threads(args.threads)
    config = TrainConfig(**parse_overrides(args.overrides))
    target = config.target_ham_fpr if args.target_ham_fpr is None else args.target_ham_fpr
    frame = _scored_frame(args.lang, args.gold_version, args.sample_campaigns)
    frame = frame.filter(~pl.col("corpus").is_in(args.without_corpus))
    texts = frame["text_model"].to_list()
    truth = (frame["label"] == "spam").to_numpy()
    langs = frame["lang"].to_numpy()
    transactional = np.array(
        [CATEGORY_GROUP_BY_CATEGORY.get(category or "") == "transactional" for category in frame["category"].to_list()]
    )
    real = ~frame["is_synthetic"].to_numpy()
    message_ids = frame["message_id"].to_list()
    scope_rows = {"all": np.ones(len(texts), bool), "ko": langs == "ko", "real": real}
    folds = make_folds(frame, args.split, args.folds, args.train_only_corpus)
    print(
        f"{len(texts)} messages outside gold {args.gold_version}"
        f"{f' ({args.sample_campaigns:.0%} of campaigns)' if args.sample_campaigns < 1 else ''} ({truth.sum()} spam, {real.sum()} real, "
        f"{transactional.sum()} transactional ham), {args.folds} {args.split}-held-out folds"
        f"{f' (only {args.only_folds})' if args.only_folds is not None else ''}, seeds {args.seeds}, models {args.models}; "
        f"thresholds at dev ham FPR {target}; overrides {args.overrides or 'none'}",
        flush=True,
    )
    print("encoder settings: " + config.model_dump_json(exclude={"log_model", "resume", "misclassified_examples", "num_threads"}), flush=True)
    # ranking[model][scope][figure] -> one value per seed (mean over folds); operating[model][cell] -> per seed
    ranking: dict[str, dict[str, dict[str, list[float]]]] = {
        name: {scope: {figure: [] for figure in RANKING} for scope in SCOPES} for name in args.models
    }
    # operating[row][cell] -> per seed; a row is a model at the pooled dev threshold (the model's name) or at the
    # every-language one (EVERY_LANGUAGE appended) or one per language (PER_LANGUAGE): the same trained model, three rules
    rows_of = {name: (name, name + EVERY_LANGUAGE, name + PER_LANGUAGE) for name in args.models}
    operating: dict[str, dict[str, list[float]]] = {row: {} for name in args.models for row in rows_of[name]}
    records: list[dict[str, object]] = []
    scored: list[pl.DataFrame] = []
    started = time.perf_counter()
    for seed in args.seeds:
        per_fold: dict[str, dict[str, list[dict[str, float]]]] = {name: {scope: [] for scope in SCOPES} for name in args.models}
        flagged = {row: np.zeros(len(texts), bool) for row in operating}
        contact_flagged = {row: np.zeros(len(texts), bool) for row in operating}  # ham rows only
        tested = np.zeros(len(texts), bool)  # the operating point pools the folds run (all of them unless --only-folds)
        for fold, (train_rows, test_rows) in enumerate(folds):
            if args.only_folds is not None and fold not in args.only_folds:
                continue
            to_dev = (assign_splits(frame[train_rows.tolist()], config.dev_fraction, seed)["split"] == SPLIT_DEV).to_numpy()
            fit_rows, dev_rows = train_rows[~to_dev], train_rows[to_dev]
            fit_texts, dev_texts = [texts[i] for i in fit_rows], [texts[i] for i in dev_rows]
            test_texts = [texts[i] for i in test_rows]
            test_hams = test_rows[~truth[test_rows]]
            contact_texts = [with_heldout_contact(texts[i], langs[i], message_ids[i]) for i in test_hams]
            tested[test_rows] = True
            for name in args.models:
                fold_started = time.perf_counter()
                if name == BASELINE:
                    baseline = fit_baseline(fit_texts, truth[fit_rows], config.baseline_ngram_range, config.baseline_c, seed)
                    dev_scores, test_scores = baseline_spam_proba(baseline, dev_texts), baseline_spam_proba(baseline, test_texts)
                    contact_scores = baseline_spam_proba(baseline, contact_texts)
                else:
                    update: dict[str, object] = {"architecture": name}
                    if name == "wide" and config.wide_learning_rate == 0:
                        update["wide_learning_rate"] = WIDE_ALONE_LEARNING_RATE  # alone, a frozen start has nothing to train
                    model_config = config.model_copy(update=update)
                    with tempfile.TemporaryDirectory() as work:
                        model, tokenizer = build_encoder(model_config, fit_texts, Path(work) / "tokenizer", seed)
                        fit_encoder(
                            model, tokenizer, model_config, seed, (fit_texts, truth[fit_rows], langs[fit_rows].tolist()),
                            (dev_texts, truth[dev_rows], langs[dev_rows].tolist()), Path(work) / "checkpoints", resume=False,
                            train_ids=frame["message_id"].gather(fit_rows).to_list(),
                        )
                        dev_scores = encoder.predict_spam_proba(model, tokenizer, dev_texts, config.max_seq_len)
                        test_scores = encoder.predict_spam_proba(model, tokenizer, test_texts, config.max_seq_len)
                        contact_scores = encoder.predict_spam_proba(model, tokenizer, contact_texts, config.max_seq_len)
                threshold = choose_threshold(dev_scores, truth[dev_rows], target).threshold
                every_language = choose_threshold_every_language(dev_scores, truth[dev_rows], langs[dev_rows], target).threshold
                per_language = choose_thresholds_by_language(dev_scores, truth[dev_rows], langs[dev_rows], target)
                rules = (threshold, every_language, per_language)
                for row, rule in zip(rows_of[name], rules, strict=True):
                    test_thresholds = rule.for_langs(langs[test_rows]) if hasattr(rule, "for_langs") else rule
                    contact_thresholds = rule.for_langs(langs[test_hams]) if hasattr(rule, "for_langs") else rule
                    flagged[row][test_rows] = test_scores >= test_thresholds
                    contact_flagged[row][test_hams] = np.asarray(contact_scores) >= contact_thresholds
                scored.append(pl.DataFrame({
                    "seed": [seed] * len(test_rows), "fold": [fold] * len(test_rows), "model": [name] * len(test_rows),
                    "message_id": frame["message_id"].gather(test_rows), "score": test_scores, "threshold": [threshold] * len(test_rows),
                }))
                figures = {}
                for scope in SCOPES:
                    rows = scope_rows[scope][test_rows]
                    figures[scope] = ranking_figures(truth[test_rows][rows], test_scores[rows])
                    per_fold[name][scope].append(figures[scope])
                records.append({"seed": seed, "fold": fold, "model": name, "threshold": threshold, "ranking": figures})
                print(
                    f"seed {seed} fold {fold} {name:9s} " + "  ".join(
                        f"{scope} " + "/".join(f"{figures[scope][figure]:.4f}" for figure in RANKING) for scope in SCOPES
                    ) + f"  ({time.perf_counter() - fold_started:.0f} s)",
                    flush=True,
                )
        for name in args.models:
            for scope in SCOPES:
                for figure in RANKING:
                    ranking[name][scope][figure].append(float(np.nanmean([item[figure] for item in per_fold[name][scope]])))
            for row in rows_of[name]:
                cells = _operating_cells(
                    truth[tested], flagged[row][tested], langs[tested], transactional[tested], real[tested], contact_flagged[row][tested]
                )
                for cell, value in cells.items():
                    operating[row].setdefault(cell, []).append(value)
                records.append({"seed": seed, "model": row, "operating": cells})

    print_tables(ranking, operating, args.models, len(args.seeds), target, args.split)
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.scores_out and scored:
        pl.concat(scored).join(frame.select("message_id", "label", "lang", "is_synthetic", "category"), on="message_id").write_parquet(args.scores_out)
    if args.json_out:
        summary = {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}, "target_ham_fpr": target,
                   "ranking": ranking, "operating": operating, "folds": records}
        args.json_out.write_text(json.dumps(summary, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Training benchmark: throughput of the tiny and mini presets, and gold-holdout quality vs the TF-IDF baseline.

    .venv/bin/python bench/train.py [--state-dir DIR] [--epochs 3] [--mini-steps 40] [--threads N]
                                    [--architecture wide_deep|deep|wide] [--out results.json]

The held-back split is the fixed gold holdout of the bundled seed corpora (``is_gold_holdout``): training,
early stopping and threshold choice never see it. Thresholds are the ones chosen on dev (target ham FPR).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from models.encoder import load_classifier, predict_spam_proba  # noqa: E402
from models.gold_rule import is_gold_holdout  # noqa: E402
from models.metrics import binary_metrics, metrics_by_lang  # noqa: E402
from spamloop.config import load_config  # noqa: E402
from spamloop.settings.train import TrainConfig  # noqa: E402
from tasks.train.dataset import load_seed_frame, training_set_from_seed  # noqa: E402
from tasks.train.pipeline import run_training, score_texts  # noqa: E402
from tasks.train.report import metrics_table  # noqa: E402


def gold_holdout(seed: pl.DataFrame) -> pl.DataFrame:
    return seed.filter(pl.col("message_id").map_elements(is_gold_holdout, return_dtype=pl.Boolean))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=None, help="State folder (default: a temporary one).")
    parser.add_argument("--epochs", type=float, default=6.0, help="Epochs of the tiny quality run.")
    parser.add_argument("--mini-steps", type=int, default=40, help="Optimiser steps of the mini throughput run.")
    parser.add_argument("--skip-mini", action="store_true", help="Only the tiny run.")
    parser.add_argument("--learning-rate", type=float, default=None, help="Peak learning rate (default TrainConfig's).")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default os.cpu_count()).")
    parser.add_argument("--vocab-size", type=int, default=None, help="WordPiece vocabulary (default TrainConfig's).")
    parser.add_argument("--oversample", type=int, default=None, help="max_language_oversample (default TrainConfig's).")
    parser.add_argument("--distill", type=float, default=None, help="distill_weight (default TrainConfig's).")
    parser.add_argument(
        "--architecture", choices=("wide_deep", "deep", "wide"), default=None, help="TrainConfig.architecture (default wide_deep)."
    )
    parser.add_argument("--out", type=Path, default=None, help="Write the figures as JSON here.")
    args = parser.parse_args()
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="spamloop-bench-"))
    config = load_config(state_dir=state_dir)

    seed = load_seed_frame()
    frame = training_set_from_seed(seed)
    gold = gold_holdout(seed)
    print(f"seed rows {seed.height}; training frame {frame.height} (spam {int((frame['label'] == 'spam').sum())}); "
          f"gold holdout {gold.height} (spam {int((gold['label'] == 'spam').sum())})", flush=True)

    figures: dict[str, object] = {"cpu_count": os.cpu_count(), "threads": args.threads or os.cpu_count()}
    started = time.perf_counter()
    tiny = run_training(config, TrainConfig(
        preset="tiny",
        epochs=args.epochs,
        num_threads=args.threads,
        **({"learning_rate": args.learning_rate} if args.learning_rate else {}),
        **({"vocab_size": args.vocab_size} if args.vocab_size else {}),
        **({"max_language_oversample": args.oversample} if args.oversample else {}),
        **({"distill_weight": args.distill} if args.distill is not None else {}),
        **({"architecture": args.architecture} if args.architecture else {}),
    ), frame)
    figures["tiny"] = {
        "total_wall_s": time.perf_counter() - started,
        "train_wall_s": tiny.train_wall_time_s,
        "samples_per_s": tiny.train_samples_per_s,
        "global_step": tiny.global_step,
        "dev_f1_by_epoch": tiny.dev_f1_by_epoch,
        "threshold": tiny.threshold,
        "baseline_threshold": tiny.baseline_threshold,
        "n_train": tiny.n_train,
        "n_dev": tiny.n_dev,
    }
    print(f"tiny: {tiny.train_wall_time_s:.0f} s training, {tiny.train_samples_per_s:.1f} samples/s", flush=True)

    texts, truth, langs = gold["text_model"].to_list(), (gold["label"] == "spam").to_numpy(), gold["lang"].to_list()
    scores = score_texts(tiny, texts)
    real = ~gold["is_synthetic"].to_numpy()  # the quality bar's rows: UCI English, Korean chatbot ham
    quality = {
        name: metrics_by_lang(scores[key], truth, langs, threshold)
        | {"real": binary_metrics(scores[key][real], truth[real], threshold)}
        for name, key, threshold in (
            ("encoder (tiny)", "encoder", tiny.threshold), ("baseline (tf-idf)", "baseline", tiny.baseline_threshold)
        )
    }
    figures["gold_quality"] = quality
    print("\nGold holdout, at the dev-chosen thresholds (target dev ham FPR "
          f"{tiny.target_ham_fpr}):\n\n" + metrics_table(quality) + "\n", flush=True)
    from models.normalization import model_text
    from tasks.evaluate.behavioural import run_behavioural_tests

    model, tokenizer = load_classifier(tiny.model_dir)
    behaviour = run_behavioural_tests(
        lambda raw: predict_spam_proba(model, tokenizer, [model_text(t) for t in raw], tiny.max_seq_len), tiny.threshold
    )
    figures["behaviour_pass_rates"] = behaviour.pass_rates
    failed = [case.case_id for case in behaviour.failures()]
    print(f"Behavioural pass rates: {behaviour.pass_rates}; failed: {failed}\n", flush=True)
    print("Dev split:\n\n" + metrics_table({"encoder (tiny)": tiny.encoder_metrics, "baseline (tf-idf)": tiny.baseline_metrics}) + "\n")

    if not args.skip_mini:
        mini = run_training(
            config, TrainConfig(
                preset="mini", max_steps=args.mini_steps, log_model=False, misclassified_examples=0, num_threads=args.threads,
                **({"architecture": args.architecture} if args.architecture else {}),
            ), frame
        )
        figures["mini"] = {
            "train_wall_s": mini.train_wall_time_s,
            "samples_per_s": mini.train_samples_per_s,
            "global_step": mini.global_step,
        }
        print(f"mini ({args.mini_steps} steps): {mini.train_wall_time_s:.0f} s, {mini.train_samples_per_s:.1f} samples/s")

    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, default=float))
    print(json.dumps({k: v for k, v in figures.items() if k != "gold_quality"}, indent=1, default=float))


if __name__ == "__main__":
    main()

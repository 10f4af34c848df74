"""kill -9 in the middle of labelling, training and publishing; the re-run finishes from what was saved.

Each case runs the real stage in a child process, SIGKILLs it at a point it cannot clean up from, checks
what is left on disk (or in S3), then re-runs the stage and checks it completes without redoing done work.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.faults.support import TRAIN_SETTINGS, training_frame
from tests.support.processes import CHILD_ENV, kill_when_ready

pytestmark = pytest.mark.slow

# --- labelling ----------------------------------------------------------------------------------------

LABEL_TEXTS = [f"{word} {i}" for i, word in enumerate(["카지노", "대출", "점심", "택배", "회의", "토토", "쿠폰", "저녁", "코인", "영화"])]


def test_kill_during_labelling_rerun_makes_no_request_for_finished_batches(config, llm_server, fault_ledger):
    """Three providers at once; each has answered its first batch and hangs on its second when the kill comes."""
    from spamloop.settings.label import LabelConfig
    from tasks.label.pipeline import run_labeling
    from tasks.label.store import final_labels
    from tests.code.tasks.label.test_label_crash import CHILD
    from tests.faults.support import label_outcomes, vote_pairs
    from tests.support.llm_server import API_KEY, classify, messages_frame, prompt_texts

    providers = llm_server.provider_configs(api_key=None, max_concurrency=1, sdk_max_retries=0, timeout_s=60.0)
    # Every provider asked about every batch (no routing), so each has a second batch in flight at the kill.
    label_config = LabelConfig(providers=providers, tiebreak_providers=[], batch_size=2, budget_usd=None)
    messages = messages_frame(LABEL_TEXTS)
    ids = messages["message_id"].to_list()
    messages_path = config.state_dir.parent / "messages.parquet"
    config.state_dir.mkdir(parents=True, exist_ok=True)
    messages.write_parquet(messages_path)
    for api in ("openai", "gemini", "anthropic"):
        llm_server.fail_next(api, "none")  # batch 1 answered at once
        llm_server.fail_next(api, "slow", delay_s=60.0)  # batch 2 in flight at the kill
    env = {**CHILD_ENV, "OPENAI_API_KEY": API_KEY, "GEMINI_API_KEY": API_KEY, "ANTHROPIC_API_KEY": API_KEY}

    def all_second_batches_in_flight() -> bool:
        return all(len(llm_server.requests_for(api)) >= 2 for api in ("openai", "gemini", "anthropic"))

    kill_when_ready(
        [sys.executable, "-c", CHILD, str(config.state_dir), label_config.model_dump_json(), str(messages_path)],
        all_second_batches_in_flight,
        timeout_s=180,
        env=env,
    )
    finished_batch = set(LABEL_TEXTS[:2])
    votes = vote_pairs(config.state_dir)
    assert votes == {(m, p) for m in ids[:2] for p in ("openai", "gemini", "anthropic")}, "answered batches were cached"
    assert label_outcomes(config.state_dir) == {}, "nothing was decided from a half run"
    llm_server.clear()

    with pytest.MonkeyPatch.context() as patch:
        for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "ANTHROPIC_API_KEY"):
            patch.setenv(name, API_KEY)
        result = run_labeling(config, messages, label_config=label_config, include_seed=False)
    resent = [t for r in llm_server.requests_for() for t in prompt_texts(r)]
    assert not finished_batch & set(resent), "zero requests for batches finished before the kill"
    assert sorted(resent) == sorted(LABEL_TEXTS[2:] * 3)
    assert result.cache_hits == 6 and result.decided == len(ids)
    final = dict(final_labels(config, include_seed=False).select("message_id", "label").iter_rows())
    assert final == {m: classify(t)[0] for m, t in zip(ids, LABEL_TEXTS)}
    fault_ledger.record("process death", "kill -9 during labelling", faults_injected=1, rows_in=len(ids), rows_accounted=len(final))


# --- training -----------------------------------------------------------------------------------------


def _complete_checkpoints(state_dir: Path) -> list[Path]:
    """Checkpoints whose trainer_state.json exists (the Trainer writes it last)."""
    return sorted(
        (p.parent for p in state_dir.glob("runs/*/checkpoints/checkpoint-*/trainer_state.json")),
        key=lambda p: int(p.name.rsplit("-", 1)[1]),
    )


TRAIN_CHILD = """
import sys
import polars as pl
from spamloop.config import load_config
from spamloop.settings.train import TrainConfig
from tasks.train.pipeline import run_training

state_dir, train_config_json, frame_path = sys.argv[1:4]
run_training(load_config(state_dir=state_dir), TrainConfig.model_validate_json(train_config_json), pl.read_parquet(frame_path))
"""


@pytest.fixture(scope="module")
def killed_then_resumed(tmp_path_factory):
    """A tiny real training in a child process, SIGKILLed right after its first checkpoint, then re-run here.

    (A child forked from this process would skip its imports, but forking after torch is loaded can hang.)
    """
    from spamloop.config import load_config
    from spamloop.settings.train import TrainConfig
    from tasks.train.pipeline import run_training

    root = tmp_path_factory.mktemp("train-kill")
    state_dir = root / "state"
    frame = training_frame()
    frame_path = root / "frame.parquet"
    frame.write_parquet(frame_path)
    train_config = TrainConfig(**TRAIN_SETTINGS)
    kill_when_ready(
        [sys.executable, "-c", TRAIN_CHILD, str(state_dir), train_config.model_dump_json(), str(frame_path)],
        lambda: bool(_complete_checkpoints(state_dir)),
        timeout_s=400,
    )
    checkpoints_at_kill = _complete_checkpoints(state_dir)
    kept = root / "checkpoint-at-kill"
    shutil.copytree(checkpoints_at_kill[-1], kept)
    config = load_config(state_dir=state_dir)
    resumed = run_training(config, train_config, frame)
    return config, frame, checkpoints_at_kill, kept, resumed


def test_kill_during_training_resumes_from_the_checkpoint(killed_then_resumed, fault_ledger):
    from mlflow.tracking import MlflowClient
    from transformers import TrainerState

    config, frame, checkpoints_at_kill, kept, resumed = killed_then_resumed
    step_at_kill = TrainerState.load_from_json(str(kept / "trainer_state.json")).global_step
    assert resumed.resumed_from is not None and Path(resumed.resumed_from).name == checkpoints_at_kill[-1].name
    assert resumed.global_step > step_at_kill, "the re-run trained on past the checkpoint"
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    logged_steps = [m.step for m in client.get_metric_history(resumed.run_id, "train_loss")]
    assert logged_steps and min(logged_steps) > step_at_kill, "the re-run started at the checkpoint, not at step 0"
    assert client.get_run(resumed.run_id).info.status == "FINISHED"
    assert (resumed.model_dir / "config.json").is_file()
    from tasks.train.dataset import to_training_columns
    from tasks.train.splits import drop_gold_holdout

    gold_held_out = frame.height - drop_gold_holdout(to_training_columns(frame)).height
    assert resumed.n_train + resumed.n_dev + gold_held_out == frame.height, "every row is in train, dev or the gold holdout"
    fault_ledger.record(
        "process death", "kill -9 during training", faults_injected=1, rows_in=frame.height,
        rows_accounted=resumed.n_train + resumed.n_dev + gold_held_out,
    )


def test_killed_training_leaves_no_mlflow_run_marked_running(killed_then_resumed):
    from mlflow.tracking import MlflowClient

    config, _, _, _, resumed = killed_then_resumed
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    experiment = client.get_experiment_by_name(config.mlflow_experiment)
    runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.`mlflow.runName` = '{resumed.run_name}'")
    assert runs and all(run.info.status != "RUNNING" for run in runs), [run.info.status for run in runs]


def test_resume_survives_rotation_of_the_checkpoint_it_resumed_from(killed_then_resumed):
    """A run killed after epoch 1 of 4: the re-run saves 3 more checkpoints, and rotation (save_total_limit=2)
    removes the one it resumed from unless that one stays the best. The checkpoint kept at the kill is placed
    where a 4-epoch run of the same data and settings looks for it (its run folder), with its recorded best dev F1
    lowered below any real F1 so a later epoch is best, as in a run that learns: rotation then always removes it."""
    from spamloop.settings.train import TrainConfig
    from tasks.train.dataset import content_digest
    from tasks.train.pipeline import run_name_for, run_training

    config, frame, checkpoints_at_kill, kept, _ = killed_then_resumed
    longer = TrainConfig(**{**TRAIN_SETTINGS, "epochs": 4})
    run_dir = config.paths.runs / run_name_for(longer, content_digest(frame), config.seed)
    checkpoint = run_dir / "checkpoints" / checkpoints_at_kill[-1].name
    shutil.copytree(kept, checkpoint)
    shutil.copytree(checkpoints_at_kill[-1].parent.parent / "tokenizer", run_dir / "tokenizer")
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    state["best_metric"] = -1.0
    (checkpoint / "trainer_state.json").write_text(json.dumps(state))
    result = run_training(config, longer, frame)
    assert result.resumed_from is not None and result.global_step > 0


def test_checkpoint_half_written_by_a_kill_is_not_resumed_from(killed_then_resumed, fault_ledger):
    from spamloop.settings.train import TrainConfig
    from tasks.train.pipeline import run_training

    config, frame, _, _, resumed = killed_then_resumed
    checkpoints = Path(resumed.resumed_from).parent
    complete = max(checkpoints.glob("checkpoint-*"), key=lambda p: int(p.name.rsplit("-", 1)[1]))
    half = checkpoints / f"checkpoint-{resumed.global_step + 1000}"
    shutil.copytree(complete, half)
    (half / "trainer_state.json").unlink()  # what a kill between save_model() and save_to_json() leaves
    fault_ledger.record("process death", "half-written checkpoint (kill during save)", faults_injected=1)
    again = run_training(config, TrainConfig(**TRAIN_SETTINGS), frame)
    assert again.resumed_from is None or Path(again.resumed_from).name != half.name


# --- publish ------------------------------------------------------------------------------------------

PUBLISH_CHILD = """
import os, sys, time
from pathlib import Path
from spamloop.settings.export import PublishConfig
from spamloop.settings.storage import S3Config
from tasks.publish.stores import S3Store
from tests.code.tasks.publish.conftest import publish_released

endpoint, bucket, prefix, bundle = sys.argv[1:5]
s3 = S3Config(endpoint_url=endpoint, access_key_id=os.environ["FAULT_S3_KEY"], secret_access_key=os.environ["FAULT_S3_SECRET"])
store = S3Store(bucket, prefix, s3, PublishConfig())
# A slow link: every PutObject waits before it is sent, so the kill lands between uploads.
store.client.meta.events.register("before-send.s3.PutObject", lambda **_: time.sleep(0.7))
publish_released(Path(bundle), store)
"""


@pytest.mark.s3
def test_kill_during_publish_keeps_the_old_manifest_then_rerun_publishes(s3_server, bucket, tmp_path, fault_ledger):
    from spamloop.settings.export import PublishConfig
    from spamloop.settings.storage import S3Config
    from tasks.publish.publish import read_manifest, version_prefix
    from tasks.publish.stores import S3Store
    from tests.code.tasks.publish.conftest import MODEL_NAME, make_bundle, publish_released

    prefix = "apps/sms"
    store = S3Store(bucket, prefix, S3Config(**s3_server.s3_config()), PublishConfig())
    publish_released(make_bundle(tmp_path, "v1"), store)
    manifest_v1, etag_v1 = read_manifest(store, MODEL_NAME)
    bundle_v2 = make_bundle(tmp_path, "v2", payload=os.urandom(2_000_000))
    v2_prefix = f"{prefix}/{version_prefix(MODEL_NAME, 'v2')}"
    client = s3_server.client()

    def first_v2_object_uploaded() -> bool:
        return client.list_objects_v2(Bucket=bucket, Prefix=v2_prefix).get("KeyCount", 0) >= 1

    env = {**CHILD_ENV, "FAULT_S3_KEY": s3_server.access_key_id, "FAULT_S3_SECRET": s3_server.secret_access_key}
    kill_when_ready(
        [sys.executable, "-c", PUBLISH_CHILD, s3_server.endpoint_url, bucket, prefix, str(bundle_v2)],
        first_v2_object_uploaded,
        timeout_s=180,
        env=env,
    )
    uploaded = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=v2_prefix).get("Contents", [])]
    assert uploaded and f"{v2_prefix}bundle.json" not in uploaded, "killed mid-upload: bundle.json (uploaded last) is absent"
    manifest, etag = read_manifest(store, MODEL_NAME)
    assert manifest.version == "v1" and etag == etag_v1, "the app still sees the old manifest"
    for entry in manifest.files:
        assert store.sha256_of(entry.key) == entry.sha256, f"{entry.key} listed but missing or changed"

    rerun = publish_released(bundle_v2, store)
    assert rerun.version == "v2" and rerun.previous_version == "v1"
    assert read_manifest(store, MODEL_NAME)[0].version == "v2"
    for entry in rerun.files:
        assert store.sha256_of(entry.key) == entry.sha256
    for entry in manifest_v1.files:  # the old version stays intact for rollback
        assert store.sha256_of(entry.key) == entry.sha256
    fault_ledger.record(
        "process death", "kill -9 during publish", faults_injected=1, rows_in=len(rerun.files), rows_accounted=len(rerun.files)
    )

"""The weekly retrain: the whole loop as one Prefect flow; each stage is a subflow that also runs alone.

ingest -> label -> train -> export (candidate bundle + parity) -> evaluate (gates, registry) -> approval -> publish

Export runs before evaluate because the promotion gates include the on-device budget and parity.
Nothing reaches phones unless every gate passed and the champion alias moved to the candidate (and the
publish flow checks the registry verdict again). A run that publishes nothing ends in a named Completed
state, ``Blocked`` or ``AwaitingReview``, whose message says why; its result is still the RetrainSummary.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, tags
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, State

from flows.evaluate import approve_first_model, evaluate_candidate
from flows.export import export_candidate, ondevice_report
from flows.ingest import ingest
from flows.label import label
from flows.orchestration import run_log_of_deployment_run, run_name, tag_run
from flows.publish import publish_if_champion
from flows.retrain_report import RetrainSummary
from flows.train import train
from spamloop.config import CONFIG_DEFAULTS, SpamloopConfig, resolve_config
from spamloop.console import active_run_log
from spamloop.progress import stage_started
from spamloop.runtime import prepare_runtime

# Final state names of a run that published nothing (state type stays COMPLETED: the loop worked as designed).
STATE_BLOCKED = "Blocked"
STATE_AWAITING_REVIEW = "AwaitingReview"
PUBLISH_STATUS_STATES = {"blocked": STATE_BLOCKED, "awaiting-review": STATE_AWAITING_REVIEW}


def retrain_state(summary: RetrainSummary) -> RetrainSummary | State:
    """The flow's return value: the summary when a model was published (state Completed); otherwise a Completed
    state named Blocked (gates or parity failed) or AwaitingReview (passed, waiting for a reviewer) whose message is
    the reason, carrying the same summary as its result."""
    publish = summary.stage("publish")
    name = PUBLISH_STATUS_STATES.get(publish.status) if publish is not None else None
    if summary.published_version is not None or name is None:
        return summary
    return Completed(name=name, message=publish.summary, data=summary)


@flow(name="weekly-retrain", flow_run_name=run_name("weekly-retrain"), log_prints=True)
def weekly_retrain(config: SpamloopConfig = CONFIG_DEFAULTS) -> RetrainSummary | State:
    """Run the whole loop once: new reports in, a gated model out to phones.

    Re-running after a failure resumes (flows/resume.py): cached labels, a finished or checkpointed training
    run, its bundle and its evaluation are found again, and publishing is idempotent. Calling it returns the
    RetrainSummary; when nothing was published the run's final state is named Blocked or AwaitingReview, with
    the reason as its message (``return_state=True`` gives that state).

    Args:
        config: The whole spamloop configuration. A field left as shown (its default) or empty takes the worker's SPAMLOOP_* environment and spamloop.yaml; a changed field sets it for this run.
    """
    config = resolve_config(config)
    tag_run("weekly")
    prepare_runtime(config)
    # Stage runs started from here carry "weekly"; the same flows started by hand carry their deployment's tags.
    # A worker's run writes library output to <state>/logs/ as the CLI does (spamloop/console.py).
    with tags("weekly"), run_log_of_deployment_run(config, "weekly-retrain"):
        summary = _run_stages(config)
        attach_run_log(config, summary)
    logger = get_run_logger()
    create_markdown_artifact(key="retrain-summary", markdown=summary.to_markdown(), description="Weekly retrain")
    for stage in summary.stages:
        logger.info("%s: %s — %s", stage.stage, stage.status, stage.summary)
    return retrain_state(summary)


def attach_run_log(config: SpamloopConfig, summary: RetrainSummary) -> None:
    """The run's log file (library output, spamloop/console.py) as an artifact of its MLflow training run."""
    run_log, trained = active_run_log(), summary.stage("train")
    if run_log is not None and trained is not None and trained.figures.get("run_id"):
        run_log.attach_to_mlflow(config.resolved_tracking_uri, str(trained.figures["run_id"]))


def _run_stages(config: SpamloopConfig) -> RetrainSummary:
    """Each stage once, in order; each hands its typed result to the next and records what it did."""
    summary = RetrainSummary()
    stage_started("ingest")
    summary.add_ingest(ingest(config=config))
    stage_started("label")
    summary.add_label(label(config=config))
    stage_started("train")
    trained = train(config=config)
    summary.add_train(trained)
    candidate = trained.candidate  # what export and evaluate read of the training run
    stage_started("export")
    exported = export_candidate(candidate, config)
    ondevice = ondevice_report(exported)  # the int8 file phones download: the gates judge its size and latency
    summary.add_export(exported)
    stage_started("evaluate")
    evaluated = evaluate_candidate(candidate, ondevice, config)
    summary.add_evaluate(evaluated, config.resolved_tracking_uri, trained.run_id)
    stage_started("publish")
    evaluated = approve_first_model(evaluated, config)
    summary.add_publish(evaluated, publish_if_champion(evaluated, exported, config))
    return summary

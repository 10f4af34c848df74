"""What the reviewer sees of a training run in MLflow: the experiment opens on its runs, and the figures read at a
glance (rates never below zero, the PR curve not squashed into a corner, each model's operating point marked,
confusion counts with their share of the true class)."""

from __future__ import annotations

import numpy as np

from tasks.train import plots


def _dev(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A good model and a weaker one on 600 ham + 120 spam (a few confident mistakes each)."""
    rng = np.random.default_rng(seed)
    truth = np.r_[np.zeros(600, bool), np.ones(120, bool)]
    good = np.r_[rng.beta(1, 30, 600), rng.beta(30, 1, 120)]
    good[:3], good[-4:] = 0.97, 0.05
    weak = np.clip(good + rng.normal(0, 0.25, good.size), 0, 1)
    return truth, good, weak


def _drawn(axis) -> np.ndarray:  # noqa: ANN001
    """The y values of the curves (not the two-point reference lines, drawn in axes coordinates)."""
    return np.concatenate([np.asarray(line.get_ydata(), float) for line in axis.get_lines() if len(line.get_ydata()) > 2])


def test_threshold_plot_axes_stay_within_rates():
    truth, good, _ = _dev()
    figure = plots.threshold_fpr_figure(truth, good, threshold=0.62, target_ham_fpr=0.005)
    fpr_axis, recall_axis = figure.axes
    assert fpr_axis.get_yscale() == "log" and 0 < fpr_axis.get_ylim()[0] <= 0.005 / 2 and fpr_axis.get_ylim()[1] == 1
    assert recall_axis.get_ylim()[0] == 0 and recall_axis.get_ylim()[1] <= 1.05
    assert fpr_axis.get_xlim() == (0.0, 1.0)
    assert (_drawn(fpr_axis) > 0).all() and (_drawn(recall_axis) >= 0).all()
    labels = [text.get_text() for text in fpr_axis.get_legend().get_texts()]
    assert "threshold 0.6200" in labels and "target FPR 0.005" in labels and "spam recall (right)" in labels
    plots.close(figure)


def test_pr_curve_zooms_on_the_curves_and_marks_each_operating_point():
    truth, good, weak = _dev()
    figure = plots.pr_curve_figure(truth, {"encoder": good, "baseline": weak}, {"encoder": 0.6, "baseline": 0.5})
    (axis,) = figure.axes
    low_x, low_y = axis.get_xlim()[0], axis.get_ylim()[0]
    assert low_x == 0.5 and 0.5 <= low_y <= 0.8, (low_x, low_y)  # zoomed on the upper half of recall, high precision
    labels = axis.get_legend_handles_labels()[1]
    assert any(label.startswith("encoder (PR-AUC 0.9") for label in labels), labels
    points = {label: line for line, label in zip(*axis.get_legend_handles_labels(), strict=True) if "@" in label}
    assert len(points) == 2
    for line in points.values():  # the operating points lie inside the visible area
        x, y = float(line.get_xdata()[0]), float(line.get_ydata()[0])
        assert low_x <= x <= 1 and low_y <= y <= 1
    flagged = good >= 0.6
    encoder_point = next(label for label in points if label.startswith("encoder"))
    assert f"R {flagged[truth].mean():.3f}" in encoder_point and f"P {truth[flagged].mean():.3f}" in encoder_point
    plots.close(figure)


def test_confusion_matrix_shows_counts_and_the_share_of_the_true_class():
    truth, good, _ = _dev()
    figure = plots.confusion_matrix_figure(truth, {"encoder": (good, 0.5)})
    texts = [text.get_text() for text in figure.axes[0].texts]
    predicted = good >= 0.5
    false_positives = int((predicted & ~truth).sum())
    assert f"{false_positives:,}\n{false_positives / 600:.1%}" in texts, texts
    plots.close(figure)


def test_the_experiment_opens_on_its_training_runs_not_the_genai_overview(config):
    """MLflow 3's UI picks the experiment's page from tag mlflow.experimentKind; a kind set by hand is kept."""
    from mlflow import MlflowClient

    from tasks.train.tracking import prepare_experiment

    experiment_id = prepare_experiment(config)
    client = MlflowClient(tracking_uri=config.resolved_tracking_uri)
    assert client.get_experiment(experiment_id).tags["mlflow.experimentKind"] == "custom_model_development"
    client.set_experiment_tag(experiment_id, "mlflow.experimentKind", "genai_development")
    assert prepare_experiment(config) == experiment_id
    assert client.get_experiment(experiment_id).tags["mlflow.experimentKind"] == "genai_development"

"""Train stage: training-set assembly, splits, the spam encoder, the TF-IDF baseline and MLflow tracking."""

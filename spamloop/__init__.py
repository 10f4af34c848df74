"""spamloop: the retraining loop behind an on-device SMS spam filter."""

__version__ = "0.1.0"

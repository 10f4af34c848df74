"""``python -m spamloop.cli ...``: the same as the ``spamloop`` console script."""

from spamloop.cli import main

main()

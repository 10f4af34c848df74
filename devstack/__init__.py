"""Developer tooling, not part of the product: the local stack behind ``make stack-up`` (devstack/stack.py)."""

"""Bundled sample data: the synthetic Korean SMS generator, seed-label loading and the raw-log sample."""

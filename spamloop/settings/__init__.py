"""Typed configuration sections. Each stage owns one module here; spamloop.config assembles them."""

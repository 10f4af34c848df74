"""Label stage: an ensemble of LLMs labels new SMS; disagreements go to human review."""

"""Model-side code shared by every stage: the text contract (normalization), schemas, the encoder."""

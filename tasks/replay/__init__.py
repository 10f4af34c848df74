"""The loop replay: weeks of drifting traffic through the real weekly retrain, simulated LLM providers, metrics."""

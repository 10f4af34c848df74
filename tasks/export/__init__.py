"""Export stage: trained encoder -> TFLite (fp32, int8) + Core ML -> parity gate -> on-device bundle."""

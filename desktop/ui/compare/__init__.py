"""Compare side by side: one prompt, 2–4 (model, provider) pairs, results as they arrive."""

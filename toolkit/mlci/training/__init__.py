"""Training: the pipeline reproduced with parameter overrides, its metrics against HEAD."""

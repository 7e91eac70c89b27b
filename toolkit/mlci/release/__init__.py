"""Releasing a model version: the publish workflow above the registry, serving (the model's
signature) and monitoring (its reference profile)."""

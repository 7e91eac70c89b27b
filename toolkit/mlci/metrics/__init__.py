"""Metrics judged: DVC-equal diffs, comparisons of two revisions, gate rules and verdicts."""

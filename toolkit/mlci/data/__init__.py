"""Data checks: tabular readers (CSV/Parquet/JSONL, chunked), schemas, the privacy scan."""

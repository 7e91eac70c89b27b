"""The model registry: git tags in GTO's format (`modeltags`), replayed into a state
(`state`), read from the repository (`models`), written by promote (`promotion`)."""

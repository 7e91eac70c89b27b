"""The shared layer: git, YAML, atomic files, output streaming, Markdown. Imports no domain."""

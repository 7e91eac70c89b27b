"""CI workflow generation: GitHub Actions and GitLab CI rendered from `templates/`."""

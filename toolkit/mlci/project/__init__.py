"""What the repository declares: dvc.yaml/dvc.lock, params, metrics files, artifacts, snapshots."""

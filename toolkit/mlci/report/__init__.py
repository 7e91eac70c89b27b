"""The pull-request report: collected from two revisions and the default branch, rendered."""

"""`mlci ci run`: the generated CI on this machine (act for GitHub, gitlab-ci-local for GitLab)."""

from __future__ import annotations

from mlci.ci.local.runs import RunRequest, RunResult


def run(request: RunRequest) -> RunResult:
    """Run the generated workflows (GitHub) or pipeline (GitLab) for the request's event."""
    if request.forge == "gitlab":
        from mlci.ci.local import gitlab

        return gitlab.run(request)
    from mlci.ci.local import act

    return act.run(request)

"""`mlci ci run`: the generated CI on this machine (act for GitHub, gitlab-ci-local for GitLab)."""

from __future__ import annotations

from mlci.ci.local import act
from mlci.ci.local.runner import RunRequest, RunResult


def run(request: RunRequest) -> RunResult:
    """Run the generated workflows (GitHub) or pipeline (GitLab) for the request's event."""
    if request.forge == "gitlab":
        from mlci.ci.local import gitlabci

        return gitlabci.run(request)

    return act.run(request)

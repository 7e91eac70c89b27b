"""DVC access: the only package that imports dvc. DVC is the engine; mlci orchestrates it.

dvc itself is imported inside the functions that need it, so importing this package is cheap.
"""

from mlci.pipeline.graph import stage_params
from mlci.pipeline.remotes import (
    add_remote,
    default_remote,
    drop_local_url,
    init,
    local_override,
    set_remote_option,
    share_cache,
    shared_remote,
)
from mlci.pipeline.repro import (
    STATUSES,
    ReproRequest,
    ReproResult,
    StageRun,
    push,
    reproduce,
)
from mlci.pipeline.session import (
    NO_PROJECT_HINT,
    StageStatus,
    is_initialised,
    no_remote,
    require_project,
)
from mlci.pipeline.transfer import get_artifact, md5_of, push_artifact, stale, verify

__all__ = [
    "NO_PROJECT_HINT", "STATUSES", "ReproRequest", "ReproResult", "StageRun", "StageStatus",
    "add_remote", "default_remote", "drop_local_url", "get_artifact", "init", "is_initialised",
    "local_override", "md5_of",
    "no_remote", "push", "push_artifact", "reproduce", "require_project", "set_remote_option",
    "share_cache", "shared_remote", "stage_params", "stale", "verify",
]

"""Files kept in the DVC cache and remote by md5 alone, outside any stage (monitoring profiles)."""

from __future__ import annotations

import io
from pathlib import Path

from mlci.errors import PipelineError
from mlci.pipeline.session import dvc_logging, open_repo
from mlci.pipeline.transfer import md5_of


def store(root: Path, path: Path) -> str:
    """Put `path` into the DVC cache and push it to the default remote; return its md5."""
    from dvc_data.hashfile.hash_info import HashInfo

    md5 = md5_of(path)
    with dvc_logging(io.StringIO()), open_repo(root) as repo:
        cache = repo.cache.local
        cache.add(str(path), cache.fs, md5)
        result = repo.cloud.push([HashInfo("md5", md5)])
    if result.failed:
        raise PipelineError(f"could not push {path.name} ({md5}) to the DVC remote",
                            hint="check the remote's credentials and `dvc push`")
    return md5


def fetch(root: Path, md5: str) -> Path:
    """The file stored under `md5`: from the DVC cache, else pulled from the default remote."""
    from dvc_data.hashfile.hash_info import HashInfo

    with dvc_logging(io.StringIO()), open_repo(root) as repo:
        cache = repo.cache.local
        path = Path(cache.oid_to_path(md5))
        if not path.is_file():
            repo.cloud.pull([HashInfo("md5", md5)])
    if not path.is_file() or md5_of(path) != md5:
        raise PipelineError(f"{md5} is neither in the DVC cache nor in the DVC remote",
                            hint="was this version published with `mlci publish` to this remote?")
    return path


def download_url(url: str, out: Path) -> None:
    """Copy the file or directory at a URL DVC reads (s3://, gs://, azure://, ssh://) to `out`."""
    from dvc.exceptions import DvcException
    from dvc.repo.get_url import get_url

    with dvc_logging(io.StringIO()):
        try:
            get_url(url, out=str(out))
        except DvcException as exc:
            raise PipelineError(f"cannot read {url}: {exc}",
                                hint="check the URL and DVC's credentials for it (each scheme "
                                "needs its DVC plugin, e.g. pip install dvc-s3)") from None

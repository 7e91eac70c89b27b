"""What a DVC remote needs (its plugin, its usual secrets) and what its failures mean.

The plugin and secret tables are plain data (no DVC import): `mlci init` reads them to warn
before CI fails; every failure of a remote (a missing plugin, refused credentials, an
unreachable host), wherever DVC meets it, becomes one error naming the remote and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mlci.errors import MlciError, PipelineError, causes


@dataclass(frozen=True)
class RemoteNeeds:
    """What DVC needs to use a remote of one URL scheme: its plugin and usual secrets."""

    scheme: str
    plugin: str | None = None  # the PyPI distribution, e.g. "dvc-s3"
    module: str | None = None  # its import name, to check whether it is installed
    secrets: tuple[str, ...] = ()  # environment variables CI usually sets for it

    @property
    def install(self) -> str:
        """What to pip install: DVC's extra for the scheme (`dvc[s3]` pulls dvc-s3)."""
        return f"'dvc[{self.plugin.removeprefix('dvc-')}]'" if self.plugin else ""


_NEEDS = {
    "s3": RemoteNeeds("s3", "dvc-s3", "dvc_s3", ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
    "gs": RemoteNeeds("gs", "dvc-gs", "dvc_gs", ("GOOGLE_APPLICATION_CREDENTIALS",)),
    "azure": RemoteNeeds("azure", "dvc-azure", "dvc_azure", ("AZURE_STORAGE_CONNECTION_STRING",)),
    "gdrive": RemoteNeeds("gdrive", "dvc-gdrive", "dvc_gdrive", ("GDRIVE_CREDENTIALS_DATA",)),
    "oss": RemoteNeeds("oss", "dvc-oss", "dvc_oss", ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET")),
    "ssh": RemoteNeeds("ssh", "dvc-ssh", "dvc_ssh"),
    "hdfs": RemoteNeeds("hdfs", "dvc-hdfs", "dvc_hdfs"),
    "webhdfs": RemoteNeeds("webhdfs", "dvc-webhdfs", "dvc_webhdfs"),
    "webdav": RemoteNeeds("webdav", "dvc-webdav", "dvc_webdav"),
    "webdavs": RemoteNeeds("webdavs", "dvc-webdav", "dvc_webdav"),
}
# libraries whose exceptions mean "the remote answered no" or "the remote is not there"
_REMOTE_LIBRARIES = ("botocore", "boto3", "aiobotocore", "s3fs", "google", "gcsfs", "azure",
                     "adlfs", "pydrive2", "ossfs", "oss2", "asyncssh", "sshfs", "paramiko",
                     "aiohttp", "requests", "urllib3", "webdav4", "httpx", "fsspec")
_DENIED = re.compile(r"credential|auth|token|permission|access ?denied|forbidden|\b40[13]\b|"
                     r"signature|invalidaccesskey|expired", re.IGNORECASE)
_PLUGIN = re.compile(r"requires '(dvc-[a-z0-9]+)' to be installed")


def needs(url: str) -> RemoteNeeds:
    """What a remote URL needs (a local path or http(s) needs nothing DVC lacks). Pure."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else "local"
    return _NEEDS.get(scheme, RemoteNeeds(scheme))


@dataclass(frozen=True)
class RemoteInfo:
    """The default DVC remote: its name and URL."""

    name: str
    url: str


def default_info(repo: Any) -> RemoteInfo | None:
    """The default remote of an open DVC repository, if any level of config names one."""
    name = repo.config["core"].get("remote")
    if not name:
        return None
    return RemoteInfo(name, str(repo.config["remote"].get(name, {}).get("url", "")))


def remote_error(exc: BaseException, remote: RemoteInfo | None) -> MlciError | None:
    """An error from using the DVC remote as one clear MlciError; None if it is not one."""
    where = f"the DVC remote '{remote.name}' ({remote.url})" if remote else "the DVC remote"
    need = needs(remote.url) if remote else RemoteNeeds("")
    for cause in causes(exc):
        plugin = _PLUGIN.search(str(cause)) if isinstance(cause, ImportError) else None
        if plugin:
            wanted = _NEEDS.get(need.scheme, RemoteNeeds("", plugin.group(1)))
            return PipelineError(
                f"{where} needs the DVC plugin {plugin.group(1)}, which is not installed",
                hint=f"pip install {wanted.install or plugin.group(1)}, and add it to "
                "requirements.txt so that CI installs it too")
        if _from_remote_library(cause):
            return _access_error(where, need, cause)
    return None


def _from_remote_library(exc: BaseException) -> bool:
    module = type(exc).__module__.split(".")[0]
    return module in _REMOTE_LIBRARIES or isinstance(exc, (ConnectionError, TimeoutError)) or \
        type(exc).__name__ in ("gaierror", "ClientConnectorError")


def _access_error(where: str, need: RemoteNeeds, exc: BaseException) -> MlciError:
    reason = " ".join(str(exc).split())[:300] or type(exc).__name__
    if _DENIED.search(f"{type(exc).__name__} {reason}"):
        secrets = " and ".join(need.secrets) or "the remote's credentials"
        return PipelineError(
            f"{where} refused access: {reason}",
            hint=f"set {secrets} (in CI, name them in mlci.yaml's ci.dvc_remote_secrets; "
            "pull-request jobs get no secrets)")
    return PipelineError(f"could not reach {where}: {reason}",
                         hint="check the URL and the network (`dvc remote list`)")


@contextmanager
def remote_access(repo: Any) -> Iterator[None]:
    """Turn a failure of the DVC remote (plugin, credentials, network) into one MlciError."""
    try:
        yield
    except MlciError:
        raise
    except Exception as exc:  # plugins raise their own types; anything else goes on as is
        error = remote_error(exc, default_info(repo))
        if error is None:
            raise
        raise error from None

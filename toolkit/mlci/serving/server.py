"""`mlci serve`: verify and load the model first, then run the app under uvicorn.

Everything that can fail (the reference, the registry, the download, the md5, the loader)
fails before a port is bound. SIGTERM: uvicorn stops accepting, lets requests in flight
finish, then the app's shutdown stops --follow and flushes the prediction log; exit 0.
With `--workers N` the verified file is handed to the workers as a bundle in a private
temporary directory, and each worker checks its sha256 again before loading it; their
Prometheus metrics go to a multiprocess directory beside it, so `/metrics` counts them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.serving import bundles, fetch, loading
from mlci.serving.app import ServerState, create
from mlci.serving.follow import Follower, check_followable
from mlci.serving.located import Located
from mlci.serving.predlog import LogFormat, LogSettings, PredictionLog
from mlci.serving.telemetry import Telemetry
from mlci.shared import gitrepo

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from mlci.serving.app import ServerState

LOG = logging.getLogger("mlci.serve")
SPEC_ENV = "MLCI_SERVE_WORKER_SPEC"  # how the parent tells --workers processes what to serve
# read by prometheus_client when a worker imports it: its metrics are kept in files there
METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class ServeRequest:
    """What `mlci serve` was asked for; `bundle` replaces `root`/`ref` (a container)."""

    project: Project | None = None
    ref: str | None = None
    bundle: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    follow: float | None = None
    log_dir: Path | None = None
    log_format: LogFormat = "jsonl"
    max_body_mb: float = 16.0
    access_log: bool = False


@dataclass(frozen=True)
class _Spec:
    """What a server process needs besides the model: log settings and limits."""

    log: LogSettings | None
    max_body: int
    metrics_dir: Path | None = None  # --workers: the multiprocess directory of the metrics


def serve(request: ServeRequest, announce: Any = print) -> int:
    """Load (verified), announce, serve until SIGTERM/SIGINT; the exit code."""
    _check(request)
    loaded, privacy, located = _load(request)
    spec = _Spec(_log_settings(request, privacy), int(request.max_body_mb * 1024 * 1024))
    info = loaded.info
    announce(f"serving {info.name} {info.version} ({info.commit[:7]}, md5 {info.md5} verified, "
             f"{info.loader} loader) on http://{request.host}:{request.port}")
    with _terminate_quietly():
        if request.workers > 1:
            _run_workers(request, located, spec)
        else:
            _run(request, build(loaded, spec, request))
    return 0


def _check(request: ServeRequest) -> None:
    if request.follow is not None:
        if request.bundle is not None or request.project is None:
            raise MlciError("--follow needs a git checkout of the project, not a --bundle")
        if request.workers > 1:
            raise MlciError("--follow works with one worker per process",
                            hint="run several `mlci serve --follow` processes (containers) "
                            "behind a load balancer instead of --workers")
        check_followable(request.ref or fetch.default_ref(request.project))


def _load(request: ServeRequest,
          ) -> tuple[loading.Loaded, dict[str, list[str]], Located | None]:
    """The model, the privacy columns, and where the registry located it (None: a bundle)."""
    if request.bundle is not None:
        bundle = bundles.read(request.bundle)
        return loading.from_bundle(bundle), bundle.privacy, None
    assert request.project is not None
    located = fetch.locate(request.project, request.ref)
    return (loading.load_located(request.project.root, located),
            fetch.privacy_of(request.project),
            located)


def _log_settings(request: ServeRequest, privacy: dict[str, list[str]]) -> LogSettings | None:
    if request.log_dir is None:
        return None
    return LogSettings(request.log_dir, request.log_format, tuple(privacy.get("exclude", ())),
                       tuple(privacy.get("hash", ())))


def build(loaded: loading.Loaded, spec: _Spec, request: ServeRequest | None = None) -> Starlette:
    """The app serving `loaded`, with --follow (from `request`) and the log in its lifespan."""
    telemetry = Telemetry(spec.metrics_dir)
    state = ServerState(loaded, telemetry, None, spec.max_body)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        if spec.log is not None:
            state.log = PredictionLog(spec.log, telemetry.dropped.inc)
        follower = _follower(request, state)
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
            if state.log is not None:
                state.log.close()  # requests in flight have finished: nothing more comes

    return create(state, lifespan)


def _follower(request: ServeRequest | None, state: ServerState) -> Any:

    if request is None or request.follow is None or request.project is None:
        return None
    remote = gitrepo.default_remote(request.project.root)
    if remote is None:
        raise MlciError("--follow: this repository has no git remote to poll")
    ref = request.ref or fetch.default_ref(request.project)
    follower = Follower(request.project, ref, remote, state, request.follow)
    return asyncio.get_running_loop().create_task(follower.run())


def _run(request: ServeRequest, app: Any) -> None:
    config_ = uvicorn.Config(app, host=request.host, port=request.port, lifespan="on",
                             access_log=request.access_log, log_level="info",
                             timeout_graceful_shutdown=30)
    uvicorn.Server(config_).run()


def _run_workers(request: ServeRequest, located: Located | None, spec: _Spec) -> None:
    """Hand the verified model to N uvicorn worker processes as a private bundle."""
    with tempfile.TemporaryDirectory(prefix="mlci-serve-") as private:
        directory = _as_bundle(request, located, Path(private))
        metrics = Path(private) / "metrics"
        metrics.mkdir()
        os.environ[METRICS_ENV] = str(metrics)  # before any worker imports prometheus_client
        os.environ[SPEC_ENV] = json.dumps({
            "bundle": str(directory), "max_body": spec.max_body, "metrics_dir": str(metrics),
            "log": None if spec.log is None else {**spec.log.__dict__,
                                                  "directory": str(spec.log.directory)},
        })
        uvicorn.run("mlci.serving.server:worker_app", factory=True, host=request.host,
                    port=request.port, workers=request.workers, lifespan="on",
                    access_log=request.access_log, timeout_graceful_shutdown=30)


def _as_bundle(request: ServeRequest, located: Located | None, where: Path) -> Path:
    """The bundle the workers load: the one given, or the version the parent loaded."""
    if located is None:  # serving a bundle already
        assert request.bundle is not None
        return request.bundle
    assert request.project is not None
    directory = where / "bundle"
    directory.mkdir()
    fetch.download(request.project.root, located, directory / located.file_name)
    bundles.write(directory, located, {})
    LOG.info("workers load %s %s from %s", located.name, located.version, directory)
    return directory


def worker_app() -> Starlette:
    """The app of one `--workers` process (uvicorn calls this factory in each)."""
    data = json.loads(os.environ[SPEC_ENV])
    log = data["log"]
    settings = None if log is None else LogSettings(**{**log, "directory": Path(
        log["directory"]), "exclude": tuple(log["exclude"]), "hashed": tuple(log["hashed"])})
    return build(loading.load_bundle(Path(data["bundle"])),
                 _Spec(settings, data["max_body"], Path(data["metrics_dir"])))


@contextlib.contextmanager
def _terminate_quietly() -> Iterator[None]:
    """uvicorn re-raises the SIGTERM it shut down for once it is done; after a graceful
    shutdown that is a normal end (exit 0), so the handler it restores ignores it."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

"""The ASGI app of `mlci serve` (Starlette): Open Inference Protocol v2, MLflow's scoring
protocol, Prometheus metrics, health.

The model being served is one `Served` value that a swap (`--follow`) replaces whole: a
request takes it once when it starts and finishes on it, and readiness never drops. Bad
input always gets a 4xx with a JSON body saying what is wrong, never a 500.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mlci import __version__
from mlci.serving import invocations, oip
from mlci.serving.columns import BadInput
from mlci.serving.loaders.base import Columns, Prediction
from mlci.serving.predlog import Entry, PredictionLog
from mlci.serving.telemetry import CONTENT_TYPE, Telemetry

if TYPE_CHECKING:
    from starlette.requests import Request

    from mlci.serving.loading import Loaded

LOG = logging.getLogger("mlci.serve")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
INLINE_ROWS = 2_000  # bigger requests are scored in a worker thread, off the event loop
Handler = Callable[["Request"], Awaitable["Response"]]


@dataclass(frozen=True)
class Served:
    """The loaded model and what the protocols say about it."""

    loaded: Loaded
    metadata: dict[str, Any]


class ServerState:
    """What the app serves now, its metrics, its prediction log and its limits."""

    def __init__(self, loaded: Loaded, telemetry: Telemetry, log: PredictionLog | None,
                 max_body: int) -> None:
        self.telemetry, self.log, self.max_body = telemetry, log, max_body
        self.served = self._serving(loaded)

    def swap(self, loaded: Loaded) -> None:
        """Serve `loaded` from the next request on (one reference assignment: atomic)."""
        self.served = self._serving(loaded)

    def _serving(self, loaded: Loaded) -> Served:
        info = loaded.info
        self.telemetry.serving(info.name, info.version, info.commit)
        return Served(loaded, oip.metadata(info.name, info.version, loaded.model.signature,
                                           f"mlci-{info.loader}"))


def create(state: ServerState, lifespan: Any = None) -> Starlette:
    """The Starlette app over `state`; `lifespan` starts and stops --follow and the log."""
    def route(path: str, handler: Handler, methods: list[str], kind: str = "oip") -> Route:
        return Route(path, _observed(state, path, kind, handler), methods=methods)

    v2, model = "/v2/models/{name}", "/v2/models/{name}/versions/{version}"
    routes = [
        route("/v2/health/live", _live, ["GET"]), route("/v2/health/ready", _ready(state), ["GET"]),
        route("/v2", _server_metadata, ["GET"]),
        route(v2, _metadata(state), ["GET"]), route(model, _metadata(state), ["GET"]),
        route(f"{v2}/ready", _model_ready(state), ["GET"]),
        route(f"{model}/ready", _model_ready(state), ["GET"]),
        route(f"{v2}/infer", _infer(state), ["POST"]),
        route(f"{model}/infer", _infer(state), ["POST"]),
        route("/invocations", _invocations(state), ["POST"], "mlflow"),
        route("/ping", _ping, ["GET"], "mlflow"), route("/health", _ping, ["GET"], "mlflow"),
        route("/version", _version(state), ["GET"], "mlflow"),
        route("/metrics", _metrics(state), ["GET"]),
    ]
    handlers = {404: _not_found(state), 405: _not_allowed(state)}
    return Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)


def _observed(state: ServerState, path: str, kind: str, handler: Handler) -> Handler:
    """Time and count the request; BadInput and model input errors become 4xx JSON."""
    async def observed(request: Request) -> Response:
        start = time.perf_counter()
        try:
            response = await handler(request)
        except BadInput as exc:
            response = _error(exc.message, exc.status, kind)
        except Exception:
            LOG.exception("unexpected error on %s", path)
            response = _error("internal error (logged by the server)", 500, kind)
        state.telemetry.observe(path, request.method, response.status_code,
                                time.perf_counter() - start)
        return response
    return observed


def _error(message: str, status: int, kind: str = "oip") -> Response:
    if kind == "mlflow":
        code = {404: "RESOURCE_DOES_NOT_EXIST", 500: "INTERNAL_ERROR"}.get(status, "BAD_REQUEST")
        return JSONResponse({"error_code": code, "message": message}, status)
    return JSONResponse({"error": message}, status)


def _json(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status)


async def _live(request: Request) -> Response:
    return _json({"live": True})


def _ready(state: ServerState) -> Handler:
    async def ready(request: Request) -> Response:
        return _json({"ready": state.served is not None})
    return ready


async def _server_metadata(request: Request) -> Response:
    return _json({"name": "mlci", "version": __version__, "extensions": ["binary_tensor_data"]})


def _served_model(state: ServerState, request: Request) -> Served:
    """The served model if the path names it (and its version), else a 404."""
    served = state.served
    info = served.loaded.info
    name, version = request.path_params["name"], request.path_params.get("version")
    if name not in (info.name, info.name.replace(":", "=")):
        raise BadInput(f"no model named {name!r} here; this server serves {info.name!r}", 404)
    if version is not None and version.lstrip("v") != info.version.lstrip("v"):
        raise BadInput(f"{info.name} {version} is not served; this server serves "
                       f"{info.version}", 404)
    return served


def _metadata(state: ServerState) -> Handler:
    async def metadata(request: Request) -> Response:
        return _json(_served_model(state, request).metadata)
    return metadata


def _model_ready(state: ServerState) -> Handler:
    async def ready(request: Request) -> Response:
        served = _served_model(state, request)
        return _json({"name": served.loaded.info.name, "ready": True})
    return ready


def _infer(state: ServerState) -> Handler:
    async def infer(request: Request) -> Response:
        served = _served_model(state, request)
        body = await _body(request, state.max_body)
        signature = served.loaded.model.signature
        parsed = oip.parse(body, request.headers.get(oip.HEADER), signature)
        request_id = parsed.request_id or _request_id(request)
        prediction = await _predict(state, served, parsed.columns,
                                    "predict_proba" in parsed.outputs, request_id)
        info = served.loaded.info
        content, header = oip.response(info.name, info.version, parsed, prediction, request_id)
        headers = {"x-request-id": request_id}
        if header is not None:
            headers["Inference-Header-Content-Length"] = str(header)
            return Response(content, 200, headers, "application/octet-stream")
        return Response(content, 200, headers, "application/json")
    return infer


def _invocations(state: ServerState) -> Handler:
    async def invocations_(request: Request) -> Response:
        served = state.served
        body = await _body(request, state.max_body)
        columns = invocations.parse(request.headers.get("content-type", ""), body,
                                    served.loaded.model.signature)
        request_id = _request_id(request)
        prediction = await _predict(state, served, columns, state.log is not None, request_id)
        return Response(invocations.response(prediction), 200, {"x-request-id": request_id},
                        "application/json")
    return invocations_


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 beyond `limit` bytes (before reading when declared)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadInput(f"the body is {int(declared)} bytes; the limit is {limit} "
                       "(mlci serve --max-body-mb)", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadInput(f"the body is over the limit of {limit} bytes "
                           "(mlci serve --max-body-mb)", 413)
        chunks.append(chunk)
    return b"".join(chunks)


async def _predict(state: ServerState, served: Served, columns: Columns, proba: bool,
                   request_id: str) -> Prediction:
    """Score on `served` (inline when small, in a thread when big); log and count the rows."""
    model = served.loaded.model
    rows = len(next(iter(columns.values()))) if columns else 0
    try:
        if rows > INLINE_ROWS:
            prediction = await run_in_threadpool(model.predict, columns, proba)
        else:
            prediction = model.predict(columns, proba)
    except (ValueError, TypeError) as exc:  # what estimators raise for input they can't take
        raise BadInput(f"the model cannot score this input: {_short(exc)}") from None
    state.telemetry.scored(prediction.labels)
    if state.log is not None:
        info = served.loaded.info
        state.log.submit(Entry(request_id, time.time(), info.name, info.version, columns,
                               prediction.labels, prediction.proba,
                               model.signature.classes))
    return prediction


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id")
    return given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


async def _ping(request: Request) -> Response:
    return Response("\n", 200, media_type="application/json")


def _version(state: ServerState) -> Handler:
    async def version(request: Request) -> Response:
        info = state.served.loaded.info
        return PlainTextResponse(f"mlci {__version__}; {info.name} {info.version}")
    return version


def _metrics(state: ServerState) -> Handler:
    async def metrics(request: Request) -> Response:
        return Response(state.telemetry.text(), 200, media_type=CONTENT_TYPE)
    return metrics


def _not_found(state: ServerState) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def not_found(request: Request, exc: Exception) -> Response:
        state.telemetry.observe("(unknown)", request.method, 404, 0.0)
        return _error(f"no such endpoint: {request.method} {request.url.path}", 404)
    return not_found


def _not_allowed(state: ServerState) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def not_allowed(request: Request, exc: Exception) -> Response:
        state.telemetry.observe("(unknown)", request.method, 405, 0.0)
        return _error(f"{request.method} is not allowed on {request.url.path}", 405)
    return not_allowed


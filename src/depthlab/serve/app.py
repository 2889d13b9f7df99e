"""The FastAPI app of ``depthlab serve``.

``POST /v1/predict`` (``{"inputs": [...]}``, one item per example), ``GET /v1/metadata``,
``GET /health`` and ``GET /metrics`` (Prometheus text). Requests are validated by pydantic (422,
with NaN and infinity refused), limited in body size and batch size (413), and, with a token,
must carry ``Authorization: Bearer <token>`` (401; compared in constant time). ``/health`` and
``/metrics`` stay open, for load balancers and scrapers on the same network.

Example:
    >>> app = create_app(Service.load("runs/cnn"), token=None)  # doctest: +SKIP
"""

from __future__ import annotations

import hmac
import json
import os
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from depthlab.errors import ConfigError, DepthlabError
from depthlab.serve.metrics import Metrics, endpoint_of
from depthlab.serve.service import Limits, Service

API_VERSION = "1"
CONFIG_ENV = "DEPTHLAB_SERVE_CONFIG"  # settings handed to --workers processes

Number = Annotated[float, Field(allow_inf_nan=False)]
Item = Annotated[
    str | list[Any] | dict[str, Number | str | None],
    Field(
        description="One example: a row of numbers or an object of named columns (tables), a "
        "nested array (sequences, images), a string (text), base64 of a WAV or image file.",
    ),
]


# Optional in the spec: a server started without --token-file takes requests without one.
BEARER = HTTPBearer(auto_error=False, description="Needed when the server has a token.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


class PredictRequest(BaseModel):
    """Examples to predict, one item each, in the run's modality's form (``GET /v1/metadata``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"inputs": [[5.1, 3.5, 1.4, 0.2]]}]},
    )
    inputs: list[Item] = Field(min_length=1)


class Answer(BaseModel):
    prediction: str | float | list[float] = Field(
        description="The class name (classification), the value (regression) or the next "
        "values (forecasting)."
    )
    class_index: int | None = Field(None, description="Index of the class in `classes`.")
    probabilities: dict[str, float] | None = Field(
        None, description="Probability of each class (classification)."
    )


class PredictResponse(BaseModel):
    predictions: list[Answer]


class Problem(BaseModel):
    detail: str | list[dict[str, Any]]


class Health(BaseModel):
    status: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or wrong bearer token."},
    413: {"model": Problem, "description": "Body or batch too large."},
    422: {"model": Problem, "description": "Inputs that are not examples of the model."},
}


class BodyTooLarge(Exception):
    pass


class Guard:
    """ASGI middleware: refuses bodies over the limit (413) before they are read whole, and
    records every request's status and latency in the metrics."""

    def __init__(self, app: Any, limits: Limits, metrics: Metrics, routes: set[str]) -> None:
        self.app, self.limits, self.metrics, self.routes = app, limits, metrics, routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        limit = self.limits.max_body_bytes

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = int(message["status"]), True
            await send(message)

        received = 0

        async def receiving() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            declared = dict(scope.get("headers", [])).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge
            await self.app(scope, receiving, sending)
        except BodyTooLarge:
            if not status["sent"]:
                detail = f"request body over {limit} bytes; send fewer examples per request"
                await JSONResponse({"detail": detail}, status_code=413)(scope, receive, sending)
        finally:
            self.metrics.observe(
                endpoint_of(scope, self.routes), status["code"], time.perf_counter() - started
            )


def create_app(
    service: Service | None, token: str | None = None, limits: Limits | None = None
) -> FastAPI:
    """The app serving *service*; with *token*, ``/v1/*`` needs it as a bearer token. Without a
    service (``None``), the app only describes its API (``openapi.json``)."""
    limits = limits or Limits()
    metrics = Metrics()
    expected = token.encode() if token else None

    def authorised(credentials: Credentials) -> None:
        if expected is None:
            return
        given = credentials.credentials.encode() if credentials else b""
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    app = FastAPI(
        title="depthlab model service",
        version=API_VERSION,
        description="Predictions of a depthlab network, exported to ONNX (docs/serve.md).",
    )

    @app.post(
        "/v1/predict",
        response_model=PredictResponse,
        responses=ERRORS,
        dependencies=[Depends(authorised)],
    )
    def predict(request: PredictRequest) -> Any:
        """Predict each item of `inputs`: its class and class probabilities, or its value."""
        if len(request.inputs) > limits.max_batch:
            raise HTTPException(
                413,
                f"{len(request.inputs)} examples in one request; at most {limits.max_batch}",
            )
        assert service is not None
        try:
            answers = service.predict(request.inputs)
        except (DepthlabError, ValueError, TypeError) as exc:
            raise HTTPException(422, str(exc)) from None
        metrics.examples.inc(len(answers))
        return {"predictions": answers}

    @app.get(
        "/v1/metadata",
        responses={401: ERRORS[401]},
        dependencies=[Depends(authorised)],
    )
    def metadata() -> dict[str, Any]:
        """The model, the form of its inputs, its classes, its metrics and versions."""
        assert service is not None
        return service.metadata(limits)

    @app.get("/health", response_model=Health)
    def health() -> Any:
        """Whether the model is loaded and answers."""
        return {"status": "ok"}

    @app.get("/metrics", response_class=Response)
    def prometheus() -> Response:
        """Request counts, errors and latency histogram, in Prometheus text format."""
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    routes = {"/v1/predict", "/v1/metadata", "/health", "/metrics"}
    app.add_middleware(Guard, limits=limits, metrics=metrics, routes=routes)
    return app


def openapi_spec() -> dict[str, Any]:
    """The API's OpenAPI document (the same for every run: docs/openapi.json)."""
    return create_app(None).openapi()


def app_from_environment() -> FastAPI:
    """The app of one ``--workers`` process, from the settings the command left in
    ``DEPTHLAB_SERVE_CONFIG`` (the token file's path, never the token itself)."""
    from pathlib import Path

    settings = json.loads(os.environ[CONFIG_ENV])
    token = read_token(Path(settings["token_file"])) if settings.get("token_file") else None
    service = Service.load(settings["run"], settings["backend"], settings.get("threads", 1))
    return create_app(service, token, Limits(**settings["limits"]))


def read_token(path: Any) -> str:
    """The bearer token in *path* (surrounding whitespace removed); it must not be empty."""
    from pathlib import Path

    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc}") from None
    if not token:
        raise ConfigError(f"the token file {path} is empty; put a long random token in it")
    return token

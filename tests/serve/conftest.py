"""Fixtures of the serving tests: a trained-and-exported run, and the real server in a subprocess
on a free loopback port, called over HTTP with the standard library."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import depthlab as dl


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int
    body: Any
    text: str
    headers: dict[str, str]


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(
        self,
        path: str,
        body: Any = None,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method="POST" if data else "GET"
        )
        request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text, headers = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, text, headers = error.code, error.read().decode(), error.headers
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        return Reply(status, parsed, text, dict(headers))

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def start_server(run: Path, *args: str, log: Path, timeout: float = 90) -> Server:
    """``depthlab serve RUN ARGS`` on a free port, once ``/health`` answers."""
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DEPTHLAB_QUIET": "1"}
    handle = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "depthlab", "serve", str(run), "--port", str(port), *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()}")
        try:
            if server.call("/health").status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not answer within {timeout} s: {log.read_text()}")


@pytest.fixture(scope="session")
def cnn_run(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """The MNIST-1D deep CNN (2 epochs), exported to ONNX: the model of the serving benchmark."""
    pytest.importorskip("onnxruntime")
    from depthlab.export import export_onnx

    out = tmp_path_factory.mktemp("serve") / "cnn"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEPTHLAB_DATA_DIR", str(mirror))
        patch.setenv("DEPTHLAB_OFFLINE", "1")
        patch.setenv("DEPTHLAB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        dl.train("mnist1d", dl.TrainSpec(model="cnn", preset="deep", train={"epochs": 2}), out=out)
        export_onnx(out)
    return out


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """``start(run, *args)`` starts a server; every one still running is stopped afterwards."""
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    started: list[Server] = []

    def run(folder: Path, *args: str) -> Server:
        log = tmp_path_factory.mktemp("logs") / "server.log"
        server = start_server(folder, *args, log=log)
        started.append(server)
        return server

    yield run
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()

"""The real server on loopback, called over HTTP: answers, limits, auth, metrics, shutdown."""

from __future__ import annotations

import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import depthlab as dl

pytestmark = pytest.mark.network

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def server(
    cnn_run: Path, start: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> Any:
    token_file = tmp_path_factory.mktemp("token") / "token.txt"
    token_file.write_text(TOKEN + "\n")
    return start(
        cnn_run, "--token-file", str(token_file), "--max-batch", "64", "--max-body", "200000"
    )


@pytest.fixture(scope="module")
def examples(cnn_run: Path, mirror: Path) -> tuple[np.ndarray, Any]:
    from depthlab.training.run import Run

    ds = dl.load_dataset("mnist1d", data_dir=mirror)
    return ds.inputs[-48:], Run.load(cnn_run)


def test_predictions_equal_the_runs(server: Any, examples: tuple[np.ndarray, Any]) -> None:
    inputs, run = examples
    reply = server.call("/v1/predict", {"inputs": inputs.tolist()}, token=TOKEN)
    assert reply.status == 200, reply.text
    answers = reply.body["predictions"]
    assert [a["class_index"] for a in answers] == run.predict(inputs).tolist()
    assert [a["prediction"] for a in answers] == [run.class_names[i] for i in run.predict(inputs)]
    probs = np.array([[a["probabilities"][c] for c in run.class_names] for a in answers])
    np.testing.assert_allclose(probs, run.predict_proba(inputs), atol=1e-5)
    # one channel may be given without its axis: (40,) for (1, 40)
    flat = server.call("/v1/predict", {"inputs": [inputs[0, 0].tolist()]}, token=TOKEN)
    assert flat.body["predictions"][0]["class_index"] == answers[0]["class_index"]


def test_metadata_describes_the_model(server: Any) -> None:
    meta = server.call("/v1/metadata", token=TOKEN).body
    assert meta["classes"] == [str(i) for i in range(10)]
    assert meta["input"]["shape"] == [1, 40] and meta["input"]["modality"] == "sequence"
    assert meta["model"]["backend"] == "onnx" and meta["model"]["family"] == "cnn"
    assert 0.1 < meta["metrics"]["test"]["accuracy"] <= 1
    assert "onnxruntime" in meta["versions"]["serving"]
    assert meta["limits"]["max_batch"] == 64


def test_bad_inputs_get_422_with_a_clear_message(server: Any) -> None:
    row = ", ".join(["0.5"] * 39)
    nan = server.call("/v1/predict", raw=f'{{"inputs": [[[NaN, {row}]]]}}'.encode(), token=TOKEN)
    assert nan.status == 422 and "NaN or infinity" in nan.body["detail"]
    inf = server.call("/v1/predict", raw=f'{{"inputs": [[Infinity, {row}]]}}'.encode(), token=TOKEN)
    assert inf.status == 422 and "NaN or infinity" in inf.body["detail"]
    shape = server.call("/v1/predict", {"inputs": [[1.0, 2.0]]}, token=TOKEN)
    assert shape.status == 422 and "expects (1, 40)" in shape.body["detail"]
    text = server.call("/v1/predict", {"inputs": ["hello"]}, token=TOKEN)
    assert text.status == 422
    for body in ({"inputs": []}, {"rows": [[1.0]]}, {"inputs": [[1.0] * 40], "extra": 1}):
        assert server.call("/v1/predict", body, token=TOKEN).status == 422
    broken = server.call("/v1/predict", raw=b'{"inputs": [', token=TOKEN)
    assert broken.status == 422


def test_too_big_requests_get_413(server: Any) -> None:
    batch = server.call("/v1/predict", {"inputs": [[0.0] * 40] * 65}, token=TOKEN)
    assert batch.status == 413 and "at most 64" in batch.body["detail"]
    body = server.call("/v1/predict", raw=b'{"inputs": [' + b" " * 300_000 + b"]}", token=TOKEN)
    assert body.status == 413 and "200000 bytes" in body.body["detail"]


def test_predict_and_metadata_need_the_token(server: Any) -> None:
    payload = {"inputs": [[0.0] * 40]}
    for token in (None, "wrong", TOKEN + "x", ""):
        reply = server.call("/v1/predict", payload, token=token)
        assert reply.status == 401 and reply.headers.get("www-authenticate") == "Bearer"
    assert server.call("/v1/metadata").status == 401
    assert server.call("/v1/predict", payload, token=TOKEN).status == 200
    assert server.call("/health").body == {"status": "ok"}  # open, for load balancers


def _count(text: str, name: str, **labels: str) -> float:
    selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
    series = f"{name}{{{selector}}}" if labels else name
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_errors_and_latency(server: Any) -> None:
    before = server.call("/metrics").text
    for _ in range(3):
        server.call("/v1/predict", {"inputs": [[0.0] * 40] * 2}, token=TOKEN)
    server.call("/v1/predict", {"inputs": [[0.0]]}, token=TOKEN)  # 422
    after = server.call("/metrics").text
    ok = {"endpoint": "/v1/predict", "status": "200"}
    assert (
        _count(after, "depthlab_requests_total", **ok)
        - _count(before, "depthlab_requests_total", **ok)
        == 3
    )
    errors = "depthlab_request_errors_total"
    assert (
        _count(after, errors, endpoint="/v1/predict")
        - _count(before, errors, endpoint="/v1/predict")
        == 1
    )
    assert _count(after, "depthlab_predicted_examples_total") >= 6
    assert 'depthlab_request_duration_seconds_bucket{endpoint="/v1/predict",le="0.01"}' in after
    assert server.call("/no/such/path").status == 404
    assert 'endpoint="other"' in server.call("/metrics").text  # unknown paths share one label


def test_sigterm_finishes_the_request_in_flight(cnn_run: Path, start: Callable[..., Any]) -> None:
    server = start(cnn_run, "--backend", "torch")
    body = ('{"inputs": [' + ", ".join(["[" + ", ".join(["0.25"] * 40) + "]"] * 4) + "]}").encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = (
        f"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[:20])  # a request half received...
    time.sleep(0.5)
    stopping = threading.Thread(target=server.stop)
    stopping.start()  # ...when SIGTERM arrives
    time.sleep(0.5)
    assert server.process.poll() is None  # still finishing it
    sock.sendall(body[20:])
    answer = b""
    while b"}]}" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    sock.close()
    stopping.join(timeout=30)
    assert answer.startswith(b"HTTP/1.1 200") and answer.count(b'"class_index"') == 4
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status tells it
    assert server.process.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in server.log.read_text()


def test_binds_to_loopback_by_default(server: Any) -> None:
    assert "Uvicorn running on http://127.0.0.1:" in server.log.read_text()

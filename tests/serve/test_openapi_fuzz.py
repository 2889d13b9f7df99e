"""The committed OpenAPI spec is the served one, and schemathesis finds no server error in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from depthlab.serve.app import openapi_spec

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
TOKEN = "fuzz-token"


def test_committed_spec_is_the_generated_one() -> None:
    committed = json.loads(SPEC.read_text())
    assert committed == openapi_spec(), (
        'docs/openapi.json is stale; regenerate it: python -c "import json; from '
        "depthlab.serve.app import openapi_spec; print(json.dumps(openapi_spec(), indent=2, "
        'sort_keys=True))" > docs/openapi.json'
    )
    assert {"/v1/predict", "/v1/metadata", "/health", "/metrics"} <= set(committed["paths"])


@pytest.mark.network
def test_served_spec_equals_the_committed_one_and_fuzzing_finds_no_5xx(
    cnn_run: Path, start: Callable[..., Any], tmp_path: Path
) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    server = start(cnn_run, "--token-file", str(token_file), "--max-batch", "16")
    served = server.call("/openapi.json").body
    assert served == json.loads(SPEC.read_text())

    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        modes = [schemathesis.GenerationMode.POSITIVE]
        if operation.method.upper() == "POST":  # a GET without parameters has no wrong form
            modes.append(schemathesis.GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(
                max_examples=15,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: Any) -> None:
                nonlocal calls
                for headers in ({"Authorization": f"Bearer {TOKEN}"}, {}):
                    response = case.call(base_url=server.url, headers=headers)
                    calls += 1
                    if response.status_code >= 500:
                        failures.append(
                            f"{case.method} {case.path} {case.body!r}: {response.status_code}"
                        )

            fuzz()
    assert calls > 50
    assert not failures, failures[:5]
    assert server.call("/health").status == 200  # still up

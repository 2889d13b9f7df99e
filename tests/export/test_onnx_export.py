"""ONNX export: tiny trained networks of each modality agree with PyTorch through the sidecar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import depthlab as dl

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from depthlab.export import ParityError, export_onnx
from depthlab.export.bundle import read_sidecar
from depthlab.export.inference import Inference, OnnxBackend
from depthlab.training.run import Run

# (data, family, preset): a table, a signal, an image and text, each a different family.
CASES = [
    ("iris", "mlp", "shallow"),
    ("mnist1d", "cnn", "deep"),
    ("mnist1d", "rnn", "shallow"),
    ("digits", "cnn", "shallow"),
    ("sentiment", "cnn", "shallow"),
    ("diabetes", "mlp", "deep"),
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Iterator[dict[str, Path]]:
    folders = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEPTHLAB_DATA_DIR", str(mirror))
        patch.setenv("DEPTHLAB_OFFLINE", "1")
        patch.setenv("DEPTHLAB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        for data, family, preset in CASES:
            out = tmp_path_factory.mktemp("runs") / f"{data}-{family}"
            dl.train(data, dl.TrainSpec(model=family, preset=preset, train={"epochs": 2}), out=out)
            folders[f"{data}-{family}"] = out
    yield folders


def _test_inputs(run: Any, n: int = 40) -> Any:
    """Raw inputs of the run's test examples, as training split them."""
    from depthlab.data.splits import resolve_split

    ds = dl.load_dataset(run.config["data"]["source"])
    test = resolve_split(ds, seed=run.config["split"]["seed"]).test[:n]
    return ds.subset(test).inputs


@pytest.mark.parametrize("case", [f"{d}-{f}" for d, f, _ in CASES])
def test_export_matches_pytorch_on_held_out_examples(runs: dict[str, Path], case: str) -> None:
    folder = runs[case]
    exported = export_onnx(folder)
    parity = exported.parity
    assert parity.passed and parity.max_abs_diff <= 1e-4
    assert "held-out test examples" in parity.inputs and parity.examples > 10
    saved = json.loads((exported.folder / "parity.json").read_text())
    assert saved["passed"] and saved["max_abs_diff"] == parity.max_abs_diff
    card = (exported.folder / "MODEL_CARD.md").read_text()
    assert "## Intended use" in card and "## Limits" in card and "test" in card

    # The service's path (sidecar + ONNX Runtime) answers as the run does, at any batch size.
    run = Run.load(folder)
    inputs = _test_inputs(run)
    inference = Inference(
        read_sidecar(exported.folder / "preprocess.json"), OnnxBackend(exported.model)
    )
    answers = inference.answer(inputs)
    expected = run.predict(inputs)
    if run.task == "classification":
        assert [a["class_index"] for a in answers] == expected.tolist()
        probs = np.array([list(a["probabilities"].values()) for a in answers])
        np.testing.assert_allclose(probs, run.predict_proba(inputs), atol=1e-5)
        one = inference.answer(inputs[:1])
        assert one[0]["class_index"] == expected[0]
    else:
        np.testing.assert_allclose([a["prediction"] for a in answers], expected, rtol=1e-4)


def test_export_fails_loudly_when_onnx_disagrees(
    runs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A diverging exporter (simulated: ONNX outputs off by 1e-3) fails the export and says so in
    parity.json."""
    real = OnnxBackend.__call__
    monkeypatch.setattr(OnnxBackend, "__call__", lambda self, x: real(self, x) + 1e-3)
    with pytest.raises(ParityError, match="differ from PyTorch's"):
        export_onnx(runs["iris-mlp"], tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "parity.json").read_text())
    assert saved["passed"] is False and saved["max_abs_diff"] > 1e-4


def test_export_cli_prints_parity_and_refuses_other_formats(
    runs: dict[str, Path], cli: Any, tmp_path: Path
) -> None:
    result = cli("export", str(runs["digits-cnn"]), "--format", "onnx", "--out", str(tmp_path))
    assert result.code == 0, result.err
    assert "passed" in result.out and "max |ONNX - PyTorch|" in result.out
    assert (tmp_path / "model.onnx").is_file() and (tmp_path / "preprocess.json").is_file()
    bad = cli("export", str(runs["digits-cnn"]), "--format", "tflite")
    assert bad.code == 2 and "unknown export format 'tflite'" in bad.err


def test_baselines_are_not_exported(tmp_path: Path, cli: Any) -> None:
    dl.train("iris", dl.TrainSpec(model="logistic"), out=tmp_path / "lr")
    result = cli("export", str(tmp_path / "lr"))
    assert result.code == 2
    assert "classical baseline" in result.err and "networks only" in result.err
    served = cli("serve", str(tmp_path / "lr"), "--backend", "torch")
    assert served.code == 2 and "classical baseline" in served.err


def test_export_of_a_folder_that_is_no_run(tmp_path: Path, cli: Any) -> None:
    result = cli("export", str(tmp_path))
    assert result.code == 2 and "not a depthlab run folder" in result.err

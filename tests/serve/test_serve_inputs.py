"""Request items of every modality's form become the inputs training saw; bad ones are refused."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import depthlab as dl
from depthlab.errors import ConfigError
from depthlab.serve.inputs import InputError, decode

pytest.importorskip("onnxruntime")

from depthlab.export import export_onnx
from depthlab.serve.service import Service
from depthlab.training.run import Run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Iterator[dict[str, Path]]:
    folders = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEPTHLAB_DATA_DIR", str(mirror))
        patch.setenv("DEPTHLAB_OFFLINE", "1")
        patch.setenv("DEPTHLAB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        for data, family in (("iris", "mlp"), ("sentiment", "rnn"), ("digits", "cnn")):
            out = tmp_path_factory.mktemp("runs") / data
            dl.train(data, dl.TrainSpec(model=family, train={"epochs": 2}), out=out)
            folders[data] = out
    yield folders


def _classes(service: Service, items: list[Any]) -> list[int]:
    return [a["class_index"] for a in service.predict(items)]


def test_table_rows_and_named_columns_predict_as_the_run(
    runs: dict[str, Path], mirror: Path
) -> None:
    run = Run.load(runs["iris"])
    frame = dl.load_dataset("iris", data_dir=mirror).inputs.iloc[:30]
    expected = run.predict(frame).tolist()
    rows = frame.to_numpy().tolist()
    named = frame.to_dict(orient="records")
    torch_service = Service.load(runs["iris"], "torch")
    assert _classes(torch_service, rows) == expected
    assert _classes(torch_service, named) == expected
    with pytest.raises(ConfigError, match="depthlab export"):
        Service.load(runs["iris"], "onnx")  # not exported yet
    export_onnx(runs["iris"])
    onnx_service = Service.load(runs["iris"])
    assert _classes(onnx_service, named) == expected
    answer = onnx_service.predict(rows[:1])[0]
    assert set(answer["probabilities"]) == set(run.class_names)
    assert abs(sum(answer["probabilities"].values()) - 1) < 1e-5
    # a missing value (null) is the training mean, as in training
    assert len(onnx_service.predict([{**named[0], frame.columns[0]: None}])) == 1


def test_bad_table_items_say_what_is_wrong(runs: dict[str, Path]) -> None:
    service = Service.load(runs["iris"], "torch")
    columns = service.sidecar["stats"]["columns"]
    with pytest.raises(InputError, match=r"inputs\[0\] has 2 values; the model expects 4"):
        service.predict([[1.0, 2.0]])
    with pytest.raises(InputError, match="lacks column"):
        service.predict([{columns[0]: 1.0}])
    with pytest.raises(InputError, match="unknown column"):
        service.predict([{**dict.fromkeys(columns, 1.0), "colour": 2}])
    with pytest.raises(InputError, match="NaN or infinity"):
        service.predict([[float("nan"), 1.0, 1.0, 1.0]])
    with pytest.raises(InputError, match="expected a number, got a string"):
        service.predict([{**dict.fromkeys(columns, 1.0), columns[1]: "wide"}])
    with pytest.raises(InputError, match="too large"):
        service.predict([{**dict.fromkeys(columns, 1.0), columns[1]: 10**400}])


def test_texts_predict_as_the_run_and_non_strings_are_refused(
    runs: dict[str, Path], mirror: Path
) -> None:
    run = Run.load(runs["sentiment"])
    texts = [str(t) for t in dl.load_dataset("sentiment", data_dir=mirror).inputs[:25]]
    export_onnx(runs["sentiment"])
    service = Service.load(runs["sentiment"])
    assert _classes(service, texts) == run.predict(texts).tolist()
    with pytest.raises(InputError, match=r"inputs\[1\]: expected a string"):
        service.predict(["fine", [1, 2]])


def _png(array: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_images_as_arrays_or_base64_files(runs: dict[str, Path], mirror: Path) -> None:
    run = Run.load(runs["digits"])
    images = dl.load_dataset("digits", data_dir=mirror).inputs[:20]
    service = Service.load(runs["digits"], "torch")
    assert _classes(service, images.tolist()) == run.predict(images).tolist()
    # A PNG file is read as `depthlab predict` reads image folders: grey levels / 255.
    pixels = (np.clip(images[0, 0], 0, 1) * 255).round().astype(np.uint8)
    decoded = decode([_png(pixels), "data:image/png;base64," + _png(pixels)], service.sidecar)
    np.testing.assert_allclose(decoded[0, 0], pixels / 255.0, atol=1e-6)
    np.testing.assert_array_equal(decoded[0], decoded[1])
    big = decode([_png(np.zeros((32, 24), dtype=np.uint8))], service.sidecar)  # resized
    assert big.shape == (1, 1, 8, 8)
    with pytest.raises(InputError, match="not valid base64"):
        service.predict(["not base64!"])
    with pytest.raises(InputError, match="not a readable image"):
        service.predict([base64.b64encode(b"GIF89a nonsense").decode()])


def test_wav_files_are_read_mono_at_the_training_rate() -> None:
    import soundfile

    rate, target = 16000, 8000
    t = np.arange(rate // 4) / rate
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1) * 0.5
    buffer = io.BytesIO()
    soundfile.write(buffer, stereo, rate, format="WAV", subtype="FLOAT")
    sidecar = {"modality": "audio", "stats": {"sample_rate": target}, "input": {}}
    (wave,) = decode([base64.b64encode(buffer.getvalue()).decode()], sidecar)
    assert wave.shape == (len(t) // 2,)  # resampled to 8 kHz
    assert abs(np.abs(wave).max() - 0.25) < 0.02  # channels averaged
    (samples,) = decode([[0.0, 0.5, -0.5]], sidecar)
    assert samples.dtype == np.float32 and samples.tolist() == [0.0, 0.5, -0.5]
    with pytest.raises(InputError, match="not a readable WAV"):
        decode([base64.b64encode(b"RIFF....WAVEfmt ").decode()], sidecar)


def test_serving_imports_no_training_code(runs: dict[str, Path]) -> None:
    """DESIGN.md: serving depends on models, features and the run's files, never on training."""
    import json
    import subprocess
    import sys

    code = (
        "import sys, json\n"
        "from depthlab.serve.app import create_app\n"
        "from depthlab.serve.service import Service\n"
        f"service = Service.load({str(runs['iris'])!r}, 'torch')\n"
        "create_app(service)\n"
        "service.predict([[5.1, 3.5, 1.4, 0.2]])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('depthlab.'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "depthlab.serve.app" in loaded
    assert [m for m in loaded if m.startswith(("depthlab.training", "depthlab.studies"))] == []

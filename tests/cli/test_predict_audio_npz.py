"""``depthlab predict`` on WAV folders (flat, by class, at another sample rate) and ``.npz`` files
(``X`` alone, or with ``y``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from depthlab.config import TrainSpec

Run = Callable[..., Any]
RATE = 8000
PATTERN = r"(?P<label>[a-z]+)_\d+\.wav"


def tone(kind: str, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """A low or a high tone with a little noise, 0.1 s."""
    t = np.arange(int(0.1 * rate)) / rate
    frequency = 300.0 if kind == "low" else 2000.0
    noise = np.random.default_rng(seed).normal(scale=0.05, size=t.size)
    return (0.5 * np.sin(2 * np.pi * frequency * t) + noise).astype(np.float32)


def write_tones(folder: Path, count: int, rate: int = RATE, nested: bool = False) -> None:
    import soundfile as sf

    for kind in ("low", "high"):
        for i in range(count):
            target = folder / kind if nested else folder
            target.mkdir(parents=True, exist_ok=True)
            sf.write(target / f"{kind}_{i}.wav", tone(kind, rate, seed=i), rate)


@pytest.fixture(scope="module")
def audio_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CNN that tells low from high tones, trained on a flat folder labelled by file name."""
    from depthlab.training.run import train

    root = tmp_path_factory.mktemp("tones")
    write_tones(root / "train", 24)
    train(
        root / "train",
        TrainSpec(
            model="cnn",
            preset="shallow",
            data={"label_pattern": PATTERN},
            train={"epochs": 8, "lr": 0.01},
            features={"features": "waveform"},
        ),
        out=root / "run",
    )
    return root / "run"


def predictions(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def test_flat_wav_folder_labelled_by_pattern(cli: Run, tmp_path: Path, audio_run: Path) -> None:
    write_tones(tmp_path / "new", 5)
    out = tmp_path / "p.csv"
    result = cli("predict", str(audio_run), str(tmp_path / "new"), "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["accuracy"] >= 0.9
    table = predictions(out)
    assert len(table) == 10 and table["id"].str.endswith(".wav").all()


def test_wav_folder_by_class_at_another_rate(cli: Run, tmp_path: Path, audio_run: Path) -> None:
    write_tones(tmp_path / "new", 4, rate=16000, nested=True)
    out = tmp_path / "p.csv"
    result = cli("predict", str(audio_run), str(tmp_path / "new"), "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert "resampling 8 of 8 files to 8000 Hz" in result.err
    assert json.loads(result.out)["accuracy"] >= 0.9


def test_unlabelled_wav_folder(cli: Run, tmp_path: Path, audio_run: Path) -> None:
    import soundfile as sf

    (tmp_path / "new").mkdir()
    for i, kind in enumerate(("low", "high", "high")):
        sf.write(tmp_path / "new" / f"clip{i}.wav", tone(kind, seed=9 + i), RATE)
    out = tmp_path / "p.csv"
    result = cli("predict", str(audio_run), str(tmp_path / "new"), "-o", str(out))
    assert result.code == 0, result.err
    assert "accuracy" not in result.out
    table = predictions(out)
    assert list(table["id"]) == ["clip0.wav", "clip1.wav", "clip2.wav"]
    assert list(table["prediction"]) == ["low", "high", "high"]


@pytest.fixture(scope="module")
def sequence_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    """An MLP trained on an ``.npz`` of sequences whose class is the sign of their mean; the
    labels are 3 and 7, so class names are "3" and "7"."""
    from depthlab.training.run import train

    root = tmp_path_factory.mktemp("npz")
    rng = np.random.default_rng(0)
    y = np.where(rng.random(200) < 0.5, 3, 7)
    x = rng.normal(size=(200, 1, 12)) + np.where(y == 3, -1.0, 1.0)[:, None, None]
    np.savez(root / "train.npz", X=x, y=y)
    train(root / "train.npz", TrainSpec(model="mlp", train={"epochs": 5}), out=root / "run")
    return root / "run", x, y


def test_npz_with_labels_by_value(cli: Run, tmp_path: Path, sequence_run: Any) -> None:
    run, x, y = sequence_run
    np.savez(tmp_path / "new.npz", X=x[:40], y=y[:40])
    out = tmp_path / "p.csv"
    result = cli("predict", str(run), str(tmp_path / "new.npz"), "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["accuracy"] >= 0.9
    assert set(predictions(out)["prediction"]) <= {3, 7}


def test_npz_without_labels(cli: Run, tmp_path: Path, sequence_run: Any) -> None:
    run, x, _ = sequence_run
    np.savez(tmp_path / "new.npz", X=x[:7])
    out = tmp_path / "p.csv"
    result = cli("predict", str(run), str(tmp_path / "new.npz"), "-o", str(out))
    assert result.code == 0, result.err
    assert "wrote 7 predictions" in result.out and "accuracy" not in result.out


def test_npz_of_the_wrong_shape(cli: Run, tmp_path: Path, sequence_run: Any) -> None:
    run, x, _ = sequence_run
    np.savez(tmp_path / "new.npz", X=x[:5, :, :10])
    result = cli("predict", str(run), str(tmp_path / "new.npz"), "-o", str(tmp_path / "p.csv"))
    assert result.code == 2 and "(1, 12)" in result.err, result.err

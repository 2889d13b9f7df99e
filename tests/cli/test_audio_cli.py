"""Audio through the CLI: ``train``, ``evaluate`` and ``predict`` with each audio pipeline, one
speaker held out, and WAV files that are stereo, at another rate, corrupt or empty."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import soundfile

from depthlab.config import TrainSpec

Run = Callable[..., Any]
RATE = 8000
PATTERN = r"(?P<label>[a-z]+)_(?P<group>[a-z]+)_\d+\.wav"
SPEAKERS = ("ann", "bob", "cy")


def word(kind: str, seed: int, rate: int = RATE) -> np.ndarray:
    """A 'word': a low (300-450 Hz) or high (1.6-2.4 kHz) tone of 0.2-0.3 s, with noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rng.uniform(0.2, 0.3) * rate)) / rate
    low = kind == "low"
    freq = rng.uniform(300, 450) if low else rng.uniform(1600, 2400)
    wave = 0.4 * np.sin(2 * np.pi * freq * t) + rng.normal(scale=0.03, size=t.size)
    return wave.astype(np.float32)


def write_words(root: Path, takes: int = 6, seed: int = 0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for s, speaker in enumerate(SPEAKERS):
        for kind in ("low", "high"):
            for take in range(takes):
                wave = word(kind, seed + 1000 * s + 10 * take + (kind == "high"))
                soundfile.write(root / f"{kind}_{speaker}_{take}.wav", wave, RATE)
    return root


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_words(tmp_path_factory.mktemp("audio") / "words")


def assert_one_line_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


CASES = [
    ("cnn", "logmel", ["--preset", "deep"]),
    ("rnn", "mfcc", ["--option", "hidden_size=16"]),
    ("mlp", "logmel", ["--option", "width=32"]),
    ("logistic", "mfcc-stats", []),
    ("mlp", "waveform", ["--features", "waveform", "--option", "width=32"]),
]


@pytest.mark.parametrize(
    ("model", "pipeline", "extra"), CASES, ids=[c[1] + "-" + c[0] for c in CASES]
)
def test_train_evaluate_predict_with_each_pipeline(
    cli: Run, tmp_path: Path, words: Path, model: str, pipeline: str, extra: list[str]
) -> None:
    out = tmp_path / "run"
    trained = cli(
        "train", "--data", str(words), "--label-pattern", PATTERN, "--model", model,
        "--split", "stratified", "--epochs", "8", "--lr", "0.01", "--batch-size", "8",
        "--out", str(out), "--json", *extra,
    )  # fmt: skip
    assert trained.code == 0, trained.err
    metrics = json.loads(trained.out.strip().splitlines()[-1])
    run = json.loads((out / "run.json").read_text())
    assert run["preprocess"]["features"] == pipeline  # the run folder records its pipeline
    assert run["preprocess"]["stats"]["sample_rate"] == RATE
    if pipeline == "logmel" and model == "cnn":  # the pipeline's deep CNN pools every block
        options = run["model"]["options"]
        assert options["channels"] == [16, 32, 64, 128] and options["pool"] == "max"
    if model != "logistic":  # spectrograms train warped and masked unless told otherwise
        assert run["train"]["augment"] == ("warp+mask" if pipeline == "logmel" else "none")
    scored = cli("evaluate", str(out), "--json")
    assert scored.code == 0, scored.err
    assert json.loads(scored.out)["accuracy"] == metrics["test"]["accuracy"]

    fresh = write_words(tmp_path / "new", takes=3, seed=77)  # unseen takes, same speakers
    table = tmp_path / "predictions.csv"
    predicted = cli("predict", str(out), str(fresh), "-o", str(table), "--json")
    assert predicted.code == 0, predicted.err
    rows = pd.read_csv(table)
    assert len(rows) == 18 and set(rows["prediction"]) <= {"high", "low"}
    if pipeline != "waveform":  # raw samples of tones at random phases: no feature to learn
        assert json.loads(predicted.out)["accuracy"] >= 0.8


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory: pytest.TempPathFactory, words: Path) -> Path:
    from depthlab.training.run import train

    out = tmp_path_factory.mktemp("runs") / "cnn"
    train(
        words,
        TrainSpec(
            model="cnn",
            preset="deep",
            data={"label_pattern": PATTERN},
            train={"epochs": 8, "lr": 0.01, "batch_size": 8},
            split={"strategy": "stratified"},
        ),
        out=out,
    )
    return out


def test_predict_resamples_other_rates_and_mixes_stereo_down(
    cli: Run, tmp_path: Path, cnn_run: Path
) -> None:
    new = tmp_path / "new"
    new.mkdir()
    soundfile.write(new / "a_hifi.wav", word("high", 5, rate=16000), 16000)
    low = word("low", 6)
    soundfile.write(new / "b_stereo.wav", np.stack([low, 0.5 * low], axis=1), RATE)
    soundfile.write(new / "c_plain.wav", word("low", 7), RATE)
    table = tmp_path / "p.csv"
    result = cli("predict", str(cnn_run), str(new), "-o", str(table))
    assert result.code == 0, result.err
    assert "resampling 1 of 3 files to 8000 Hz" in result.err
    rows = pd.read_csv(table)
    assert list(rows["id"]) == ["a_hifi.wav", "b_stereo.wav", "c_plain.wav"]
    assert list(rows["prediction"]) == ["high", "low", "low"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"RIFF\x10\x00\x00\x00WAVEjunk", "cannot read WAV file"), (b"", "cannot read WAV file")],
    ids=["corrupt", "zero-bytes"],
)
def test_predict_names_a_bad_wav(
    cli: Run, tmp_path: Path, cnn_run: Path, content: bytes, message: str
) -> None:
    new = tmp_path / "new"
    new.mkdir()
    soundfile.write(new / "good.wav", word("low", 1), RATE)
    (new / "bad.wav").write_bytes(content)
    result = cli("predict", str(cnn_run), str(new), "-o", str(tmp_path / "p.csv"))
    assert_one_line_error(result, message, str(new / "bad.wav"))


def test_predict_names_a_wav_without_samples(cli: Run, tmp_path: Path, cnn_run: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    soundfile.write(new / "silent.wav", np.zeros(0, np.float32), RATE)
    result = cli("predict", str(cnn_run), str(new), "-o", str(tmp_path / "p.csv"))
    assert_one_line_error(result, "silent.wav has no samples")


def test_train_holds_out_one_speaker(cli: Run, tmp_path: Path, words: Path) -> None:
    out = tmp_path / "run"
    result = cli(
        "train", "--data", str(words), "--label-pattern", PATTERN, "--model", "logistic",
        "--test-group", "bob", "--out", str(out), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    split = json.loads((out / "run.json").read_text())["split"]
    assert split["test_group"] == "bob" and split["test"] == 12
    assert split["strategy"] == "group 'bob' held out"
    scored = cli("evaluate", str(out), "--json")
    assert scored.code == 0, scored.err
    stored = json.loads((out / "metrics.json").read_text())["test"]["accuracy"]
    assert json.loads(scored.out)["accuracy"] == stored


def test_train_split_and_group_errors(cli: Run, tmp_path: Path, words: Path) -> None:
    common = ("train", "--data", str(words), "--label-pattern", PATTERN, "--model", "logistic")
    result = cli(*common, "--test-group", "bobb", "--out", str(tmp_path / "a"))
    assert_one_line_error(result, "has no group 'bobb'", "Did you mean 'bob'", "ann, bob, cy")
    result = cli(*common, "--split", "official", "--out", str(tmp_path / "b"))
    assert_one_line_error(result, "has no official test set")
    result = cli("train", "--data", "iris", "--test-group", "x", "--out", str(tmp_path / "c"))
    assert_one_line_error(result, "iris has no groups")


@pytest.mark.slow  # log-mel, MFCC frames and MFCC statistics of all 2,500 FSDD clips
def test_a_study_of_fsdd_plans_each_model_on_its_own_features(cli: Run, tmp_path: Path) -> None:
    result = cli("study", "fsdd", "--quick", "--dry-run", "--out", str(tmp_path / "study"))
    assert result.code == 0, result.err
    models = next(line for line in result.err.splitlines() if "models" in line).split(None, 1)[1]
    assert models.split(", ") == [
        "logistic", "boosting", "linear", "mlp:shallow", "mlp:deep", "cnn:deep", "rnn:shallow",
    ]  # fmt: skip
    assert "estimated" in result.err and not (tmp_path / "study").exists()

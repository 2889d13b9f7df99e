"""WAV folders through ``load_dataset``: labels, speakers, channels, sample rates, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

import depthlab as dl
from depthlab.errors import ConfigError, DataError

RATE = 8000
PATTERN = r"(?P<label>\d)_(?P<group>[a-z]+)_\d+\.wav"


def tone(freq: float, seconds: float = 0.1, rate: int = RATE, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_wav(path: Path, wave: np.ndarray, rate: int = RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, wave, rate, subtype="FLOAT")
    return path


@pytest.fixture
def word_folder(tmp_path: Path) -> Path:
    root = tmp_path / "words"
    for i in range(3):
        write_wav(root / "no" / f"n{i}.wav", tone(200 + i, seconds=0.05 * (i + 1)))
        write_wav(root / "yes" / f"y{i}.wav", tone(800 + i, seconds=0.1))
    return root


def test_labels_from_subfolders(word_folder: Path) -> None:
    ds = dl.load_dataset(word_folder)
    assert ds.modality == "audio" and ds.task == "classification"
    assert ds.class_names == ("no", "yes") and ds.targets.tolist() == [0, 0, 0, 1, 1, 1]
    assert ds.sample_rate == RATE and ds.groups is None
    assert ds.sample_ids[3] == str(Path("yes") / "y0.wav")
    # lengths may differ; samples come back as written
    assert [len(w) for w in ds.inputs[:3]] == [400, 800, 1200]
    assert all(w.dtype == np.float32 and w.ndim == 1 for w in ds.inputs)
    assert np.allclose(ds.inputs[4], tone(801))


def test_labels_and_groups_from_a_pattern(tmp_path: Path) -> None:
    root = tmp_path / "digits"
    for speaker in ("ann", "bob", "cy"):
        for digit in (3, 7):
            for take in range(2):
                write_wav(root / f"{digit}_{speaker}_{take}.wav", tone(100 * digit + take))
    ds = dl.load_dataset(root, label_pattern=PATTERN)
    assert len(ds) == 12 and ds.class_names == ("3", "7")
    for target, group, sample_id in zip(ds.targets, ds.groups, ds.sample_ids, strict=True):
        digit, speaker, _ = sample_id.split("_")
        assert (ds.class_names[target], group) == (digit, speaker)
    assert sorted(set(ds.groups)) == ["ann", "bob", "cy"]
    assert dl.split_dataset(ds, seed=0).strategy == "grouped"


def test_pattern_without_group_and_bad_patterns(tmp_path: Path) -> None:
    root = tmp_path / "clips"
    for name in ("up_1.wav", "up_2.wav", "down_1.wav", "down_2.wav"):
        write_wav(root / name, tone(300))
    ds = dl.load_dataset(root, label_pattern=r"(?P<label>[a-z]+)_")
    assert ds.class_names == ("down", "up") and ds.groups is None
    with pytest.raises(DataError, match=r"named group \(\?P<label>"):
        dl.load_dataset(root, label_pattern=r"([a-z]+)_")
    with pytest.raises(DataError, match="invalid --label-pattern"):
        dl.load_dataset(root, label_pattern=r"(?P<label>[a-z+_")
    with pytest.raises(DataError, match=r"down_1\.wav does not match"):
        dl.load_dataset(root, label_pattern=r"(?P<label>up)_")


def test_stereo_is_mixed_down_to_mono(word_folder: Path) -> None:
    left, right = tone(440, amp=0.8), tone(440, amp=0.2)
    write_wav(word_folder / "yes" / "stereo.wav", np.stack([left, right], axis=1))
    ds = dl.load_dataset(word_folder)
    wave = ds.inputs[ds.sample_ids.index(str(Path("yes") / "stereo.wav"))]
    assert wave.ndim == 1 and len(wave) == len(left)
    assert np.allclose(wave, (left + right) / 2, atol=1e-6)


def test_other_sample_rate_is_resampled(
    word_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_wav(word_folder / "no" / "hifi.wav", tone(200, seconds=0.1, rate=16000), rate=16000)
    with caplog.at_level("WARNING"):
        ds = dl.load_dataset(word_folder)
    assert ds.sample_rate == RATE  # the most common rate wins
    wave = ds.inputs[ds.sample_ids.index(str(Path("no") / "hifi.wav"))]
    assert len(wave) == 800 and wave.dtype == np.float32
    # still a 200 Hz tone: compare away from the edges, where the filter rings
    assert np.allclose(wave[100:-100], tone(200)[100:-100], atol=0.02)
    assert "resampling 1 of 7 files to 8000 Hz" in caplog.text


def test_sample_rate_option(word_folder: Path) -> None:
    ds = dl.load_dataset(word_folder, sample_rate=4000)
    assert ds.sample_rate == 4000
    assert [len(w) for w in ds.inputs[:3]] == [200, 400, 600]


def test_corrupt_wav_names_the_file(word_folder: Path) -> None:
    (word_folder / "yes" / "junk.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEgarbage")
    with pytest.raises(DataError, match=r"cannot read WAV file .*junk\.wav"):
        dl.load_dataset(word_folder)


def test_zero_byte_wav_names_the_file(word_folder: Path) -> None:
    (word_folder / "no" / "blank.wav").write_bytes(b"")
    with pytest.raises(DataError, match=r"blank\.wav"):
        dl.load_dataset(word_folder)


def test_wav_without_samples_names_the_file(word_folder: Path) -> None:
    write_wav(word_folder / "no" / "silent.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(DataError, match=r"silent\.wav has no samples"):
        dl.load_dataset(word_folder)


def test_one_class_is_an_error(tmp_path: Path) -> None:
    write_wav(tmp_path / "calls" / "bird" / "a.wav", tone(900))
    write_wav(tmp_path / "calls" / "bird" / "b.wav", tone(950))
    with pytest.raises(DataError, match="single class \\('bird'\\)"):
        dl.load_dataset(tmp_path / "calls")


@pytest.mark.parametrize("option", [{"resize": (4, 4)}, {"target": "y"}, {"grayscale": False}])
def test_option_not_for_audio(word_folder: Path, option: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"audio folder \(valid: label_pattern, sample_rate\)"):
        dl.load_dataset(word_folder, **option)


def test_invalid_sample_rate(word_folder: Path) -> None:
    with pytest.raises(ConfigError, match="sample_rate"):
        dl.load_dataset(word_folder, sample_rate=0)

"""The cache of generated plant data: a hit returns identical arrays without simulating, an
interrupted write leaves no file, an unreadable file is made again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from depthlab.data.control import cache, generate, plant_data


def cached_files(root: Path) -> list[Path]:
    return sorted((root / "control").glob("*")) if (root / "control").exists() else []


def test_a_cache_hit_returns_identical_data_without_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = plant_data("duffing", n_train=2, steps=100, seed=7, cache_dir=tmp_path)
    [file] = cached_files(tmp_path)
    assert file.suffix == ".npz" and file.name.startswith("duffing-")

    def refuse(name: str) -> None:
        raise AssertionError("simulated although the data was cached")

    monkeypatch.setattr(generate, "dynamics", refuse)
    again = plant_data("duffing", n_train=2, steps=100, seed=7, cache_dir=tmp_path)
    for split in ("train", "val", "test"):
        a, b = getattr(first, split), getattr(again, split)
        assert np.array_equal(a.u, b.u) and np.array_equal(a.y, b.y)
        assert (a.dt, a.input_names, a.output_names) == (b.dt, b.input_names, b.output_names)
    assert (again.plant, again.excitation, again.seed, again.init_window) == (
        first.plant,
        first.excitation,
        first.seed,
        first.init_window,
    )
    assert again.meta == first.meta


def test_every_argument_is_part_of_the_key(tmp_path: Path) -> None:
    base = {"n_train": 2, "steps": 60, "cache_dir": tmp_path}
    plant_data("linear", **base)  # type: ignore[arg-type]
    plant_data("linear", seed=1, **base)  # type: ignore[arg-type]
    plant_data("linear", excitation="multisine", **base)  # type: ignore[arg-type]
    plant_data("linear", noise_std=0.1, **base)  # type: ignore[arg-type]
    plant_data("linear", n_train=3, steps=60, cache_dir=tmp_path)
    plant_data("linear", n_train=2, steps=61, cache_dir=tmp_path)
    assert len(cached_files(tmp_path)) == 6


def test_the_data_cache_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPTHLAB_CACHE_DIR", str(tmp_path / "data-cache"))
    plant_data("linear", n_train=1, steps=20)
    assert len(cached_files(tmp_path / "data-cache")) == 1


def test_an_interrupted_write_leaves_no_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_savez = np.savez

    def interrupted(file: object, **arrays: np.ndarray) -> None:
        real_savez(file, **arrays)  # the bytes are written, then the run is killed
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        plant_data("linear", n_train=2, steps=50, cache_dir=tmp_path)
    assert cached_files(tmp_path) == []  # neither the cache file nor its temporary file
    monkeypatch.undo()
    data = plant_data("linear", n_train=2, steps=50, cache_dir=tmp_path)
    assert data.train.n == 2 and len(cached_files(tmp_path)) == 1


def test_an_unreadable_cache_file_is_made_again(tmp_path: Path) -> None:
    first = plant_data("linear", n_train=2, steps=50, cache_dir=tmp_path)
    [file] = cached_files(tmp_path)
    file.write_bytes(b"not a zip file")
    again = plant_data("linear", n_train=2, steps=50, cache_dir=tmp_path)
    assert np.array_equal(first.train.y, again.train.y)
    assert cache.load(file) is not None

"""``depthlab data list`` and ``depthlab data show`` on the control plants."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from depthlab.data.control import get_plant, list_plants

Run = Callable[..., Any]
PLANTS = [p.name for p in list_plants()]


def test_list_shows_a_table_of_control_plants(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("data", "list")
    assert result.code == 0, result.err
    assert "built-in datasets" in result.out and "control plants" in result.out
    plants_table = result.out.split("control plants", 1)[1]
    for name in PLANTS:
        assert name in plants_table
    for excitation in ("random-steps", "multisine", "prbs"):
        assert excitation in plants_table  # never cut short


def test_list_json_has_a_row_per_plant(cli: Run) -> None:
    result = cli("data", "list", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    control = [row for row in rows if row["modality"] == "control"]
    assert [row["name"] for row in control] == PLANTS
    pendulum = control[0]
    assert pendulum["inputs"] == ["torque"]
    assert pendulum["outputs"] == ["cos_theta", "sin_theta", "theta_dot"]
    assert (pendulum["dt"], pendulum["kind"], pendulum["excitation"]) == (
        0.05,
        "gym",
        "random-steps",
    )


@pytest.mark.parametrize("name", ["pendulum", "tanks"])
def test_show_plots_inputs_and_outputs_and_prints_one_line(
    name: str, cli: Run, tmp_path: Path
) -> None:
    out = tmp_path / f"{name}.png"
    result = cli("data", "show", name, "--out", str(out), "--excitation", "prbs", "--seed", "2")
    assert result.code == 0, result.err
    [line] = result.out.strip().splitlines()
    spec = get_plant(name)
    assert line.startswith(f"{name} ({spec.kind}, dt {spec.dt:g} s): train {spec.n_train}")
    assert "excitation prbs, seed 2" in line and str(out) in line
    with Image.open(out) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width >= 500 and height >= 150 * (spec.n_u + spec.n_y)  # a panel per channel


def test_show_json_and_the_default_picture_name(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("data", "show", "linear", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["modality"] == "control" and summary["excitation"] == "prbs"
    assert (summary["train"], summary["val"], summary["test"], summary["steps"]) == (10, 2, 4, 200)
    assert (tmp_path / "linear.png").is_file()
    assert summary["picture"] == "linear.png"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pendulm"], "unknown plant 'pendulm'. Did you mean 'pendulum'?"),
        (["linear", "--excitation", "multi-sine"], "unknown excitation 'multi-sine'"),
        (["nonesuch", "--excitation", "prbs"], "unknown plant 'nonesuch'"),
        (["pendulum", "--excitation", "expert"], "the 'expert' excitation needs a policy"),
    ],
)
def test_bad_plant_requests_give_one_line_errors(
    args: list[str], message: str, cli: Run, tmp_path: Path
) -> None:
    result = cli("data", "show", *args, "--out", str(tmp_path / "x.png"))
    assert result.code != 0
    assert message in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_a_dataset_name_still_reaches_the_datasets(cli: Run, tmp_path: Path) -> None:
    result = cli("data", "show", "irs", "--out", str(tmp_path / "x.png"))
    assert result.code != 0
    assert "unknown dataset 'irs'" in result.err

"""What ``depthlab data show PLANT`` prints and draws: a summary of a plant's data and a picture of
the inputs and outputs of a few training trajectories.

Example:
    >>> from depthlab.data.control import plant_data
    >>> describe_plant(plant_data("linear", n_train=2, steps=50))["steps"]
    50
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.data.control.plants import get_plant
from depthlab.data.control.trajectories import PlantData

SHOWN = 3  # trajectories drawn


def describe_plant(data: PlantData) -> dict[str, Any]:
    """The facts of *data* as plain JSON values."""
    spec = get_plant(data.plant)
    return {
        "name": data.plant,
        "modality": "control",
        "kind": spec.kind,
        "description": spec.description,
        "dt": data.train.dt,
        "inputs": list(data.train.input_names),
        "outputs": list(data.train.output_names),
        "excitation": data.excitation,
        "seed": data.seed,
        "train": data.train.n,
        "val": data.val.n,
        "test": data.test.n,
        "steps": data.train.steps,
        "init_window": data.init_window,
        "noise_std": data.meta.get("noise_std"),
    }


def summary_line(summary: dict[str, Any]) -> str:
    """One line: ``pendulum (gym, dt 0.05 s): train 50, val 10, test 20 trajectories x ...``."""
    s = summary
    return (
        f"{s['name']} ({s['kind']}, dt {s['dt']:g} s): train {s['train']}, val {s['val']}, "
        f"test {s['test']} trajectories x {s['steps']} steps; inputs {', '.join(s['inputs'])}; "
        f"outputs {', '.join(s['outputs'])}; excitation {s['excitation']}, seed {s['seed']}, "
        f"init window {s['init_window']}, noise {s['noise_std']:g}; picture {s['picture']}"
    )


def save_plant_preview(data: PlantData, path: str | Path) -> Path:
    """Plot every input and output channel of the first few training trajectories into *path*
    (PNG), the initialisation window shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    part = data.train.take(slice(0, SHOWN))
    names = [*part.input_names, *part.output_names]
    values = np.concatenate([part.u, part.y], axis=2)  # (n, T, n_u + n_y)
    time = np.arange(part.steps) * part.dt
    fig, axes = plt.subplots(
        len(names), 1, figsize=(10, 1.6 * len(names) + 0.8), sharex=True, squeeze=False
    )
    for channel, (ax, name) in enumerate(zip(axes[:, 0], names, strict=True)):
        style = "steps-post" if channel < part.n_u else "default"  # inputs are held
        for i in range(part.n):
            ax.plot(
                time, values[i, :, channel], linewidth=0.8, drawstyle=style, label=f"trajectory {i}"
            )
        ax.axvspan(0, data.init_window * part.dt, color="0.9")
        ax.set_ylabel(name + (" (in)" if channel < part.n_u else ""))
    axes[0, 0].legend(loc="upper right", fontsize="small")
    axes[-1, 0].set_xlabel("time (s)")
    fig.suptitle(f"{data.plant}: {data.excitation} excitation, seed {data.seed}")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    fig.savefig(partial, dpi=100, format="png")
    os.replace(partial, out)  # an interrupted save never leaves a truncated picture
    plt.close(fig)
    return out

"""Pictures of closed-loop trajectories: each kept episode's states and actions against time.

Example::

    result = evaluate_controller("Pendulum-v1", expert, episodes=5, keep=3)
    plot_trajectories(result, "trajectories.png")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from depthlab.evaluate.closed_loop import ClosedLoopResult

# Signals drawn per environment: (name, function of the observations (T+1, d))
_SIGNALS = {
    "CartPole-v1": (("cart position x", 0), ("pole angle th (rad)", 2)),
    "Pendulum-v1": (("angle th (rad)", -1), ("angular speed th' (rad/s)", 2)),
}


def _signal(obs: np.ndarray, column: int) -> np.ndarray:
    return np.arctan2(obs[:, 1], obs[:, 0]) if column == -1 else obs[:, column]


def plot_trajectories(result: ClosedLoopResult, path: str | Path, *, title: str = "") -> Path:
    """Draw ``result.trajectories`` (states and actions per step) into a PNG at *path*."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    signals = _SIGNALS[result.env_id]
    figure, axes = plt.subplots(len(signals) + 1, 1, figsize=(7, 6), sharex=True)
    for i, episode in enumerate(result.trajectories):
        label = f"episode {result.seed + i}: return {episode.rewards.sum():.0f}"
        for ax, (_, column) in zip(axes, signals, strict=False):
            ax.plot(_signal(episode.obs, column), lw=1, label=label)
        axes[-1].plot(episode.actions.reshape(episode.steps, -1)[:, 0], lw=0.8)
    for ax, (name, _) in zip(axes, signals, strict=False):
        ax.set_ylabel(name, fontsize=8)
    axes[-1].set_ylabel("action", fontsize=8)
    axes[-1].set_xlabel("control step")
    axes[0].legend(fontsize=7, loc="upper right")
    axes[0].set_title(title or f"{result.env_id}: closed-loop trajectories")
    out = Path(path)
    figure.tight_layout()
    figure.savefig(out, dpi=100)
    plt.close(figure)
    return out

"""TensorBoard event files for a training run: scalars per epoch, hyperparameters at the end.

Scalars use the epoch (1, 2, ...) as their step: ``loss/train``, ``loss/val``, ``val/accuracy``
(or ``val/rmse``...), ``train/lr`` and ``time/train_seconds``. When the run ends, its settings
and test metrics go to the HParams dashboard (``test/accuracy``...). ``tensorboard --logdir
runs`` then shows every run folder's ``tb/`` side by side.

A resumed run appends to the same folder without repeating a step: it reads which epochs the
event files already hold, fills in any the interrupted process had not written from
history.jsonl, and opens its writer with ``purge_step`` so that TensorBoard hides anything
written past that point.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.errors import ConfigError
from depthlab.track.base import Tracker, flat_params, scalar_metrics

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

    from depthlab.training.run import Run

log = logging.getLogger(__name__)

FOLDER = "tb"
LOSS_TAG = "loss/train"  # written every epoch: the tag a resumed run reads its progress from


def scalar_tags(record: dict[str, Any]) -> dict[str, float]:
    """A history record's numbers under TensorBoard tags (grouped by the part before ``/``).

    Example:
        >>> scalar_tags({"epoch": 3, "train_loss": 0.5, "val_loss": 0.6, "val_accuracy": 0.8})
        {'loss/train': 0.5, 'loss/val': 0.6, 'val/accuracy': 0.8}
    """
    tags: dict[str, float] = {}
    for key, value in record.items():
        if key == "epoch" or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if key in ("train_loss", "val_loss"):
            tag = f"loss/{key.split('_')[0]}"
        elif key.startswith("val_"):
            tag = f"val/{key[4:]}"
        elif key == "lr":
            tag = "train/lr"
        elif key == "seconds":
            tag = "time/train_seconds"
        else:
            tag = f"epoch/{key}"
        tags[tag] = float(value)
    return tags


def logged_epochs(log_dir: Path) -> int:
    """The epochs 1..N the event files in *log_dir* hold without a gap: N (0 when none)."""
    if not any(log_dir.glob("events.out.tfevents.*")):
        return 0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0}).Reload()
    if LOSS_TAG not in events.Tags().get("scalars", []):
        return 0
    logged = {int(event.step) for event in events.Scalars(LOSS_TAG)}
    last = 0
    while last + 1 in logged:
        last += 1
    return last


class TensorBoardTracker(Tracker):
    """Write a run's scalars and hyperparameters as TensorBoard event files.

    *log_dir* defaults to the run folder's ``tb/``. Without the ``tensorboard`` package the
    tracker switches itself off (a debug log line says so) and training goes on.

    Example:
        >>> import depthlab as dl
        >>> tb = dl.TensorBoardTracker()
        >>> dl.train("iris", "mlp", out="runs/iris", track=[tb])  # doctest: +SKIP
    """

    name = "tensorboard"

    def __init__(self, log_dir: str | Path | None = None) -> None:
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.writer: SummaryWriter | None = None
        self.folder: Path | None = None
        self.last_epoch = 0  # the last epoch the event files hold
        self.enabled = False
        self.resume = False

    def start(self, config: dict[str, Any], folder: Path | None, resume: bool) -> None:
        if self.log_dir is None:
            if folder is None:
                raise ConfigError(
                    "TensorBoard event files need a folder: pass out= (they go to OUT/tb) "
                    "or TensorBoardTracker(log_dir=...)"
                )
            self.log_dir = folder / FOLDER
        try:
            import torch.utils.tensorboard  # noqa: F401
        except ImportError:
            log.debug("tensorboard is not installed: no event files (depthlab[track] adds it)")
            return
        self.enabled, self.folder, self.resume = True, folder, resume
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.last_epoch = logged_epochs(self.log_dir) if resume else 0

    def _open(self, first: int) -> SummaryWriter:
        """The writer, opened when this process's first epoch (*first*) is known."""
        from torch.utils.tensorboard import SummaryWriter

        if self.writer is None:
            assert self.log_dir is not None
            # A resumed run restarts after its checkpoint: events an interrupted process left
            # at or past that epoch are hidden (purge_step), epochs it missed are filled in.
            purge = min(self.last_epoch + 1, first) if self.resume else None
            self.writer = SummaryWriter(str(self.log_dir), purge_step=purge, flush_secs=30)
            self.last_epoch = (purge or 1) - 1
            self._catch_up(first)
        return self.writer

    def epoch(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        writer = self._open(int(record["epoch"]))
        self._write(record)
        writer.flush()  # every epoch reaches the disk: an interrupted run keeps what it logged

    def _write(self, record: dict[str, Any]) -> None:
        assert self.writer is not None
        epoch = int(record["epoch"])
        for tag, value in scalar_tags(record).items():
            self.writer.add_scalar(tag, value, global_step=epoch)
        self.last_epoch = epoch

    def _catch_up(self, before: int) -> None:
        """Write the epochs after the last logged one and before *before* from history.jsonl."""
        history = self.folder / "history.jsonl" if self.folder else None
        if history is None or not history.is_file() or self.last_epoch + 1 >= before:
            return
        for line in history.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            if self.last_epoch < int(record.get("epoch", 0)) < before:
                self._write(record)

    def finish(self, run: Run) -> None:
        if not self.enabled:
            return
        from torch.utils.tensorboard.summary import hparams

        epochs = int(run.metrics.get("epochs_run") or len(run.history))
        self._open(epochs + 1)  # a resumed run that had trained every epoch opens it here
        assert self.writer is not None
        metrics = {f"test/{k}": v for k, v in scalar_metrics(run.metrics).items()}
        cost = run.metrics.get("cost", {})
        for key in ("parameters", "train_seconds"):
            if isinstance(cost.get(key), int | float):
                metrics[f"cost/{key}"] = float(cost[key])
        params = flat_params(run.config)
        # The summaries go into this run's own files (SummaryWriter.add_hparams would open a
        # separate run in a subfolder), and the metrics as scalars the dashboard looks up.
        writer = self.writer._get_file_writer()  # type: ignore[no-untyped-call]
        for summary in hparams(params, metrics):  # type: ignore[no-untyped-call]
            writer.add_summary(summary, epochs)
        for tag, value in metrics.items():
            self.writer.add_scalar(tag, value, global_step=epochs)

    def close(self, status: str) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

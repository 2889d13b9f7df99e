"""An MLflow run for a training run: parameters, metrics per epoch, final metrics and files.

The store is any MLflow tracking URI (``http://...``, ``sqlite:///...``, ``databricks``...);
``local`` (the default) is an SQLite store ``mlflow.db`` in the working folder, with the files
beside it in ``mlartifacts/``: it works offline, without a server, and ``mlflow ui
--backend-store-uri sqlite:///mlflow.db`` shows it. The experiment is named after the dataset
unless told otherwise. The client API is used rather than ``mlflow.start_run`` so that no
global "active run" outlives the training.

A resumed run goes on logging into the same MLflow run: its id is kept in the run folder's
``mlflow.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.errors import ConfigError, require
from depthlab.track.base import Tracker, flat_params, scalar_metrics

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

    from depthlab.training.run import Run

LOCAL = "local"
STATE_FILE = "mlflow.json"
# The files worth keeping with the MLflow run (checkpoints only serve --resume).
ARTIFACTS = ("run.json", "metrics.json", "history.jsonl", "model.safetensors", "model_card.md")
PLOTS = ("*.png", "*.svg", "*.pdf", "*.skops", "*.onnx")
STATUS = {"finished": "FINISHED", "failed": "FAILED", "killed": "KILLED"}
MAX_PARAMS = 100  # per log_batch call, MLflow's limit
MAX_VALUE = 6000  # characters of a parameter value


def tracking_uri(uri: str | None) -> str:
    """``local`` or None -> ``sqlite:///<working folder>/mlflow.db``; ``x.db`` -> SQLite there.

    Example:
        >>> tracking_uri("http://127.0.0.1:5000")
        'http://127.0.0.1:5000'
    """
    if uri is None or uri == LOCAL:
        return f"sqlite:///{Path('mlflow.db').resolve()}"
    if "://" not in uri and uri.endswith(".db"):
        return f"sqlite:///{Path(uri).expanduser().resolve()}"
    return uri


def _artifact_root(uri: str) -> str | None:
    """Files of a local SQLite store go beside it, not into the working folder's mlruns/."""
    if not uri.startswith("sqlite:///"):
        return None
    return (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts").as_uri()


class MlflowTracker(Tracker):
    """Log a training run to an MLflow tracking store.

    *uri*: a tracking URI, a ``.db`` file, or ``local`` (``sqlite:///mlflow.db`` in the working
    folder). *experiment*: default the dataset's name. *run_name*: default the run folder's name.

    Example:
        >>> import depthlab as dl
        >>> ml = dl.MlflowTracker("sqlite:///mlflow.db", experiment="iris")
        >>> dl.train("iris", "mlp", out="runs/iris", track=[ml])  # doctest: +SKIP
    """

    name = "mlflow"

    def __init__(
        self, uri: str | None = LOCAL, experiment: str | None = None, run_name: str | None = None
    ) -> None:
        self.uri = tracking_uri(uri)
        self.experiment = experiment
        self.run_name = run_name
        self.client: MlflowClient | None = None
        self.run_id: str | None = None
        self.folder: Path | None = None
        self.caught_up = False

    def start(self, config: dict[str, Any], folder: Path | None, resume: bool) -> None:
        require("mlflow", "track")
        from mlflow.tracking import MlflowClient

        self.folder = folder
        try:
            client = MlflowClient(tracking_uri=self.uri)
            self.run_id = self._resumed(client) if resume else None
            if self.run_id is None:
                self.run_id = self._create(client, config, folder)
        except Exception as exc:  # MLflow raises its own and the drivers' errors
            raise ConfigError(
                f"cannot log to the MLflow store {self.uri}: {str(exc).splitlines()[0]}; "
                "check --mlflow (e.g. --mlflow local for ./mlflow.db)"
            ) from None
        self.client = client

    def _resumed(self, client: MlflowClient) -> str | None:
        state = self._state()
        if state.get("tracking_uri") != self.uri or not state.get("run_id"):
            return None
        run_id = str(state["run_id"])
        client.update_run(run_id, status="RUNNING")
        return run_id

    def _create(self, client: MlflowClient, config: dict[str, Any], folder: Path | None) -> str:
        from mlflow.entities import Param

        data = config.get("data", {})
        name = self.experiment or str(data.get("name") or "depthlab")
        found = client.get_experiment_by_name(name)
        experiment_id = (
            found.experiment_id
            if found is not None
            else client.create_experiment(name, artifact_location=artifact_root_of(self.uri, name))
        )
        family = config.get("model", {}).get("family", "model")
        run_name = self.run_name or (
            folder.name if folder else f"{data.get('name')}-{family}-{config.get('preset')}"
        )
        tags = {"depthlab.folder": str(folder.resolve()) if folder else ""}
        run = client.create_run(experiment_id, run_name=run_name, tags=tags)
        params = [Param(k, str(v)[:MAX_VALUE]) for k, v in flat_params(config).items()]
        for i in range(0, len(params), MAX_PARAMS):
            client.log_batch(run.info.run_id, params=params[i : i + MAX_PARAMS])
        if folder is not None:
            state = {"tracking_uri": self.uri, "experiment_id": experiment_id}
            (folder / STATE_FILE).write_text(
                json.dumps({**state, "run_id": run.info.run_id}, indent=2) + "\n",
                encoding="utf-8",
            )
        return str(run.info.run_id)

    def _state(self) -> dict[str, Any]:
        path = self.folder / STATE_FILE if self.folder else None
        if path is None or not path.is_file():
            return {}
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return state if isinstance(state, dict) else {}

    def log_metrics(self, values: dict[str, float], step: int) -> None:
        """Log *values* at *step* in one call."""
        from mlflow.entities import Metric

        if self.client is None or self.run_id is None or not values:
            return
        now = int(time.time() * 1000)
        metrics = [Metric(k, float(v), now, step) for k, v in values.items()]
        self.client.log_batch(self.run_id, metrics=metrics)

    def epoch(self, record: dict[str, Any]) -> None:
        epoch = int(record["epoch"])
        if not self.caught_up:  # this process's first epoch: fill in what the last one missed
            self.caught_up = True
            self._catch_up(epoch)
        self.log_metrics(numeric_values(record), epoch)

    def _catch_up(self, before: int) -> None:
        """Log the epochs before *before* that history.jsonl holds and the MLflow run lacks
        (an interrupted run stops between its checkpoint and this hook)."""
        history = self.folder / "history.jsonl" if self.folder else None
        if before <= 1 or history is None or not history.is_file() or self.client is None:
            return
        logged = {m.step for m in self.client.get_metric_history(str(self.run_id), "train_loss")}
        for line in history.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            epoch = int(record.get("epoch", 0))
            if 0 < epoch < before and epoch not in logged:
                self.log_metrics(numeric_values(record), epoch)

    def finish(self, run: Run) -> None:
        if self.client is None or self.run_id is None:
            return
        if not self.caught_up:  # resumed after its last epoch: nothing trained in this process
            self.caught_up = True
            self._catch_up(int(run.metrics.get("epochs_run") or 0) + 1)
        final = {f"test_{k}": v for k, v in scalar_metrics(run.metrics).items()}
        for key, value in run.metrics.get("cost", {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                final[f"cost_{key}"] = float(value)
        for key in ("epochs_run", "best_epoch"):
            if isinstance(run.metrics.get(key), int):
                final[key] = float(run.metrics[key])
        self.log_metrics(final, int(run.metrics.get("epochs_run") or 0))
        if run.path is not None:
            for path in self.artifacts(run.path):
                self.client.log_artifact(self.run_id, str(path))

    @staticmethod
    def artifacts(folder: Path) -> list[Path]:
        """The files of a run folder that go to the MLflow run."""
        found = [folder / name for name in ARTIFACTS if (folder / name).is_file()]
        for pattern in PLOTS:
            found += sorted(p for p in folder.glob(pattern) if p not in found)
        return found

    def close(self, status: str) -> None:
        if self.client is not None and self.run_id is not None:
            self.client.set_terminated(self.run_id, STATUS.get(status, "FAILED"))
        self.client = None


def numeric_values(record: dict[str, Any]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in record.items()
        if k != "epoch" and isinstance(v, int | float) and not isinstance(v, bool)
    }


def artifact_root_of(uri: str, experiment: str) -> str | None:
    root = _artifact_root(uri)
    if root is None:
        return None
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in experiment)
    return f"{root}/{safe}"

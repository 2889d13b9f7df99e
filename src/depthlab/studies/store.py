"""The study's SQLite store: the plan's settings and one row per finished job.

Only the process that runs the study writes, one short transaction per finished job, so a kill at
any moment leaves the file intact: a job is either recorded whole or not at all, and running the
same command again runs exactly the jobs that are missing. The journal is SQLite's write-ahead log
with full synchronisation.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from depthlab.errors import ConfigError, DataError
from depthlab.studies.plan.job import Job
from depthlab.studies.record import JobResult

STORE = "study.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT NOT NULL,
    finished REAL NOT NULL
);
"""


class Store:
    """Results of one study folder.

    Example:
        >>> import tempfile
        >>> from depthlab.studies.plan.job import Job
        >>> store = Store(Path(tempfile.mkdtemp()) / "study.sqlite")
        >>> store.record(Job("fit", "linear"), JobResult(status="done"))
        >>> store.done_keys()
        {'linear/f1/s0'}
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.connect() as db:
                db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{path} is not a depthlab study store: {exc}") from None

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            with db:  # one transaction: committed on success, rolled back on error
                yield db

    def get_meta(self, key: str) -> Any:
        with self.connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def check_settings(self, settings: dict[str, Any]) -> None:
        """Bind the folder to one study: a second, different study is refused."""
        before = self.get_meta("settings")
        if before is None:
            self.set_meta("settings", settings)
            return
        changed = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
        if changed:
            raise ConfigError(
                f"{self.path.parent} holds a study with other settings ({', '.join(changed)}); "
                "run the same command to resume it, or choose another --out"
            )

    def record(self, job: Job, result: JobResult | Mapping[str, Any]) -> None:
        """Keep *job*'s result (a record, or a record's fields), replacing an earlier one."""
        if not isinstance(result, JobResult):
            result = JobResult.new(result)
        with self.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO results (key, job, status, result, finished) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    job.key,
                    json.dumps(job.to_dict()),
                    result.status,
                    json.dumps(result.to_json()),
                    time.time(),
                ),
            )

    def done_keys(self) -> set[str]:
        with self.connect() as db:
            return {row[0] for row in db.execute("SELECT key FROM results")}

    def done_jobs(self) -> set[Job]:
        """The jobs that have a result, as they were when they ran: a job counts as done only
        when it is the same job, the fingerprint of its tuned settings included."""
        with self.connect() as db:
            return {
                Job.from_dict(json.loads(row[0])) for row in db.execute("SELECT job FROM results")
            }

    def results(self) -> list[tuple[Job, JobResult]]:
        """Every job with its result, in the order of their keys (older records upgraded)."""
        with self.connect() as db:
            rows = db.execute("SELECT job, result FROM results ORDER BY key").fetchall()
        return [
            (Job.from_dict(json.loads(job)), JobResult.load(json.loads(result)))
            for job, result in rows
        ]


def open_store(folder: Path, must_exist: bool = False) -> Store:
    path = folder / STORE
    if must_exist and not path.is_file():
        raise DataError(f"{folder} holds no study ({STORE} is missing); run depthlab study first")
    return Store(path)

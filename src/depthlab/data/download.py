"""Downloads from official addresses, each file checked against its SHA-256; a cache; a mirror.

Where a file is looked for, in order:

1. the mirror folder (``--data-dir`` or ``DEPTHLAB_DATA_DIR``), as ``<mirror>/<name>/<file>``;
2. the cache folder (``--cache-dir``, ``DEPTHLAB_CACHE_DIR`` or ``~/.cache/depthlab``);
3. the official address (a zip archive), unless ``DEPTHLAB_OFFLINE`` is set.

Every file is checked against its SHA-256 wherever it comes from; a file that does not match is
rejected and never used, and nothing unverified is written to the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from depthlab.errors import ChecksumError, DownloadError
from depthlab.progress import track

CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteArchive:
    """A zip archive at an official address and the files depthlab uses from it.

    ``files`` maps each file's path relative to the dataset folder to its SHA-256. Inside the
    archive a file is found by that relative path, whatever folder the archive wraps it in.
    """

    name: str
    url: str
    files: dict[str, str]

    @classmethod
    def from_manifest(cls, manifest: str) -> RemoteArchive:
        """Read ``depthlab/data/manifests/<manifest>.json`` (name, url, files)."""
        text = resources.files("depthlab.data").joinpath("manifests", f"{manifest}.json")
        raw = json.loads(text.read_text(encoding="utf-8"))
        return cls(name=raw["name"], url=raw["url"], files=dict(raw["files"]))


@dataclass(frozen=True)
class RemoteFile:
    """One file at an official address, checked against its published SHA-256 as a whole: an
    archive that is read in place because only the archive itself has a published checksum.

    It is looked for as ``<mirror>/<name>/<file name>``, then in the cache, then downloaded.
    """

    name: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @classmethod
    def from_manifest(cls, manifest: str) -> RemoteFile:
        """The archive of ``manifests/<manifest>.json`` (name, url, archive_sha256)."""
        text = resources.files("depthlab.data").joinpath("manifests", f"{manifest}.json")
        raw = json.loads(text.read_text(encoding="utf-8"))
        return cls(name=raw["name"], url=raw["url"], sha256=raw["archive_sha256"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir() -> Path:
    return Path(os.environ.get("DEPTHLAB_CACHE_DIR") or Path.home() / ".cache" / "depthlab")


class Fetcher:
    """Finds verified local copies of remote archives' files.

    Example:
        >>> fetcher = Fetcher(data_dir="../shared/datasets")  # doctest: +SKIP
        >>> folder = fetcher.fetch(RemoteArchive.from_manifest("sentiment"))  # doctest: +SKIP
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        offline: bool | None = None,
    ) -> None:
        mirror = data_dir or os.environ.get("DEPTHLAB_DATA_DIR")
        self.data_dir = Path(mirror).expanduser() if mirror else None
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.offline = bool(os.environ.get("DEPTHLAB_OFFLINE")) if offline is None else offline

    def fetch(self, archive: RemoteArchive) -> Path:
        """A folder holding every file of *archive*, each checked against its SHA-256."""
        if self.data_dir is not None and (self.data_dir / archive.name).is_dir():
            folder = self.data_dir / archive.name
            verify_folder(folder, archive, origin="mirror")
            return folder
        cached = self.cache_dir / archive.name
        if cached.is_dir():
            verify_folder(cached, archive, origin="cache")
            return cached
        if self.offline:
            raise DownloadError(
                f"{archive.name} is neither in the mirror nor in the cache ({cached}) and "
                "downloads are off (DEPTHLAB_OFFLINE); point --data-dir or DEPTHLAB_DATA_DIR "
                "at a mirror"
            )
        self._download(archive, cached)
        return cached

    def fetch_file(self, remote: RemoteFile) -> Path:
        """A verified local copy of *remote*: from the mirror, the cache, or downloaded."""
        if self.data_dir is not None:
            mirrored = self.data_dir / remote.name / remote.filename
            if mirrored.is_file():
                verify_file(mirrored, remote.sha256, origin="mirror")
                return mirrored
        cached = self.cache_dir / remote.name / remote.filename
        if cached.is_file():
            verify_file(cached, remote.sha256, origin="cache")
            return cached
        if self.offline:
            raise DownloadError(
                f"{remote.filename} is neither in the mirror nor in the cache ({cached}) and "
                "downloads are off (DEPTHLAB_OFFLINE); point --data-dir or DEPTHLAB_DATA_DIR "
                "at a mirror"
            )
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cached.parent, prefix=".download-") as tmp:
            partial = Path(tmp) / remote.filename
            download_file(remote.url, partial, description=f"downloading {remote.filename}")
            actual = sha256_of(partial)
            if actual != remote.sha256:
                raise ChecksumError(
                    f"checksum mismatch for {remote.url}: expected sha256 {remote.sha256[:12]}"
                    f"..., got {actual[:12]}...; file rejected, try again"
                )
            os.replace(partial, cached)  # only a verified file ever appears in the cache
        return cached

    def _download(self, archive: RemoteArchive, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{archive.name}-") as tmp:
            zip_path = Path(tmp) / "archive.zip"
            download_file(archive.url, zip_path, description=f"downloading {archive.name}")
            staging = Path(tmp) / archive.name
            extract_verified(zip_path, archive, staging)
            # The cache folder appears whole or not at all.
            os.replace(staging, target)


def download_file(url: str, path: Path, description: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, path.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            chunks = iter(lambda: response.read(CHUNK), b"")
            steps = None if total is None else -(-total // CHUNK)
            written = 0
            for chunk in track(chunks, steps, description):
                written += out.write(chunk)
    except OSError as exc:
        raise DownloadError(f"could not download {url}: {exc}") from None
    if total is not None and written < total:
        raise DownloadError(f"download of {url} was cut short ({written} of {total} bytes); retry")


def extract_verified(zip_path: Path, archive: RemoteArchive, staging: Path) -> None:
    """Copy *archive*'s files out of the zip into *staging*, checking each one's SHA-256."""
    try:
        bundle = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise DownloadError(f"{archive.url} is not a zip archive") from None
    with bundle:
        by_tail = _index_members(bundle.namelist(), archive.files)
        for rel, expected in track(archive.files.items(), len(archive.files), "checking files"):
            member = by_tail.get(rel)
            if member is None:
                raise DownloadError(f"{archive.url} has no file '{rel}'")
            out = staging / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            try:
                with bundle.open(member) as src, out.open("wb") as dst:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        dst.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                # Bytes damaged in transit fail the zip's own CRC or inflate before our SHA-256.
                raise ChecksumError(
                    f"'{rel}' in {archive.url} is damaged ({exc}); file rejected, try again"
                ) from None
            if digest.hexdigest() != expected:
                shutil.rmtree(staging)
                raise ChecksumError(
                    f"checksum mismatch for '{rel}' downloaded from {archive.url}: expected "
                    f"sha256 {expected[:12]}..., got {digest.hexdigest()[:12]}...; file rejected"
                )


def _index_members(names: list[str], wanted: dict[str, str]) -> dict[str, str]:
    """Map each wanted relative path to the archive member that ends with it."""
    found: dict[str, str] = {}
    for name in names:
        if name.endswith("/") or name.startswith("__MACOSX/"):
            continue
        parts = name.split("/")
        for start in range(len(parts)):
            tail = "/".join(parts[start:])
            if tail in wanted and tail not in found:
                found[tail] = name
                break
    return found


def verify_file(path: Path, expected: str, origin: str) -> None:
    """Check one file's SHA-256; an altered file is an error."""
    actual = sha256_of(path)
    if actual != expected:
        raise ChecksumError(
            f"checksum mismatch for {path}: expected sha256 {expected[:12]}..., got "
            f"{actual[:12]}...; the {origin} copy is rejected (replace it or delete it to download)"
        )


def verify_folder(folder: Path, archive: RemoteArchive, origin: str) -> None:
    """Check every file of *archive* in *folder*; a missing or altered file is an error."""
    for rel, expected in track(archive.files.items(), len(archive.files), f"checking {origin}"):
        path = folder / rel
        if not path.is_file():
            raise DownloadError(f"{origin} copy of {archive.name} lacks '{rel}' (in {folder})")
        actual = sha256_of(path)
        if actual != expected:
            raise ChecksumError(
                f"checksum mismatch for {path}: expected sha256 {expected[:12]}..., got "
                f"{actual[:12]}...; the file is rejected (replace it or delete it to download)"
            )

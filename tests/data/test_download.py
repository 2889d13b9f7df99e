"""Downloads against a real HTTP server on 127.0.0.1: verified files, a cache, clear failures."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from depthlab.data.download import Fetcher, RemoteArchive, sha256_of
from depthlab.data.load import load_dataset
from depthlab.errors import ChecksumError, DownloadError

pytestmark = pytest.mark.network

SENTIMENT_FILES = ("amazon_cells_labelled.txt", "imdb_labelled.txt")
TOP = "sentiment labelled sentences"  # the folder upstream's zip wraps its files in


class Server:
    """A static file server on 127.0.0.1 that records the paths it was asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        self.cut_short: set[str] = set()  # paths whose body stops halfway, connection closed
        requests, cut_short = self.requests, self.cut_short

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                if self.path not in cut_short:
                    super().do_GET()
                    return
                body = (root / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def stop(self) -> None:  # safe to call twice
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(tmp_path: Path, mirror: Path) -> Iterator[Server]:
    """Serves sentiment.zip, built like upstream's from the mirror's real files."""
    root = tmp_path / "www"
    root.mkdir()
    write_zip(root / "sentiment.zip", sentiment_members(mirror))
    srv = Server(root)
    yield srv
    srv.stop()


@pytest.fixture
def fetcher(tmp_path: Path) -> Fetcher:
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    return Fetcher(data_dir=empty_mirror, cache_dir=tmp_path / "cache", offline=False)


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)


def sentiment_members(mirror: Path) -> dict[str, bytes]:
    folder = mirror / "sentiment-sentences"
    # Upstream's zip carries macOS metadata, here listed first: it must never be taken for data.
    members = {f"__MACOSX/{TOP}/{SENTIMENT_FILES[0]}": b"resource fork, not data"}
    for name in (*SENTIMENT_FILES, "readme.txt"):
        members[f"{TOP}/{name}"] = (folder / name).read_bytes()
    return members


def sentiment_archive(server: Server, name: str = "sentiment.zip") -> RemoteArchive:
    return dataclasses.replace(RemoteArchive.from_manifest("sentiment"), url=server.url(name))


def flip_byte(path: Path, at: int = 10) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_download_puts_verified_files_in_the_cache(server: Server, fetcher: Fetcher) -> None:
    archive = sentiment_archive(server)
    folder = fetcher.fetch(archive)
    assert folder == fetcher.cache_dir / "sentiment-sentences"
    assert sorted(p.name for p in folder.iterdir()) == sorted(archive.files)
    for rel, expected in archive.files.items():
        assert sha256_of(folder / rel) == expected
    assert server.requests == ["/sentiment.zip"]
    # No temporary download folder is left beside the cache entry.
    assert [p.name for p in fetcher.cache_dir.iterdir()] == ["sentiment-sentences"]


def test_second_fetch_reads_the_cache_not_the_network(server: Server, fetcher: Fetcher) -> None:
    archive = sentiment_archive(server)
    first = fetcher.fetch(archive)
    server.stop()
    again = Fetcher(data_dir=fetcher.data_dir, cache_dir=fetcher.cache_dir, offline=False)
    assert again.fetch(archive) == first
    assert server.requests == ["/sentiment.zip"]


def test_nested_paths_inside_a_wrapping_folder(
    server: Server, fetcher: Fetcher, mirror: Path
) -> None:
    full = RemoteArchive.from_manifest("fsdd")
    files = dict(sorted(full.files.items())[:3])
    top = "free-spoken-digit-dataset-1.0.10"
    write_zip(
        server.root / "fsdd.zip",
        {f"{top}/{rel}": (mirror / "fsdd" / rel).read_bytes() for rel in files},
    )
    folder = fetcher.fetch(RemoteArchive("fsdd", server.url("fsdd.zip"), files))
    for rel, expected in files.items():
        assert rel.startswith("recordings/")
        assert sha256_of(folder / rel) == expected


def test_mirror_comes_before_the_network(server: Server, mirror: Path, tmp_path: Path) -> None:
    online = Fetcher(data_dir=mirror, cache_dir=tmp_path / "cache", offline=False)
    assert online.fetch(sentiment_archive(server)) == mirror / "sentiment-sentences"
    assert server.requests == []


def test_corrupted_member_is_rejected_and_nothing_is_cached(
    server: Server, fetcher: Fetcher, mirror: Path
) -> None:
    members = sentiment_members(mirror)
    key = f"{TOP}/imdb_labelled.txt"
    assert b"movie" in members[key]
    members[key] = members[key].replace(b"movie", b"mOvie", 1)
    write_zip(server.root / "sentiment.zip", members)
    with pytest.raises(ChecksumError, match=r"checksum mismatch for 'imdb_labelled\.txt'"):
        fetcher.fetch(sentiment_archive(server))
    assert not (fetcher.cache_dir / "sentiment-sentences").exists()
    assert list(fetcher.cache_dir.iterdir()) == []


def test_archive_missing_a_file(server: Server, fetcher: Fetcher, mirror: Path) -> None:
    members = sentiment_members(mirror)
    del members[f"{TOP}/amazon_cells_labelled.txt"]
    write_zip(server.root / "sentiment.zip", members)
    with pytest.raises(DownloadError, match=r"no file 'amazon_cells_labelled\.txt'"):
        fetcher.fetch(sentiment_archive(server))
    assert not (fetcher.cache_dir / "sentiment-sentences").exists()


def test_response_that_is_not_a_zip(server: Server, fetcher: Fetcher) -> None:
    (server.root / "sentiment.zip").write_text("<html>rate limited</html>")
    with pytest.raises(DownloadError, match="not a zip archive"):
        fetcher.fetch(sentiment_archive(server))
    assert not (fetcher.cache_dir / "sentiment-sentences").exists()


def test_damaged_zip_bytes_are_rejected(server: Server, fetcher: Fetcher, mirror: Path) -> None:
    members = {
        f"{TOP}/{n}": (mirror / "sentiment-sentences" / n).read_bytes() for n in SENTIMENT_FILES
    }
    path = server.root / "sentiment.zip"
    write_zip(path, members)
    flip_byte(path, at=200)  # inside the first member's compressed data, as if damaged in transit
    with pytest.raises(ChecksumError, match=r"amazon_cells_labelled\.txt"):
        fetcher.fetch(sentiment_archive(server))
    assert list(fetcher.cache_dir.iterdir()) == []


def test_download_cut_short(server: Server, fetcher: Fetcher) -> None:
    server.cut_short.add("/sentiment.zip")
    with pytest.raises(DownloadError, match=r"sentiment\.zip was cut short"):
        fetcher.fetch(sentiment_archive(server))
    assert list(fetcher.cache_dir.iterdir()) == []


@pytest.mark.parametrize("where", ["404", "closed port"])
def test_unreachable_archive(where: str, server: Server, fetcher: Fetcher) -> None:
    url = server.url("gone.zip") if where == "404" else f"http://127.0.0.1:{closed_port()}/x.zip"
    archive = dataclasses.replace(RemoteArchive.from_manifest("sentiment"), url=url)
    with pytest.raises(DownloadError, match="could not download" + (".*404" * (where == "404"))):
        fetcher.fetch(archive)


def test_offline_without_mirror_or_cache(server: Server, tmp_path: Path) -> None:
    offline = Fetcher(data_dir=tmp_path, cache_dir=tmp_path / "cache", offline=True)
    with pytest.raises(DownloadError, match="--data-dir") as info:
        offline.fetch(sentiment_archive(server))
    assert "DEPTHLAB_OFFLINE" in str(info.value)
    assert server.requests == []


@pytest.fixture
def mirror_copy(tmp_path: Path, mirror: Path) -> Path:
    """A private copy of the mirror's sentiment folder, to damage."""
    root = tmp_path / "mirror-copy"
    shutil.copytree(mirror / "sentiment-sentences", root / "sentiment-sentences")
    return root


def test_corrupted_mirror_file_via_api_and_cli(mirror_copy: Path, tmp_path: Path, cli: Any) -> None:
    flip_byte(mirror_copy / "sentiment-sentences" / "imdb_labelled.txt")
    with pytest.raises(ChecksumError, match=r"checksum mismatch for .*imdb_labelled\.txt"):
        load_dataset("sentiment", data_dir=mirror_copy, cache_dir=tmp_path / "cache")
    picture = tmp_path / "x.png"
    result = cli("data", "show", "sentiment", "--data-dir", str(mirror_copy), "-o", str(picture))
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: checksum mismatch")
    assert "imdb_labelled.txt" in lines[0]
    assert not picture.exists()


def test_mirror_missing_a_file(mirror_copy: Path, tmp_path: Path) -> None:
    (mirror_copy / "sentiment-sentences" / "amazon_cells_labelled.txt").unlink()
    fetcher = Fetcher(data_dir=mirror_copy, cache_dir=tmp_path / "cache")
    with pytest.raises(DownloadError, match=r"lacks 'amazon_cells_labelled\.txt'"):
        fetcher.fetch(RemoteArchive.from_manifest("sentiment"))


def test_corrupted_cache_file_is_rejected(server: Server, fetcher: Fetcher) -> None:
    archive = sentiment_archive(server)
    folder = fetcher.fetch(archive)
    flip_byte(folder / "amazon_cells_labelled.txt")
    with pytest.raises(ChecksumError, match=r"amazon_cells_labelled\.txt.*delete it"):
        fetcher.fetch(archive)
    assert len(server.requests) == 1


def test_load_dataset_downloads_end_to_end(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = RemoteArchive.from_manifest
    local_url = server.url("sentiment.zip")

    def from_manifest(manifest: str) -> RemoteArchive:
        return dataclasses.replace(real(manifest), url=local_url)

    monkeypatch.setattr(RemoteArchive, "from_manifest", staticmethod(from_manifest))
    monkeypatch.delenv("DEPTHLAB_OFFLINE")
    empty, cache = tmp_path / "empty", tmp_path / "cache"
    empty.mkdir()
    ds = load_dataset("sentiment", data_dir=empty, cache_dir=cache)
    assert len(ds) == 2000
    assert ds.class_counts() == {"negative": 1000, "positive": 1000}
    assert sorted(set(ds.groups.tolist())) == ["amazon", "imdb"]
    assert (cache / "sentiment-sentences" / "imdb_labelled.txt").is_file()
    assert server.requests == ["/sentiment.zip"]

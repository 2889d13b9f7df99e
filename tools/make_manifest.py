"""Write a download manifest (official address + SHA-256 per file) from a verified local copy.

Usage: python tools/make_manifest.py NAME URL FOLDER GLOB [GLOB ...] > manifest.json

The manifests in src/depthlab/data/manifests/ were made this way from ../shared/datasets.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    name, url, folder, *globs = argv
    root = Path(folder)
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for pattern in globs
        for p in sorted(root.glob(pattern))
    }
    json.dump({"name": name, "url": url, "files": files}, sys.stdout, indent=0, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])

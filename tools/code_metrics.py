"""Counts behind issue 18's before/after figures: internal imports inside functions, the longest
functions, ``dict[str, Any]`` uses, and the package-level import cycles of ``src/depthlab``.

Usage: python tools/code_metrics.py [--top N]
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(imported depthlab module, inside a function?) for every import of *path*."""
    tree = ast.parse(path.read_text())
    module = module_name(path)
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name, inside) for a in child.names if a.name.startswith("depthlab"))
            elif isinstance(child, ast.ImportFrom):
                target = resolve(module, child, path.name == "__init__.py")
                if target.startswith("depthlab"):
                    found.append((target, inside))
            visit(child, nested)

    visit(tree, False)
    return found


def function_lengths(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            out.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(SRC)}:{node.name}"))
    return out


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    files = sorted(SRC.rglob("*.py"))
    imports = {module_name(f): imports_of(f) for f in files}
    total = sum(len(v) for v in imports.values())
    inside = sum(1 for v in imports.values() for _, i in v if i)
    print(f"internal imports: {total}, inside functions: {inside} ({inside / total:.0%})")
    lengths = sorted((n for f in files for n in function_lengths(f)), reverse=True)
    print(f"functions over 100 lines: {sum(1 for n, _ in lengths if n > 100)}")
    for n, name in lengths[: args.top]:
        print(f"  {n:4d}  {name}")
    uses = sum(f.read_text().count("dict[str, Any]") for f in files)
    print(f"dict[str, Any] uses: {uses}")
    graph: dict[str, set[str]] = defaultdict(set)
    for module, found in imports.items():
        for target, _ in found:
            a, b = package_of(module), package_of(target)
            if a != b and a != "depthlab" and b != "depthlab":
                graph[a].add(b)
    cycles = sorted(
        {tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, set())}
    )
    print(f"package pairs importing each other: {len(cycles)}")
    for a, b in cycles:
        print(f"  {a} <-> {b}")


if __name__ == "__main__":
    main()

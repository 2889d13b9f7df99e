"""The study package is cut by phase with imports that point one way: no cycle between its
modules (imports inside functions count too), and nothing above it (the report, the CLI, the
package face) imported from it."""

from __future__ import annotations

import ast
from pathlib import Path

import depthlab

SRC = Path(depthlab.__file__).parent
ABOVE = ("depthlab.report", "depthlab.cli", "depthlab.serve", "depthlab.export")
ABOVE += ("depthlab.estimators", "depthlab.depth_study")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every depthlab module *path* imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("depthlab"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("depthlab"))
    return found


def _graph(package: str) -> dict[str, set[str]]:
    root = SRC.joinpath(*package.split(".")[1:])
    modules = {_module(p): p for p in root.rglob("*.py")}
    return {m: {i for i in _imports(p) if i in modules and i != m} for m, p in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_inside_studies() -> None:
    graph = _graph("depthlab.studies")
    assert len(graph) > 20
    assert _cycle(graph) is None


def test_studies_explaining_and_evaluate_import_nothing_above_them() -> None:
    for package in ("depthlab.studies", "depthlab.explaining", "depthlab.evaluate"):
        root = SRC.joinpath(*package.split(".")[1:])
        for path in root.rglob("*.py"):
            upward = sorted(i for i in _imports(path) if i.startswith(ABOVE))
            assert upward == [], f"{_module(path)} imports {upward}"
    for path in SRC.joinpath("explaining").rglob("*.py"):
        assert not any(i.startswith("depthlab.studies") for i in _imports(path)), path
    assert not any(
        i.startswith("depthlab.studies") for i in _imports(SRC / "track" / "mlflow_tracker.py")
    )

"""The dependency rule of ../shared/DESIGN.md, checked on the source: every import of a depthlab
module (at module level, inside functions and under ``TYPE_CHECKING`` alike) points down the
layers, no two packages import each other (directly or round a longer loop), and the study's
phases form no cycle among themselves."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "depthlab"

# Bottom to top. A module may import its own package, any package of a lower layer, and other
# packages of its own layer as long as no cycle forms.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "config",
        "config_io",
        "errors",
        "_version",
        "machine",
        "progress",
        "ray_cluster",
        "run_record",
    ),
    ("data",),
    ("features",),
    ("models",),
    ("evaluate",),
    ("training",),
    ("explaining", "tuning", "track"),
    ("studies",),
    ("report",),
    ("export",),
    ("serve",),
    ("estimators", "depth_study"),  # the package face's compositions
    ("depthlab",),  # the package face: depthlab/__init__.py, its lazy public API
    ("cli", "__main__"),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def module_name(path: Path) -> str:
    parts = ["depthlab", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """The layer unit of a module: its package (``depthlab.studies.plan`` -> ``studies``), its
    own name for a top-level module (``depthlab.config`` -> ``config``), ``depthlab`` for the
    package face."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "depthlab"


def imports_of(path: Path, module: str | None = None) -> list[tuple[str, int]]:
    """(imported depthlab module, line) for every import statement of *path* (the module
    *module*, by default the one its place under src/ names)."""
    module = module or module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("depthlab")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == "depthlab" or target.startswith("depthlab."):
                # ``from depthlab.data import load``: the submodule, when it is one
                subs = [f"{target}.{a.name}" for a in node.names]
                known = [s for s in subs if _exists(s)]
                found += [(s, node.lineno) for s in known] or [(target, node.lineno)]
    return found


def _exists(module: str) -> bool:
    path = SRC.joinpath(*module.split(".")[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def graph() -> dict[str, list[tuple[str, int]]]:
    return {module_name(p): imports_of(p) for p in sorted(SRC.rglob("*.py"))}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_belongs_to_a_layer() -> None:
    units = {unit_of(m) for m in graph()}
    assert units <= set(RANK), f"place these in LAYERS: {sorted(units - set(RANK))}"


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} -> {target} (line {line})"
        for module, found in graph().items()
        for target, line in found
        if RANK[unit_of(target)] > RANK[unit_of(module)]
    ]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_two_packages_import_each_other() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, found in graph().items():
        for target, _ in found:
            if unit_of(target) != unit_of(module):
                edges[unit_of(module)].add(unit_of(target))
    assert not cycles(edges)


def test_the_study_phases_form_no_cycle() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, found in graph().items():
        if unit_of(module) == "studies":
            edges[module] |= {t for t, _ in found if unit_of(t) == "studies" and t != module}
    assert not cycles(edges)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"c"}}, []),
    ],
)
def test_the_cycle_finder_finds_loops_of_any_length(
    edges: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(edges) == expected


def test_the_walk_sees_imports_inside_functions_and_type_checking(tmp_path: Path) -> None:
    """The checks above are only as good as the walk: hidden imports must be found too."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import numpy\n"
        "from depthlab.errors import ConfigError\n"
        "from . import plan\n"
        "if TYPE_CHECKING:\n"
        "    from depthlab.training.run import Run\n"
        "def f():\n"
        "    from depthlab.report import html\n"
        "    import depthlab.cli\n"
        "    from ..evaluate.stats import paired\n",
        encoding="utf-8",
    )
    found = imports_of(source, "depthlab.studies.sample")
    assert found == [
        ("depthlab.errors", 3),
        ("depthlab.studies.plan", 4),
        ("depthlab.training.run", 6),
        ("depthlab.report.html", 8),
        ("depthlab.cli", 9),
        ("depthlab.evaluate.stats", 10),
    ]
    assert [unit_of(t) for t, _ in found] == [
        "errors", "studies", "training", "report", "cli", "evaluate",
    ]  # fmt: skip

"""The layers (docs/architecture.md): db → pipeline.extract → pipeline.store → crawler → llmwatch.

Read from the source (every import, also those inside functions), so a move that
breaks a rule fails here rather than in a reader's head."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("db", "pipeline", "crawler", "llmwatch")

#: what each layer may import of the project (a module may always import its own layer)
ALLOWED = {
    "db": (),
    "pipeline": (),
    "pipeline.extract": (),
    "pipeline.store": ("db", "pipeline.extract"),
    "crawler": ("db", "pipeline"),
    "llmwatch": ("db", "pipeline", "crawler"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports: ``from a.b import c`` is a.b.c when c is a module."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            module = target
            while module and module not in MODULES:  # `import pipeline.extract.units as u` and the like
                module = module.rpartition(".")[0]
            if module and module != name:
                found.add(module)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> str:
    return next(layer for layer in sorted(ALLOWED, key=len, reverse=True) if module.startswith(layer))


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_graph_is_read() -> None:
    # a sanity check of the reader itself: known edges are found
    assert (
        "pipeline.extract.units" in GRAPH["pipeline.extract.money"]
        or "pipeline.extract.units" in GRAPH["pipeline.extract.collect"]
    )
    assert "llmwatch.cli.common" in GRAPH["llmwatch.cli.query"]
    assert {"llmwatch.cli.pages", "llmwatch.cli.ops", "llmwatch.cli.query"} <= GRAPH["llmwatch.cli.main"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_against_the_layers(module: str) -> None:
    layer = _layer(module)
    wrong = sorted(t for t in GRAPH[module] if not _in(t, layer) and not any(_in(t, ok) for ok in ALLOWED[layer]))
    assert wrong == [], f"{module} ({layer}) imports {wrong}"


def test_no_import_circle() -> None:
    # Tarjan's strongly connected components: any of more than one module is a circle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == []


def test_the_command_modules_do_not_import_main() -> None:
    for module in ("llmwatch.cli.common", "llmwatch.cli.pages", "llmwatch.cli.ops", "llmwatch.cli.query"):
        assert "llmwatch.cli.main" not in GRAPH[module]


def test_the_pure_package_imports_without_sqlalchemy() -> None:
    # every pure module imported in an interpreter where SQLAlchemy (and db) cannot be imported
    pure = sorted(m for m in MODULES if _in(m, "pipeline.extract"))
    code = (
        "import importlib, sys\n"
        "sys.modules['sqlalchemy'] = None\n"
        "sys.modules['db'] = None\n"
        f"for m in {pure!r}:\n"
        "    importlib.import_module(m)\n"
        "print(len([m for m in sys.modules if m.startswith('pipeline.extract')]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(pure)

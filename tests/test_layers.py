"""The package's layers, read from the source: every import (inside functions too) goes down the
stack music -> server/engines -> stream -> cli, and no import circle exists between modules.

STYLE.md habit 11. The rule is checked here, not by convention: a local import that dodges a
circle, or a server module reaching up into streams, fails this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bridge"

# Rank of each layer: a module may import modules of its own rank or lower, never higher.
# errors and music are the floor; data stands on music; the engines on data and music; the server
# on the engines' interface (the daemon owns and loads them through the registry), never the
# reverse; evaluation stands on the engines; streams on the server; the CLI sits on top.
LAYERS = {
    "bridge": 0,  # bridge/__init__.py: the version
    "bridge.errors": 0,
    "bridge.music": 0,
    "bridge.data": 1,
    "bridge.engines": 2,
    "bridge.server": 3,
    "bridge.evaluation": 3,
    "bridge.stream": 4,
    "bridge.cli": 5,
}
# Layers whose ranks would allow the import but that must stay apart all the same.
APART = {("bridge.server", "bridge.data"), ("bridge.server", "bridge.evaluation"),
         ("bridge.evaluation", "bridge.server"), ("bridge.stream", "bridge.evaluation"),
         ("bridge.stream", "bridge.data")}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    best = max((name for name in LAYERS if module == name or module.startswith(name + ".")), key=len)
    return best


def imports_of(path: Path) -> set[str]:
    """Every bridge module this file imports, at module level or inside a function."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "bridge")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "bridge":
                continue
            found.add(target)
            for a in node.names:  # `from bridge.x import y` where y is a module
                if (PACKAGE.parent / (target + "." + a.name).replace(".", "/")).with_suffix(".py").is_file():
                    found.add(f"{target}.{a.name}")
    found.discard(me)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    out = {}
    for name, path in modules.items():
        # `from bridge.x import y` names the package bridge.x; keep only real modules
        out[name] = {m for m in imports_of(path) if m in modules and m != name}
    return out


def test_no_import_goes_up_a_layer():
    bad = []
    for mod, deps in sorted(graph().items()):
        here = layer_of(mod)
        for dep in sorted(deps):
            there = layer_of(dep)
            if here == there:
                continue
            if LAYERS[there] > LAYERS[here] or (here, there) in APART:
                bad.append(f"{mod} ({here}) imports {dep} ({there})")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_no_import_circle():
    g = graph()
    # a package's __init__ importing its own submodules is not a circle of logic
    for mod in g:
        g[mod] = {d for d in g[mod] if not d.startswith(mod + ".")}
    cycles, state, stack = [], {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(g[m]):
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)
    assert not cycles, "import circles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_readable_in_one_sitting(path):
    assert len(path.read_text().splitlines()) <= 400, f"{path} is over 400 lines: split it by what it does"


def test_layer_checker_can_fail(tmp_path, monkeypatch):
    """The checker sees a function-local upward import (the kind that hid the old circles)."""
    fake = tmp_path / "bridge"
    (fake / "music").mkdir(parents=True)
    (fake / "cli").mkdir()
    for f in ("__init__.py", "music/__init__.py", "cli/__init__.py", "cli/main.py"):
        (fake / f).write_text("")
    (fake / "music" / "clip.py").write_text("def f():\n    from bridge.cli.main import x\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    with pytest.raises(AssertionError, match="bridge.music.clip"):
        test_no_import_goes_up_a_layer()

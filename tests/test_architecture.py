"""The house's walls: the apps stack one way and no module imports itself in a circle.

Read from the source with ``ast`` (nothing is imported), every ``import`` statement
counts: at the top of a module, inside a function or under ``if TYPE_CHECKING``, so a
dependency cannot hide in a function. docs/architecture.md draws the same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top: a module may import its own layer and the layers below it, never above.
# The roof (settings, urls, the Celery app, the demo seeder) may import anything.
LAYERS = [
    ("jamsostek.core",),
    ("villages",),
    ("accounts",),
    ("members",),
    ("contributions",),
    ("reports",),
    ("console",),
    ("demo",),  # the demo data that seeds every app
    (
        "jamsostek",  # the package itself: it starts the Celery app
        "jamsostek.celery",
        "jamsostek.settings",
        "jamsostek.urls",
        "jamsostek.wsgi",
    ),
]
PACKAGES = [
    "jamsostek",
    "villages",
    "accounts",
    "members",
    "contributions",
    "reports",
    "console",
    "demo",
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


MODULES = _modules()


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix naming ``module``'s layer."""
    best, best_length = None, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add its app to LAYERS")
    return best


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = MODULES[importer].name == "__init__.py"
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, source: str | None = None) -> list[tuple[str, int]]:
    """``(first-party module, line)`` for every import in ``module``, at any depth."""
    tree = ast.parse(source if source is not None else MODULES[module].read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # ``from pkg import name``: the submodule pkg.name if there is one, else pkg.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]  # ``import a.b.c`` of a name in a.b
            if target and target != module:
                found.append((target, node.lineno))
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_a_higher_layer():
    upward = sorted(
        {
            f"{module}:{line} imports {target} "
            f"({LAYERS[layer_of(target)][0]} is above {LAYERS[layer_of(module)][0]})"
            for module, targets in GRAPH.items()
            for target, line in targets
            if layer_of(target) > layer_of(module)
        }
    )
    assert not upward, "\n".join(upward)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _line in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    return components


# A file that grows past this becomes a package of one-purpose modules (docs/architecture.md).
# Settings are a list of values, migrations are history: neither is split.
MAX_LINES = 400


def test_no_module_is_over_400_lines():
    long = [
        f"{module}: {lines} lines"
        for module, path in MODULES.items()
        if not module.startswith("jamsostek.settings")
        and (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not long, "\n".join(long)


def test_the_top_level_folders_are_the_layers():
    # Each layer below the project is a folder at the top of the tree, and jamsostek/ holds
    # only the project (settings, URLs, WSGI, Celery) and its shared kernel, core/.
    apps = [prefixes[0] for prefixes in LAYERS[1:-1]]
    assert all("." not in app and (ROOT / app / "apps.py").is_file() for app in apps)
    assert sorted(PACKAGES) == sorted(["jamsostek", *apps])
    inside = sorted(
        path.name
        for path in (ROOT / "jamsostek").iterdir()
        if not path.name.startswith((".", "__pycache__"))
    )
    assert inside == [
        "__init__.py",
        "celery.py",
        "core",
        "settings",
        "urls.py",
        "wsgi.py",
    ]


def test_no_import_cycle_between_modules():
    cycles = _cycles()
    assert not cycles, "\n".join(" ↔ ".join(cycle) for cycle in cycles)


def imports_inside_functions(module: str) -> list[tuple[str, int]]:
    """``(function, line)`` of every import statement inside a function of ``module``."""
    tree = ast.parse(MODULES[module].read_text())
    return [
        (function.name, node.lineno)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def test_imports_sit_at_the_top_but_for_an_app_loading_its_receivers():
    # Django loads receivers in AppConfig.ready() (the models must be ready first); any
    # other import inside a function would hide a dependency from a reader of the top.
    hidden = [
        f"{module}:{line} imports inside {function}()"
        for module in MODULES
        for function, line in imports_inside_functions(module)
        if not (module.endswith(".apps") and function == "ready")
    ]
    assert not hidden, "\n".join(hidden)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("jamsostek.core.scoping", "jamsostek.core"),
        ("villages.models", "villages"),
        ("accounts.models", "accounts"),
        ("members.models", "members"),
        ("reports.api", "reports"),
        ("jamsostek.urls", "jamsostek"),
        ("demo.seed", "demo"),
    ],
)
def test_the_walker_places_modules_in_their_layers(module, layer):
    # Given a module of each layer, then the walker finds it where the docs draw it
    assert module in MODULES
    assert LAYERS[layer_of(module)][0] == layer


def test_the_walker_sees_imports_inside_functions_and_type_checking_blocks():
    # Given a lower module that imports upward inside a function and for type checking
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from reports.models import VillageProgress\n"
        "def f():\n"
        "    from members import models\n"
        "    import contributions.tasks\n"
    )
    # When the walker reads it, then every first-party import is found, with its line
    assert imports_of("villages.models", source) == [
        ("reports.models", 3),
        ("members.models", 5),
        ("contributions.tasks", 6),
    ]

"""The house's floors and rooms hold (docs/ARCHITECTURE.md): imports point
down only — ``workers`` ← ``assistance`` ← ``factory`` — wherever they stand
in a module (a function's own imports included); ``factory``'s root holds the
project's plumbing; no module outside migrations grows past 600 lines.

docs/IMPORTS.md draws the rooms and their imports (``python docs/imports.py``).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"workers": 0, "assistance": 1, "factory": 2}
# factory/'s root: the project package and Django's own places; the figures
# live in factory/figures/, the views in factory/views/.
FACTORY_ROOT = {
    "__init__", "accounts", "admin_apps", "admin_site", "apps", "asgi", "audit",
    "context_processors", "db_router", "env", "forms", "health", "logs",
    "middleware", "models", "privacy", "query_guard", "redis_cache", "role_cache",
    "roles", "security", "sessions", "settings", "test_settings", "urls",
    "vendor_strings",
    "wsgi",
}  # fmt: skip


def modules():
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def imported_apps(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in FLOORS:
                yield node.lineno, name, top


def test_no_import_points_up():
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for app, path in modules()
        for line, name, top in imported_apps(path)
        if FLOORS[top] > FLOORS[app]
    ]
    assert upward == []


def test_factorys_root_holds_the_plumbing_only():
    root = {path.stem for path in (ROOT / "factory").glob("*.py")}
    assert root - FACTORY_ROOT == set()


def test_no_module_is_past_600_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for _app, path in modules()
        if (lines := len(path.read_text().splitlines())) > 600
    }
    assert long == {}

"""Draw the rooms of the house and their imports as docs/IMPORTS.md (Mermaid).

A room is an app's subpackage (``workers.importing``, ``factory.figures``)
or an app's root modules; an arrow is "imports". Run from the project root:
``python docs/imports.py``. tests/test_import_floors.py keeps the floors.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("factory", "assistance", "workers")


def room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] not in APPS:
        return None
    if len(parts) > 1 and (ROOT / parts[0] / parts[1]).is_dir():
        return f"{parts[0]}.{parts[1]}"
    return f"{parts[0]} (root)"


def edges() -> collections.Counter:
    found: collections.Counter = collections.Counter()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            source = room(module.removesuffix(".__init__"))
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif (
                    isinstance(node, ast.ImportFrom) and node.module and not node.level
                ):
                    names = [node.module]
                else:
                    continue
                for name in names:
                    target = room(name)
                    if target and target != source:
                        found[(source, target)] += 1
    return found


def mermaid(found: collections.Counter) -> str:
    def key(name: str) -> str:
        return name.replace(".", "_").replace(" (root)", "_root")

    lines = ["flowchart TB"]
    for app in APPS:
        rooms = sorted({r for pair in found for r in pair if r.startswith(app)})
        lines.append(f"  subgraph {app}")
        lines += [f'    {key(r)}["{r}"]' for r in rooms]
        lines.append("  end")
    lines += [f"  {key(a)} --> {key(b)}" for (a, b) in sorted(found)]
    return "\n".join(lines)


def main() -> None:
    found = edges()
    floors = {app: n for n, app in enumerate(reversed(APPS))}
    up = [
        f"{a} → {b}"
        for a, b in found
        if floors[a.split(".")[0].split(" ")[0]] < floors[b.split(".")[0].split(" ")[0]]
    ]
    text = (
        "# The imports, drawn\n\n"
        "Written by `python docs/imports.py`; do not edit by hand. Each box is a "
        "room (an app's subpackage, or its root modules), each arrow an import. "
        "The floors: `factory` on top, `assistance`, then `workers`; an arrow "
        f"points up {len(up)} times"
        + (": " + ", ".join(up) if up else " (never)")
        + f". {sum(found.values())} imports between {len(found)} pairs of rooms.\n\n"
        "```mermaid\n" + mermaid(found) + "\n```\n"
    )
    (ROOT / "docs" / "IMPORTS.md").write_text(text)
    print(f"docs/IMPORTS.md: {len(found)} arrows, {len(up)} up")


if __name__ == "__main__":
    main()

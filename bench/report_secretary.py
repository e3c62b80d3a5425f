"""The secretary's month (bench/secretary.py) as rows and a section of
docs/PERFORMANCE.md. Runs in the orchestrator: no Django here."""

from __future__ import annotations

from bench.report_cells import by_scale, ms, scaling_rows, smallest_and_largest, yes

GOAL_PAGE_MS = 300  # each page, uncached, at 1×
GOAL_GROWTH = 3.0  # at 10×, within 3× of its 1× time


def rows(results: dict | None) -> list[list[str]]:
    """[measure, figure, baseline, ratio, goal, met] for every page."""
    if not results:
        return []
    small_scale, small, large_scale, large = smallest_and_largest(results)
    out = []
    for name, page in small.items():
        label = f"secretary: {name}"
        if page.get("status") != 200:
            out.append([label, f"HTTP {page.get('status')}", "", "", "", "**no**"])
            continue
        out.append(
            [
                f"{label} at {small_scale}× (uncached)",
                ms(page["seconds"]),
                f"{page['queries']} queries",
                "—",
                f"≤ {GOAL_PAGE_MS} ms",
                yes(page["seconds"] * 1000 <= GOAL_PAGE_MS),
            ]
        )
        big = (large or {}).get(name)
        if big is None:
            continue
        if big.get("status") != 200:
            out.append(
                [f"{label} at {large_scale}×", f"HTTP {big.get('status')}"]
                + ["", "", "", "**no**"]
            )
            continue
        out += scaling_rows(label, small_scale, large_scale, page, big, GOAL_GROWTH)
    return out


def markdown(results: dict | None) -> list[str]:
    """The "The secretary's month" section: every page at every size."""
    if not results:
        return []
    scales = by_scale(results)
    columns = " | ".join(f"{scale}× time | {scale}× queries" for scale, _ in scales)
    lines = [
        "## The secretary's month",
        "",
        "Each page of a secretary's month as the secretary, in-process (Django's "
        "test client), every cache emptied before each request; median of 5 "
        "after one to warm up, the queries of one. The import preview is the "
        "upload of one workshop's month of records (the batch is deleted after "
        f"each run). Goals: ≤ {GOAL_PAGE_MS} ms at 1×, ≤ {GOAL_GROWTH:g}× that "
        "at 10×, the same queries at both sizes.",
        "",
        f"| page | {columns} |",
        "|" + " --- |" * (1 + 2 * len(scales)),
    ]
    for name in scales[0][1]:
        cells = []
        for _scale, found in scales:
            page = found.get(name, {})
            if page.get("status") != 200:
                cells += [f"HTTP {page.get('status')}", ""]
            else:
                cells += [ms(page["seconds"]), str(page["queries"])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines

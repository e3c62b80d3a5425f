"""The writes' figures (bench/writes.py) as rows and a section of
docs/PERFORMANCE.md. Runs in the orchestrator: no Django here."""

from __future__ import annotations

from bench.report_cells import by_scale, ms, scaling_rows, smallest_and_largest, yes

GOAL_WRITE_TIME = 2.0  # each write at 10× ≤ 2× its time at 1×
GOAL_BULK_CLOSE_SECONDS = 1.0  # closing 141 cases at 1×

LABELS = {
    "follow_up": "log a follow-up",
    "close_case": "close one case",
    "entry_grid": "save one workshop's entry grid",
    "import_classifications": "import classifications",
    "bulk_close": "bulk-close cases that reached quota",
    "correction": "correct one record of a published month",
}


def _label(name: str, sizes: dict) -> str:
    label = LABELS[name]
    if name == "entry_grid":
        return f"{label} ({sizes['grid_rows']} rows)"
    if name == "import_classifications":
        return f"{label} ({sizes['classifications']:,} rows)"
    if name == "bulk_close":
        return f"{label} ({sizes['bulk_close']})"
    return label


def rows(results: dict | None) -> list[list[str]]:
    """[measure, figure, baseline, ratio, goal, met] for every write."""
    if not results:
        return []
    small_scale, small, large_scale, large = smallest_and_largest(results)
    out = []
    for name, write in small["writes"].items():
        label = _label(name, small["sizes"])
        if large is not None:
            big = large["writes"][name]
            out += scaling_rows(
                label, small_scale, large_scale, write, big, GOAL_WRITE_TIME
            )
        if name == "bulk_close":
            out.append(
                [
                    f"{label} at {small_scale}×",
                    ms(write["seconds"]),
                    f"{write['queries']} queries",
                    "—",
                    f"≤ {GOAL_BULK_CLOSE_SECONDS:g} s",
                    yes(write["seconds"] <= GOAL_BULK_CLOSE_SECONDS),
                ]
            )
    return out


def markdown(results: dict | None) -> list[str]:
    """The "Writes" section: every write at every size."""
    if not results:
        return []
    scales = by_scale(results)
    first = scales[0][1]
    columns = " | ".join(f"{scale}× time | {scale}× queries" for scale, _ in scales)
    header = f"| write | {columns} |"
    lines = [
        "## Writes",
        "",
        "Each write through the service its page calls, on a clone of the "
        f"bench database, in the working month ({first['month']}); each run "
        "inside a transaction rolled back after it, with the monthly summaries "
        "brought up to date at the end of the write's own transaction as "
        "before a commit (the commit's own work, the cache tokens' one-row "
        "updates, is left out alike). Median of 5 runs (3 for the import and "
        "the bulk close), after one to warm up; the queries of one run.",
        "",
        header,
        "|" + " --- |" * (1 + 2 * len(scales)),
    ]
    for name in first["writes"]:
        cells = []
        for _scale, found in scales:
            write = found["writes"][name]
            cells += [ms(write["seconds"]), str(write["queries"])]
        lines.append(f"| {_label(name, first['sizes'])} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines

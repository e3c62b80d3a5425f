"""The bench's results as a table (terminal) and as docs/PERFORMANCE.md."""

from __future__ import annotations

import statistics
from pathlib import Path

from bench import report_hostile, report_layers, report_secretary, report_writes
from bench.report_cells import ms, same_queries_row, yes

ANALYSIS = Path(__file__).resolve().parent / "ANALYSIS.md"

# The app's import against the database's floor for the same result, and
# against the peer.
GOAL_IMPORT_FLOOR = 1.5
GOAL_PEER = 10.0
GOAL_REPORT = 1.5
GOAL_PAGE_TIME = 3.0
GOAL_RPS = 0.5
GOAL_P95_MS = 300

# The results' parts that a module of their own turns into rows and a section,
# in the order they stand in the table and in docs/PERFORMANCE.md.
SECTIONS = {
    "secretary": report_secretary,
    "writes": report_writes,
    "layers": report_layers,
    "hostile": report_hostile,
}


def _ms(seconds: float) -> str:
    return ms(seconds) if seconds < 10 else f"{seconds:,.1f} s"


def _s(seconds: float) -> str:
    return f"{seconds:,.2f} s"


def _mb(count: int) -> str:
    return f"{count / 1024 / 1024:,.0f} MB"


def rows(results: dict) -> list[list[str]]:
    """[measure, figure, baseline, ratio, goal, met] for every goal."""
    out: list[list[str]] = []
    imported = results.get("import")
    if imported:
        out += _import_rows(imported)
    memory = results.get("memory")
    if memory:
        out.append(
            [
                f"peak memory, import of {memory['rows']:,} rows",
                f"{_mb(memory['python_peak_bytes'])} Python heap",
                f"process {_mb(memory['rss_peak_bytes'])} RSS",
                "—",
                "reported",
                "—",
            ]
        )
    scales = {
        "report": results.get("scale", 1),
        "report_large": results.get("compare_scale"),
    }
    for key, scale in scales.items():
        selector = results.get(key)
        if not selector:
            continue
        ratio = selector["selector_seconds"] / selector["hand_seconds"]
        same = not selector["disagreements"]
        out.append(
            [
                f"movement report selector, {scale}× data "
                f"({selector['selector_queries']} queries)",
                _ms(selector["selector_seconds"]),
                f"hand SQL {_ms(selector['hand_seconds'])}",
                f"{ratio:.2f}×" + ("" if same else " (figures differ!)"),
                f"≤ {GOAL_REPORT:g}×",
                yes(ratio <= GOAL_REPORT and same),
            ]
        )
    pages = {int(scale): found for scale, found in (results.get("pages") or {}).items()}
    scales = sorted(pages)
    small = pages[scales[0]] if scales else {}
    large = pages[scales[-1]] if len(scales) > 1 else None
    for name, page in small.items():
        if page.get("status") != 200:
            out.append([f"{name}: page", f"HTTP {page.get('status')}", "", "", "", "—"])
            continue
        if large and large.get(name, {}).get("status") == 200:
            big = large[name]
            out.append(
                same_queries_row(
                    name, scales[0], scales[-1], page["queries"], big["queries"]
                )
            )
            for label, key in (("uncached", "seconds"), ("cached", "cached_seconds")):
                ratio = big[key] / page[key]
                out.append(
                    [
                        f"{name}: time {scales[-1]}× vs {scales[0]}× ({label})",
                        _ms(big[key]),
                        _ms(page[key]),
                        f"{ratio:.1f}×",
                        f"≤ {GOAL_PAGE_TIME:g}×",
                        yes(ratio <= GOAL_PAGE_TIME),
                    ]
                )
        else:
            out.append(
                [
                    f"{name}: {page['queries']} queries (uncached)",
                    _ms(page["seconds"]),
                    f"cached {_ms(page['cached_seconds'])}",
                    "",
                    "",
                    "—",
                ]
            )
    for key, section in SECTIONS.items():
        out += section.rows(results.get(key))
    loaded = results.get("load")
    if loaded and "skipped" not in loaded and "rounds" in loaded:
        out += _load_rows(loaded)
    elif loaded:
        out.append(["load test", "not run", loaded["skipped"], "", "", "—"])
    return out


def _middle(runs: list[dict]) -> dict:
    """The run of median time (the upper one of an even number)."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def combine_import_rounds(rounds: list[dict]) -> dict:
    """The import phase's rounds (each on a fresh copy, floor then app) as
    one result: the median round's runs, and the median of the rounds'
    ratios of app to floor, as the load test takes the median of its rounds'
    ratios (each round's two are a moment apart on the same data)."""
    ratios = [r["import"]["seconds"] / r["floor"]["seconds"] for r in rounds]
    return {
        "rows": rounds[0]["rows"],
        "months": rounds[0]["months"],
        "bytes": rounds[0]["bytes"],
        "copy_seconds": _median(r["copy_seconds"] for r in rounds),
        "floor": {
            "seconds": _median(r["floor"]["seconds"] for r in rounds),
            "runs": [run for r in rounds for run in r["floor"]["runs"]],
        },
        "import": _middle([r["import"] for r in rounds]),
        "reimport": _middle([r["reimport"] for r in rounds]),
        "peer": next((r["peer"] for r in rounds if r.get("peer")), None),
        "floor_ratio": _median(ratios),
        "rounds": [
            {
                "floor": r["floor"]["seconds"],
                "import": r["import"]["seconds"],
                "ratio": ratio,
            }
            for r, ratio in zip(rounds, ratios, strict=True)
        ],
    }


def _import_rows(imported: dict) -> list[list[str]]:
    first, again = imported["import"], imported["reimport"]
    copy = imported["copy_seconds"]
    rows_ = imported["rows"]
    out = []
    floor = imported.get("floor")
    if floor:
        ratio = imported.get("floor_ratio", first["seconds"] / floor["seconds"])
        rounds = len(imported.get("rounds", [])) or 1
        out.append(
            [
                f"import {rows_:,} new records ÷ the floor (COPY into the real "
                "tables with history, committed"
                + (f"; median of {rounds} interleaved rounds" if rounds > 1 else "")
                + ")",
                _s(first["seconds"]),
                f"floor {_s(floor['seconds'])}",
                f"{ratio:.2f}×",
                f"≤ {GOAL_IMPORT_FLOOR:g}×",
                yes(ratio <= GOAL_IMPORT_FLOOR),
            ]
        )
    peer = imported.get("peer")
    if peer:
        ratio = peer["seconds"] / first["seconds"]
        out.append(
            [
                f"django-import-export (bulk mode) ÷ the app, {rows_:,} rows",
                _s(peer["seconds"]),
                f"app {_s(first['seconds'])}",
                f"{ratio:.1f}× faster",
                f"≥ {GOAL_PEER:g}× faster",
                yes(ratio >= GOAL_PEER and not peer.get("errors")),
            ]
        )
    out.append(
        [
            f"import {rows_:,} new records ÷ bare COPY (no index, no constraint)",
            _s(first["seconds"]),
            f"COPY {_s(copy)}",
            f"{first['seconds'] / copy:.0f}×",
            "reported",
            "—",
        ]
    )
    base = floor["seconds"] if floor else copy
    out.append(
        [
            "the same file again (every row unchanged) ÷ the floor",
            _s(again["seconds"]),
            f"floor {_s(base)}",
            f"{again['seconds'] / base:.2f}×",
            f"≤ {GOAL_IMPORT_FLOOR:g}×",
            yes(again["seconds"] / base <= GOAL_IMPORT_FLOOR),
        ]
    )
    return out


def _median(values) -> float:
    return statistics.median(list(values))


def load_summary(loaded: dict) -> dict:
    """Medians over the interleaved rounds."""
    rounds = loaded["rounds"]
    return {
        "rps": {name: _median(r[name]["rps"] for r in rounds) for name in rounds[0]},
        "dashboard_per_auth": _median(
            r["dashboard"]["rps"] / r["trivial_auth"]["rps"] for r in rounds
        ),
        "frame_per_auth": _median(
            r["frame"]["rps"] / r["trivial_auth"]["rps"] for r in rounds
        ),
        "dashboard_p95_ms": _median(r["dashboard"]["p95_ms"] for r in rounds),
        "dashboard_errors": sum(r["dashboard"]["errors"] for r in rounds),
    }


def _load_rows(loaded: dict) -> list[list[str]]:
    summary = load_summary(loaded)
    users = loaded["baseline_connections"]
    count = len(loaded["rounds"])
    rps = summary["rps"]
    ratio = summary["dashboard_per_auth"]
    out = [
        [
            f"cached factory dashboard req/s ÷ trivial @login_required view, "
            f"{users} users (median of {count} interleaved rounds)",
            f"{rps['dashboard']:,.0f}/s",
            f"trivial-auth {rps['trivial_auth']:,.0f}/s",
            f"{ratio:.2f}",
            f"≥ {GOAL_RPS:g}",
            yes(ratio >= GOAL_RPS),
        ],
        [
            f"base.html only (the 403 template) ÷ trivial-auth, {users} users",
            f"{rps['frame']:,.0f}/s",
            f"trivial-auth {rps['trivial_auth']:,.0f}/s",
            f"{summary['frame_per_auth']:.2f}",
            "reported",
            "—",
        ],
        [
            f"p95 at {users} users, cached dashboard (median of {count} rounds)",
            f"{summary['dashboard_p95_ms']:,.0f} ms",
            f"{rps['dashboard']:,.0f}/s",
            f"{summary['dashboard_errors']} errors",
            f"< {GOAL_P95_MS} ms, no errors",
            yes(
                summary["dashboard_p95_ms"] < GOAL_P95_MS
                and summary["dashboard_errors"] == 0
            ),
        ],
    ]
    for run in loaded["dashboard_runs"]:
        out.append(
            [
                f"dashboard at {run['connections']} users",
                f"p50 {run['p50_ms']:,.0f} ms · p95 {run['p95_ms']:,.0f} ms",
                f"{run['rps']:,.0f}/s",
                f"{run['errors']} errors",
                "no errors",
                yes(run["errors"] == 0),
            ]
        )
    return out


HEADER = ["measure", "figure", "baseline", "ratio", "goal", "met"]


def table(results: dict) -> str:
    body = rows(results)
    widths = [
        max(len(str(row[i])) for row in [HEADER, *body]) for i in range(len(HEADER))
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in body:
        lines.append(
            "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        )
    return "\n".join(lines)


def _markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def markdown(results: dict) -> str:
    machine = results["machine"]
    data = results["data"]
    counts = data["counts"]
    parts = [
        "# Performance",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand — the "
        "analysis at the end comes from bench/ANALYSIS.md. Every figure is "
        "measured against its baseline in the same run, on the same machine, "
        "a moment apart.",
        "",
        f"- **Date:** {results['date']}",
        f"- **Command:** `{results['command']}` "
        f"(took {results['seconds'] / 60:,.1f} min)",
        f"- **Machine:** {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory']}; {machine['os']}",
        f"- **Software:** PostgreSQL {machine['postgresql']}, Python "
        f"{machine['python']}, Django {machine['django']}",
        f"- **Data ({results['scale']}×):** {counts['workers']:,} workers in "
        f"{counts['workshops']} workshops, {counts['records']:,} monthly records, "
        f"{counts['classifications']:,} classifications, {counts['cases']:,} "
        "help cases",
    ]
    if "load_average_start" in results:
        parts.append(
            "- **Load average** (1 min) at the start and the end of the run: "
            f"{results['load_average_start']:.1f} and "
            f"{results['load_average_end']:.1f} on {machine['cores']} cores (more "
            "than the bench itself needs is other work on the machine)"
        )
    if "compare_data" in results:
        big = results["compare_data"]["counts"]
        parts.append(
            f"- **Larger data:** {big['workers']:,} workers in {big['workshops']} "
            f"workshops, {big['records']:,} monthly records, {big['cases']:,} cases"
        )
    parts += ["", "## Results", "", _markdown_table(HEADER, rows(results)), ""]

    imported = results.get("import")
    if imported:
        first, again = imported["import"], imported["reimport"]
        parts += [
            "## Import",
            "",
            f"{imported['rows']:,} rows ({imported['bytes'] / 1024 / 1024:.1f} MB "
            f"of CSV, months {imported['months'][0]} to {imported['months'][-1]}) "
            f"through {first['path']}, on a copy of the bench database; the "
            "floor is the same rows COPYed into the real records and history "
            "tables (every index, constraint and deferred foreign-key check) and "
            "committed, timed without Python (ids resolved beforehand; median of "
            "3); the peer is django-import-export in its bulk mode "
            "(bench/peer.py) importing the same rows into the same model, which "
            "writes no history and checks none of the app's rules; the bare "
            "`COPY … FROM STDIN (FORMAT csv)` of the same bytes into a table "
            "without index or constraint is shown for reference.",
            "",
            _markdown_table(
                ["run", "read", "plan", "apply", "total", "created", "unchanged"],
                [
                    [
                        label,
                        _s(run["stages"]["read"]),
                        _s(run["stages"]["plan"]),
                        _s(run["stages"]["apply"]),
                        _s(run["seconds"]),
                        f"{run['counts'].get('created', 0):,}",
                        f"{run['counts'].get('unchanged', 0):,}",
                    ]
                    for label, run in (("first", first), ("again", again))
                ],
            ),
            "",
        ]
        rounds = imported.get("rounds") or []
        if len(rounds) > 1:
            parts += [
                f"Each run above is the median of {len(rounds)} rounds. Each round "
                "ran on a fresh copy of the bench database: the floor, then the "
                "app. The goal's ratio is the median of the rounds' ratios.",
                "",
                _markdown_table(
                    ["round", "floor", "app", "app ÷ floor"],
                    [
                        [
                            str(number),
                            _s(r["floor"]),
                            _s(r["import"]),
                            f"{r['ratio']:.2f}×",
                        ]
                        for number, r in enumerate(rounds, 1)
                    ],
                ),
                "",
            ]
    memory = results.get("memory")
    if memory:
        parts += [
            "## Memory",
            "",
            f"Importing {memory['rows']:,} new rows in a fresh process: Python "
            f"heap peak {_mb(memory['python_peak_bytes'])} (tracemalloc), "
            f"process peak {_mb(memory['rss_peak_bytes'])} RSS "
            f"({_mb(memory['rss_before_bytes'])} before the import).",
            "",
        ]
    pages = results.get("pages") or {}
    if pages:
        body = []
        for scale, page_results in sorted(pages.items(), key=lambda i: int(i[0])):
            for name, page in page_results.items():
                if page.get("status") != 200:
                    body.append([f"{scale}×", name, f"HTTP {page.get('status')}"])
                    continue
                body.append(
                    [
                        f"{scale}×",
                        name,
                        str(page["queries"]),
                        _ms(page["seconds"]),
                        str(page["cached_queries"]),
                        _ms(page["cached_seconds"]),
                    ]
                )
        parts += [
            "## Pages",
            "",
            "In-process (Django's test client, no network), as the secretary; "
            "median of 5. *Uncached*: the cache is emptied before each request.",
            "",
            _markdown_table(
                ["data", "page", "queries", "uncached", "cached queries", "cached"],
                body,
            ),
            "",
        ]
    for key, section in SECTIONS.items():
        parts += section.markdown(results.get(key))
    loaded = results.get("load")
    if loaded and "skipped" not in loaded and "rounds" in loaded:

        def line(page, run, label=""):
            return [
                page + label,
                str(run["connections"]),
                f"{run['rps']:,.0f}",
                f"{run['p50_ms']:,.1f}",
                f"{run['p95_ms']:,.1f}",
                f"{run['p99_ms']:,.1f}",
                str(run["errors"]),
            ]

        names = {
            "trivial": "trivial view",
            "trivial_auth": "trivial @login_required view",
            "frame": "base.html only",
            "dashboard": "factory dashboard (cached)",
        }
        body = [
            line(names[name], found, f" · round {number}")
            for number, round_ in enumerate(loaded["rounds"], start=1)
            for name, found in round_.items()
        ]
        body += [line("factory dashboard", run) for run in loaded["dashboard_runs"]]
        parts += [
            "## Load",
            "",
            f"gunicorn ({loaded['workers']} sync workers, persistent database "
            f"connections, cache: {loaded['cache']}) on 127.0.0.1, wrk with 2 "
            "threads on the same machine, "
            f"{loaded['rounds'][0]['trivial']['seconds']} s per run, interleaved "
            "rounds, logged-in sessions of the secretary and the workshop directors "
            f"taken in turn. Dashboard: `{loaded['dashboard']}`.",
            "",
            _markdown_table(
                ["page", "users", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"],
                body,
            ),
            "",
        ]
    elif loaded:
        parts += ["## Load", "", f"Not run: {loaded['skipped']}.", ""]
    if ANALYSIS.exists():
        parts += [ANALYSIS.read_text().strip(), ""]
    return "\n".join(parts)

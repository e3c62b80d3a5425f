"""What each cache layer buys (bench/run.py's layers step) as rows and a
section of docs/PERFORMANCE.md. Runs in the orchestrator: no Django here."""

from __future__ import annotations

import statistics

from bench.report_cells import ms

# "" is every layer on; then each switched off in turn (CACHE_LAYERS_OFF).
CONFIGURATIONS = ("", "summaries", "figures", "pages", "roles")
GOAL_GAIN = 0.20  # a layer stays only where it buys at least this much

# The page each layer serves, and the measure its gain is read on: "uncached"
# (in-process, the cache emptied before the request: what the summary tables
# make fast) or "rps" (requests a second at 50 users, the page cached). A
# fifth layer, the frame's fixed parts drawn once per process ({% once %}),
# was measured on the frame alone (/bench/frame) at +17% and removed; the
# frame is still loaded under the layers' test, as a reference.
SERVES = {
    "summaries": ("factory dashboard", "uncached"),
    "figures": ("movement.json", "rps"),
    "pages": ("factory dashboard", "rps"),
    "roles": ("factory dashboard", "rps"),
}
WHAT = {
    "summaries": "monthly summary tables (MonthSummary, MonthCaseSummary)",
    "figures": "figures cached under the months' tokens (ReportCache)",
    "pages": "rendered page blocks (factory.figures.page_cache)",
    "roles": "permissions and role flags in the shared cache (role_cache)",
}


def _median(values) -> float:
    return statistics.median(list(values))


def _load(results: dict, layer: str, page: str) -> dict | None:
    load = results.get("load") or {}
    runs = load.get(layer, {}).get(page) if "skipped" not in load else None
    if not runs:
        return None
    return {
        "rps": _median(run["rps"] for run in runs),
        "p95_ms": _median(run["p95_ms"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
    }


def gains(results: dict) -> dict[str, dict]:
    """{layer: {"page", "measure", "with", "without", "gain"}}: the gain is
    how much slower the page is without the layer (uncached time) or how
    many more requests a second it serves with it."""
    out = {}
    pages = results["pages"]
    for layer, (page, measure) in SERVES.items():
        if measure == "uncached":
            on = pages[""][page]["seconds"]
            off = pages[layer][page]["seconds"]
            gain = off / on - 1
        else:
            with_it, without = _load(results, "", page), _load(results, layer, page)
            if with_it is None or without is None:
                continue
            on, off = with_it["rps"], without["rps"]
            gain = on / off - 1
        out[layer] = {"page": page, "measure": measure, "with": on, "without": off}
        out[layer]["gain"] = gain
    return out


def _shown(value: float, measure: str) -> str:
    return ms(value) if measure == "uncached" else f"{value:,.0f}/s"


def rows(results: dict | None) -> list[list[str]]:
    """[measure, figure, baseline, ratio, goal, met] for every layer."""
    if not results:
        return []
    out = []
    for layer, found in gains(results).items():
        measure = found["measure"]
        label = "uncached" if measure == "uncached" else "req/s at 50 users, cached"
        out.append(
            [
                f"cache layer '{layer}': {found['page']}, {label}, with ÷ without",
                _shown(found["with"], measure),
                f"without {_shown(found['without'], measure)}",
                f"+{found['gain'] * 100:.0f}%",
                f"≥ +{GOAL_GAIN * 100:.0f}%",
                "yes" if found["gain"] >= GOAL_GAIN else "**no**",
            ]
        )
    return out


def markdown(results: dict | None) -> list[str]:
    if not results:
        return []
    scale = results["scale"]
    lines = [
        "## Cache layers",
        "",
        f"Each layer switched off in turn (`CACHE_LAYERS_OFF`), at {scale}× the "
        "data: the pages in-process as the secretary (median of 5; *uncached*: "
        "the cache emptied before each request), and the cached pages under 50 "
        "users (gunicorn, wrk, median of 2 interleaved rounds of "
        f"{results.get('cache', 'locmem')}).",
        "",
        "| layer | what it keeps | page it serves | with it | without it | gain |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for layer, found in gains(results).items():
        measure = found["measure"]
        lines.append(
            f"| {layer} | {WHAT[layer]} | {found['page']} "
            f"({'uncached' if measure == 'uncached' else 'req/s, cached'}) | "
            f"{_shown(found['with'], measure)} | "
            f"{_shown(found['without'], measure)} | +{found['gain'] * 100:.0f}% |"
        )
    lines += [
        "",
        "| switched off | page | uncached | cached | req/s at 50 | p95 at 50 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    load_pages = [
        page
        for page in ((results.get("load") or {}).get("") or {})
        if page not in results["pages"][""]
    ]
    for layer in CONFIGURATIONS:
        for page in load_pages:  # under load only: the frame alone
            load = _load(results, layer, page)
            if load:
                lines.append(
                    f"| {layer or '(none)'} | {page} | — | — | "
                    f"{load['rps']:,.0f}/s | {load['p95_ms']:,.0f} ms |"
                )
        for page, found in results["pages"][layer].items():
            if found.get("status") != 200:
                continue
            load = _load(results, layer, page)
            lines.append(
                f"| {layer or '(none)'} | {page} | {ms(found['seconds'])} | "
                f"{ms(found['cached_seconds'])} | "
                + (
                    f"{load['rps']:,.0f}/s | {load['p95_ms']:,.0f} ms |"
                    if load
                    else "— | — |"
                )
            )
    lines.append("")
    return lines

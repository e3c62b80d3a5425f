"""The hostile uploads' part of the bench's report (bench/hostile.py)."""

from __future__ import annotations

from bench.report_cells import yes

GOAL_REFUSAL_SECONDS = 2.0
GOAL_LOGIN_P95_MS = 500


def rows(results: dict | None) -> list[list[str]]:
    if not results:
        return []
    out = []
    refusals = results.get("refusals") or {}
    if refusals:
        slowest_name = max(refusals, key=lambda name: refusals[name]["seconds"])
        slowest = refusals[slowest_name]["seconds"]
        refused = all(r["message"] != "READ, NOT REFUSED" for r in refusals.values())
        out.append(
            [
                f"hostile files: slowest refusal of {len(refusals)} ({slowest_name})",
                f"{slowest:,.2f} s",
                "—",
                "—",
                f"< {GOAL_REFUSAL_SECONDS:g} s, all refused",
                yes(slowest < GOAL_REFUSAL_SECONDS and refused),
            ]
        )
    loaded = results.get("load") or {}
    if "login_during" in loaded:
        during, alone = loaded["login_during"], loaded["login_alone"]
        out.append(
            [
                "login page p95 during two hostile uploads",
                f"{during['p95_ms']:,.0f} ms",
                f"alone {alone['p95_ms']:,.0f} ms",
                f"{during['p95_ms'] / max(alone['p95_ms'], 0.001):.1f}×",
                f"< {GOAL_LOGIN_P95_MS} ms",
                yes(during["p95_ms"] < GOAL_LOGIN_P95_MS and not during["errors"]),
            ]
        )
    elif "skipped" in loaded:
        out.append(
            ["hostile uploads under load", "not run", loaded["skipped"]]
            + [""] * 2
            + ["—"]
        )
    return out


def markdown(results: dict | None) -> list[str]:
    if not results:
        return []
    parts = [
        "## Hostile uploads",
        "",
        "Each file of the tests' hostile corpus (tests/hostile_files.py) read as "
        "an upload is, on the bench data: the time to its refusal.",
        "",
        "| file | size | refused in | message |",
        "| --- | --- | --- | --- |",
    ]
    for name, found in (results.get("refusals") or {}).items():
        parts.append(
            f"| {name} | {found['bytes']:,} B | {found['seconds']:,.3f} s | "
            f"{found['message']}… |"
        )
    loaded = results.get("load") or {}
    if "login_during" in loaded:
        parts += [
            "",
            f"The login page under wrk (4 connections) on gunicorn with "
            f"{loaded['workers']} workers, as `make demo` serves, alone and then "
            "while two threads upload the audit's two files back to back as the "
            "secretary (answers: "
            + ", ".join(str(s) for s in loaded["upload_statuses"])
            + "):",
            "",
            "| login page | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for label, run in (
            ("alone", loaded["login_alone"]),
            ("during two hostile uploads", loaded["login_during"]),
        ):
            parts.append(
                f"| {label} | {run['rps']:,.0f} | {run['p50_ms']:,.1f} | "
                f"{run['p95_ms']:,.1f} | {run['p99_ms']:,.1f} | {run['errors']} |"
            )
        parts += [
            "",
            "| upload | times | median | slowest |",
            "| --- | --- | --- | --- |",
        ]
        for name, found in loaded["uploads"].items():
            if found["count"]:
                parts.append(
                    f"| {name} | {found['count']} | {found['median_seconds']:,.3f} s | "
                    f"{found['max_seconds']:,.3f} s |"
                )
    parts.append("")
    return parts

"""What a correction changed: one definition for every page that mentions one.

DESIGN.md ("The month"): the figures of the latest published revision
compared key by key with the figures being published — the JSON report's
keys, workshops by code and shown by name — and its count is the number of
keys whose value differs. The bulletin, the dashboards, the publish page
and the list of revisions all count with ``report_changes``; publishing
stores its rows on the revision, so a revision's list is the one the
secretary saw before publishing it.

A row is {"figure": "workshops.jg1.failing", "published": 20, "live": 19,
"workshop": "第一加工车间"}: ``figure`` is the key's path (lists of
workshops keyed by code), ``workshop`` the name of the workshop it is about,
if any, so that the row reads as a person would write it.
"""

from __future__ import annotations

# Keys that say where the figures come from or what they are called, not
# what they are: the same correction must count the same whichever
# revision or month it is read against.
_NOT_FIGURES = {"revision", "month", "compare_month"}
_IDENTITY = {"code", "name", "workshop", "trade"}


def report_changes(published: dict, live: dict) -> list[dict]:
    """The keys of two movement reports (movement_report, the JSON report)
    whose values differ, in key order."""
    names = {**_workshop_names(published), **_workshop_names(live)}
    before, after = _flat(published, names), _flat(live, names)
    rows = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        row = {"figure": key, "published": before.get(key), "live": after.get(key)}
        code = _workshop_code(key)
        if code is not None:
            row["workshop"] = names.get(code, code)
        rows.append(row)
    return rows


def _workshop_names(report: dict) -> dict[str, str]:
    return {row["code"]: row["name"] for row in report.get("workshops") or []}


def _workshop_code(key: str) -> str | None:
    """The workshop a key is about ("workshops.jg1.failing" → "jg1"; a
    quota review group's, "quota_reviews.jg1/车工.failing" → "jg1")."""
    parts = key.split(".")
    if len(parts) > 2 and parts[0] == "workshops":
        return parts[1]
    if len(parts) > 2 and parts[0] == "quota_reviews":
        return parts[1].split("/", 1)[0]
    return None


def _row_key(item: dict, index: int) -> str:
    """A list's row in a key: a workshop by its code, a quota review group
    by its workshop's code and trade, anything else by its place."""
    if "code" in item:
        return str(item["code"])
    if "trade" in item and "workshop" in item:
        return f"{item['workshop']}/{item['trade']}"
    return str(index)


def _flat(report: dict, names: dict[str, str]) -> dict[str, object]:
    """The report's figures by path. A list of workshop rows is keyed by
    code; a list of plain values (the missing workshops) is one value, its
    names (the figure_value filter joins them), so that one workshop more
    or less is one change, not a shift of every later position."""
    flat: dict[str, object] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if not path and key in _NOT_FIGURES:
                    continue
                if path and key in _IDENTITY:
                    continue
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and all(isinstance(i, dict) for i in value):
            for index, item in enumerate(value):
                walk(item, f"{path}.{_row_key(item, index)}")
        elif isinstance(value, list):
            flat[path] = [names.get(item, item) for item in value] or None
        else:
            flat[path] = value

    walk(report, "")
    return flat


def in_scope(figure: str, codes: set[str] | None) -> bool:
    """Whether a change's figure is the factory's or about one of ``codes``
    (None: every workshop)."""
    code = _workshop_code(figure)
    return codes is None or code is None or code in codes


def scoped(rows: list[dict], codes: set[str] | None) -> list[dict]:
    """The changes the reader of ``codes`` may see (report_changes rows)."""
    return [row for row in rows if in_scope(row["figure"], codes)]


# The bulletin's own sections beyond the report. A correction that changes
# none of the report's figures but one of these (an attendee's output, a
# grant) may still be published; it is named by section, not counted.
# The compared month's causes are that month's figures, not this one's.
BULLETIN_SECTIONS = ("measures", "reached_cases")


def other_sections(published: dict, live: dict) -> list[str]:
    """The bulletin sections (BULLETIN_SECTIONS) that differ between two
    bulletin bundles; the cases that reached quota by their number only,
    so that no name is compared."""

    def section(bundle: dict, name: str):
        value = bundle.get(name)
        if name == "reached_cases" and value is not None:
            return reached_total(value)
        return value

    return [
        name
        for name in BULLETIN_SECTIONS
        if section(published, name) != section(live, name)
    ]


def reached_total(reached: dict) -> int:
    """How many cases reached quota, of a bundle's ``reached_cases``."""
    return sum(row["count"] for row in reached["workshops"])

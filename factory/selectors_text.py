"""The report's figures as sentences in the reader's language.

Shared by the movement_report command's text format and the monthly
bulletin, so both say the same thing the same way.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from factory.selectors import cause_label
from factory.templatetags.report_tags import month_label, number, signed


def headline(report: dict) -> str:
    """ "March 1956: advanced producers are 78.5% of …, up 35% on February
    1956 (+35 percentage points)." — both readings of "up 35%"."""
    values = {
        "month": month_label(report["month"]),
        "compare": month_label(report["compare_month"]),
        "workers": report["workers_on_quota"],
        "advanced": report["advanced"],
        "share": number(report["advanced_share"]),
        "pct": number(abs(report["advanced_change_pct"] or 0)),
        "pp": signed(report["advanced_share_change_pp"]),
    }
    change = report["advanced_change_pct"]
    if not report["workers_on_quota"]:
        text = _("%(month)s: no worker has a record for this month.")
    elif change is None:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s); %(compare)s had no advanced "
            "producers to compare with."
        )
    elif change > 0:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), up %(pct)s%% on %(compare)s "
            "(%(pp)s percentage points)."
        )
    elif change < 0:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), down %(pct)s%% on %(compare)s "
            "(%(pp)s percentage points)."
        )
    else:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), as many as in %(compare)s "
            "(%(pp)s percentage points)."
        )
    return text % values


def failing_sentence(report: dict) -> str:
    return _("Workers below quota: %(now)s (%(compare)s: %(before)s, %(change)s).") % {
        "now": report["failing"],
        "compare": month_label(report["compare_month"]),
        "before": report["compare"]["failing"],
        "change": signed(report["failing"] - report["compare"]["failing"]),
    }


def causes_list(causes: dict) -> str:
    """ "backward technique 70% (28); ideological problem 25% (10); …",
    leaving out causes nobody had."""
    parts = [
        _("%(cause)s %(share)s%% (%(count)s)")
        % {
            "cause": cause_label(key),
            "share": number(value["share"]),
            "count": value["count"],
        }
        for key, value in causes.items()
        if value["count"]
    ]
    return _("; ").join(parts)


def causes_sentence(causes: dict, month: str) -> str:
    failing = sum(value["count"] for value in causes.values())
    if not failing:
        return _("No worker was below quota in %(month)s.") % {
            "month": month_label(month)
        }
    return _("Of the %(failing)s workers below quota in %(month)s: %(causes)s.") % {
        "failing": failing,
        "month": month_label(month),
        "causes": causes_list(causes),
    }


def workshop_line(row: dict) -> str:
    return _(
        "%(name)s: %(workers)s workers on quota, advanced %(share)s%%, "
        "below quota %(before)s → %(now)s."
    ) % {
        "name": row["name"],
        "workers": row["workers_on_quota"],
        "share": number(row["advanced_share"]),
        "before": row["compare_failing"],
        "now": row["failing"],
    }


def cases_sentence(cases: dict) -> str:
    return _(
        "Help cases: %(open)s open, %(reached)s reached quota, %(closed)s closed."
    ) % {
        "open": cases["open"],
        "reached": cases["reached_quota"],
        "closed": cases["closed"],
    }


def report_text(report: dict, workshop_name: str | None = None) -> str:
    """The whole report as a short bulletin (the command's text format)."""
    lines = []
    if workshop_name:
        lines.append(_("Workshop: %(name)s") % {"name": workshop_name})
    lines.append(headline(report))
    lines.append(failing_sentence(report))
    if report["failing"]:
        lines.append(causes_sentence(report["causes"], report["month"]))
    lines.extend(workshop_line(row) for row in report["workshops"])
    lines.append(cases_sentence(report["cases"]))
    return "\n".join(lines) + "\n"

"""python manage.py movement_report --month YYYY-MM [--compare YYYY-MM]
[--workshop CODE] [--format text|json|csv]"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from factory.reports import movement_report
from factory.selectors import cause_label, checked_month, flatten
from factory.templatetags.report_tags import month_label, number, signed
from workers.models import Workshop
from workers.months import MonthError


def _headline(report: dict) -> str:
    values = {
        "month": month_label(report["month"]),
        "compare": month_label(report["compare_month"]),
        "workers": report["workers_on_quota"],
        "advanced": report["advanced"],
        "share": number(report["advanced_share"]),
        "pct": number(abs(report["advanced_change_pct"] or 0)),
        "pp": signed(report["advanced_share_change_pp"]),
    }
    if not report["workers_on_quota"]:
        return _("%(month)s: no worker has a record for this month.") % values
    if report["advanced_change_pct"] is None:
        return (
            _(
                "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
                "workers on quota (%(advanced)s); %(compare)s had no advanced "
                "producers to compare with."
            )
            % values
        )
    if report["advanced_change_pct"] > 0:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), up %(pct)s%% on %(compare)s "
            "(%(pp)s percentage points)."
        )
    elif report["advanced_change_pct"] < 0:
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


def report_text(report: dict, workshop: Workshop | None = None) -> str:
    """The report as a short bulletin in the active language."""
    lines = []
    if workshop is not None:
        lines.append(_("Workshop: %(name)s") % {"name": workshop.name})
    lines.append(_headline(report))
    lines.append(
        _("Workers below quota: %(now)s (%(compare)s: %(before)s).")
        % {
            "now": report["failing"],
            "compare": month_label(report["compare_month"]),
            "before": report["compare"]["failing"],
        }
    )
    if report["failing"]:
        causes = _("; ").join(
            _("%(cause)s %(share)s%% (%(count)s)")
            % {
                "cause": cause_label(key),
                "share": number(value["share"]),
                "count": value["count"],
            }
            for key, value in report["causes"].items()
        )
        lines.append(_("Causes of the shortfalls: %(causes)s.") % {"causes": causes})
    for row in report["workshops"]:
        lines.append(
            _(
                "%(name)s: %(workers)s workers on quota, advanced %(share)s%%, "
                "below quota %(before)s → %(now)s."
            )
            % {
                "name": row["name"],
                "workers": row["workers_on_quota"],
                "share": number(row["advanced_share"]),
                "before": row["compare_failing"],
                "now": row["failing"],
            }
        )
    cases = report["cases"]
    lines.append(
        _(
            "Help cases: %(open)s open, %(reached)s reached quota, "
            "%(closed)s closed."
        )
        % {
            "open": cases["open"],
            "reached": cases["reached_quota"],
            "closed": cases["closed"],
        }
    )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the movement report of a month (DESIGN.md) as text, JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--compare", help="YYYY-MM (default: the month before --month)"
        )
        parser.add_argument("--workshop", help="workshop code (default: factory)")
        parser.add_argument(
            "--format", choices=["text", "json", "csv"], default="text"
        )
        parser.add_argument(
            "--language",
            help="language of the text format, e.g. en or zh-hans "
            "(default: the active language)",
        )

    def handle(self, *args, **options):
        if options["language"]:
            translation.activate(options["language"])
        try:
            month = checked_month(options["month"])
            compare = checked_month(options["compare"]) if options["compare"] else None
        except MonthError as error:
            raise CommandError(str(error)) from error
        workshop = None
        if options["workshop"]:
            workshop = Workshop.objects.filter(code=options["workshop"]).first()
            if workshop is None:
                raise CommandError(
                    _("There is no workshop with the code “%(code)s”.")
                    % {"code": options["workshop"]}
                )
        report = movement_report(month=month, compare=compare, workshop=workshop)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["key", "value"])
            for key, value in flatten(report).items():
                writer.writerow([key, "" if value is None else value])
        else:
            self.stdout.write(report_text(report, workshop), ending="")


"""python manage.py movement_report [--month YYYY-MM] [--compare YYYY-MM]
[--workshop CODE] [--format text|json|csv] [--live]"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from factory.figures.bulletin_text import report_text
from factory.figures.bundles import flatten, report_view, resolve_period
from factory.figures.cache import ReportCache
from workers.models import Workshop
from workers.months import MonthError
from workers.spreadsheet_safety import safe_cell


class Command(BaseCommand):
    help = "Print the movement report of a month as text, JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", help="YYYY-MM (default: the working month, the latest complete)"
        )
        parser.add_argument(
            "--compare", help="YYYY-MM (default: the month before --month)"
        )
        parser.add_argument("--workshop", help="workshop code (default: factory)")
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text")
        parser.add_argument(
            "--live",
            action="store_true",
            help="the live figures of a published month, not its latest revision",
        )
        parser.add_argument(
            "--language",
            help="language of the text format, e.g. en or zh-hans "
            "(default: the active language)",
        )

    def handle(self, *args, **options):
        if options["language"]:
            translation.activate(options["language"])
        rc = ReportCache()
        try:
            period = resolve_period(options["month"], options["compare"], rc)
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
        # The same figures as /reports/movement.json: the latest published
        # revision of a published month, else the live ones.
        view = report_view(
            kind="report",
            period=period,
            workshop=workshop,
            want_live=options["live"],
            rc=rc,
        )
        report = view["data"]["report"]
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["key", "value"])
            for key, value in flatten(report).items():
                writer.writerow([key, safe_cell(value)])
        else:
            self.stdout.write(
                report_text(
                    report,
                    workshop.name if workshop else None,
                    campaigns=view["data"]["campaigns"],
                ),
                ending="",
            )

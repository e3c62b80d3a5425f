"""python manage.py movement_report --month YYYY-MM [--compare YYYY-MM]
[--workshop CODE] [--format text|json|csv]"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from factory.reports import movement_report
from factory.selectors import checked_month, flatten
from factory.selectors_text import report_text
from workers.models import Workshop
from workers.months import MonthError
from workers.spreadsheet_safety import safe_cell


class Command(BaseCommand):
    help = "Print the movement report of a month (DESIGN.md) as text, JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--compare", help="YYYY-MM (default: the month before --month)"
        )
        parser.add_argument("--workshop", help="workshop code (default: factory)")
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text")
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
                writer.writerow([key, safe_cell(value)])
        else:
            self.stdout.write(
                report_text(report, workshop.name if workshop else None), ending=""
            )

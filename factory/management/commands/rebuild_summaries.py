"""python manage.py rebuild_summaries [--month YYYY-MM]

Recomputes the monthly summaries (factory.figures.summaries) from the records and
cases: every month, or one month and the months after it (their cases'
standing reads it). The summaries are kept current by every write; this is
for a database loaded without the app (a restore, raw SQL) and is safe to
run at any time: run twice, it leaves the same rows.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from factory.figures import summaries
from workers.months import MonthError, checked_month


class Command(BaseCommand):
    help = "Recompute the monthly summaries behind the dashboards and reports."

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", help="YYYY-MM: that month and the ones after it (default: all)"
        )

    def handle(self, *args, month=None, **options):
        try:
            chosen = checked_month(month) if month else None
        except MonthError as error:
            raise CommandError(str(error)) from error
        summaries.rebuild(chosen)

"""E-mail helpers whose cases have gone quiet, and the secretaries a digest.

Meant for a daily cron; it also removes import previews not confirmed in
time (``expire_import_previews``). A case is "quiet" when it is active, has had no
follow-up for CASE_REMINDER_DAYS days (counted from its opening if it has
none), and the worker's latest record is still below quota. The e-mails name
the workers and how long it has been; they never carry notes.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistance.selectors import days_since, quiet_cases


class Command(BaseCommand):
    help = "E-mail helpers about cases with no recent follow-up; digest to secretaries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days without a follow-up (default: settings.CASE_REMINDER_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say who would be e-mailed."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days if days is not None else settings.CASE_REMINDER_DAYS
        if days < 1:
            self.stderr.write("--days must be at least 1")
            raise SystemExit(2)
        with translation.override(settings.LANGUAGE_CODE):
            sent = self._send(days, dry_run)
        verb = "would send" if dry_run else "sent"
        self.stdout.write(f"{verb} {sent} e-mail(s)")
        if not dry_run:
            # The daily cron's other chore: import previews nobody confirmed.
            call_command("expire_import_previews", stdout=self.stdout)

    def _send(self, days: int, dry_run: bool) -> int:
        today = timezone.localdate()
        cases = list(quiet_cases(days, today))
        by_user = defaultdict(list)
        unreachable = []
        for case in cases:
            case.days_quiet = days_since(case.last_follow_up or case.opened_at, today)
            reached = False
            for helper in case.helpers.all():
                user = helper.user
                # A helper who has left the factory or is no longer eligible
                # has lost the case (docs/ARCHITECTURE.md) and is not told; the case
                # shows up as unreached in the digest, so the secretary can
                # give it to someone else.
                if (
                    helper.is_eligible_helper
                    and user is not None
                    and user.is_active
                    and user.email
                ):
                    by_user[user].append(case)
                    reached = True
            if not reached:
                unreachable.append(case)
        sent = 0
        for user, user_cases in sorted(by_user.items(), key=lambda i: i[0].pk):
            context = {"user": user, "cases": user_cases, "days": days}
            subject = _("Catch Up: %(count)d of your cases need a follow-up") % {
                "count": len(user_cases)
            }
            sent += self._mail(subject, "reminder", context, [user.email], dry_run)
        secretaries = [
            user.email
            for user in get_user_model()
            .objects.with_perm(
                "assistance.view_all_cases",
                include_superusers=False,
                backend="django.contrib.auth.backends.ModelBackend",
            )
            .filter(is_active=True)
            .exclude(email="")
            .order_by("pk")
        ]
        if cases and secretaries:
            context = {
                "cases": cases,
                "days": days,
                "reminded": by_user,
                "unreachable": unreachable,
            }
            subject = _("Catch Up: %(count)d help cases without a recent follow-up") % {
                "count": len(cases)
            }
            sent += self._mail(subject, "digest", context, secretaries, dry_run)
        return sent

    def _mail(self, subject, template, context, to, dry_run) -> int:
        body = render_to_string(f"assistance/email/{template}.txt", context)
        if dry_run:
            self.stdout.write(f"{', '.join(to)}: {subject}")
            return 1
        send_mail(subject, body, None, to)
        return 1

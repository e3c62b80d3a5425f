"""Remove import previews not confirmed within IMPORT_PREVIEW_HOURS.

Run daily; ``send_case_reminders`` (the daily cron command) runs it too. The
uploaded file of an expired preview goes with it.
"""

from django.core.management.base import BaseCommand

from workers.importing.batches import expire_previews


class Command(BaseCommand):
    help = "Remove import previews that were not confirmed in time."

    def handle(self, *args, **options):
        removed = expire_previews()
        self.stdout.write(f"removed {removed} expired import preview(s)")

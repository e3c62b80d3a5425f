"""Where workers' news reaches assistance: records saved → cases synced."""

from django.dispatch import receiver

from workers.signals import records_saved


@receiver(records_saved, dispatch_uid="assistance.sync_cases_with_records")
def sync_cases_on_records_saved(sender, months, worker_ids=None, **kwargs):
    from assistance.services import sync_cases_with_records

    for month in sorted(months):
        sync_cases_with_records(month)

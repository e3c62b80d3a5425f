"""Where workers' news reaches assistance: records saved → cases synced."""

from django.dispatch import receiver

from workers.signals import records_saved


@receiver(records_saved, dispatch_uid="assistance.sync_cases_with_records")
def sync_cases_on_records_saved(sender, months, worker_ids=None, **kwargs):
    from assistance.services import sync_cases_with_records

    if not months:
        return
    # A case's status follows the latest record after its month, so one pass
    # over the cases opened before the latest month saved covers every month
    # in the batch (records of earlier months can only affect a subset).
    sync_cases_with_records(max(months), worker_ids=worker_ids)

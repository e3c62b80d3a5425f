from django.dispatch import Signal

# Sent by workers.services.save_records inside its transaction, after records
# were created or changed. Arguments: months (set of dates, first of month),
# worker_ids (set of Worker primary keys). assistance listens to it.
records_saved = Signal()

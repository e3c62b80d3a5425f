"""The signals through which workers' news reaches the other apps.

Two signals, both sent inside the writer's transaction:

- ``records_saved`` (months, worker_ids): production records were created or
  changed. assistance listens to it to sync help cases with the records.
- ``figures_changed`` (changes): data behind the figures changed; ``changes``
  maps each kind of change (``workers.changes.Change``) to the months whose
  own data changed, or None when it reaches every month. It is sent once per
  transaction, just before it commits (``workers.changes.announce_change``).
  factory listens to it to keep its monthly summaries and refresh its cache.
"""

from __future__ import annotations

from django.dispatch import Signal

records_saved = Signal()
figures_changed = Signal()

"""The peer of the record import: django-import-export, in its bulk mode.

Installed by the ``bench`` extra only (pyproject.toml), never at run time.
The resource imports the bench's records CSV into ProductionRecord in the
fastest mode its documentation gives ("Bulk imports"): ``use_bulk`` with a
``batch_size``, ``skip_diff`` (no diff per row), ``force_init_instance``
(every row is new: no lookup of an existing instance), no HTML diff, one
transaction; and, as its performance notes advise, the worker foreign key
resolved from a dict of the workers read once instead of a query per row.

What it does not do, and the app does: check the values with the app's rules,
write history (bulk mode sends no signals, so simple_history writes none), or
announce the change. The comparison favours the peer.
"""

from __future__ import annotations

import datetime as dt
import time

from workers.models import ProductionRecord, Worker


def resource_class():
    from import_export import fields, resources, widgets

    class CachedWorkerWidget(widgets.ForeignKeyWidget):
        """employee_no → worker, from one query for the whole file."""

        def __init__(self):
            super().__init__(Worker, "employee_no")
            # Instances, not ids: the result's row summary is str(record),
            # which names the worker (no query when the worker is at hand).
            self.workers = {w.employee_no: w for w in Worker.objects.all()}

        def clean(self, value, row=None, **kwargs):
            return self.workers[value]

    class MonthWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            year, month = value.split("-")
            return dt.date(int(year), int(month), 1)

    class RecordResource(resources.ModelResource):
        worker = fields.Field(attribute="worker", column_name="employee_no")
        month = fields.Field(attribute="month", column_name="month")

        def __init__(self, user, **kwargs):
            super().__init__(**kwargs)
            self.user = user
            self.fields["worker"].widget = CachedWorkerWidget()
            self.fields["month"].widget = MonthWidget()

        def before_save_instance(self, instance, row, **kwargs):
            instance.entered_by_id = instance.updated_by_id = self.user.pk

        class Meta:
            model = ProductionRecord
            fields = ("worker", "month", "quota", "output", "unit")
            import_id_fields = ()
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            skip_html_diff = True
            force_init_instance = True
            use_transactions = True
            skip_unchanged = False
            report_skipped = False

    return RecordResource


def import_with_peer(data: bytes, user) -> dict:
    import tablib

    resource = resource_class()(user)
    start = time.perf_counter()
    dataset = tablib.Dataset().load(data.decode("utf-8"), format="csv")
    read = time.perf_counter() - start
    result = resource.import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "read_seconds": read,
        "rows": len(dataset),
        "created": result.totals.get("new", 0),
        "errors": result.has_errors(),
        "path": "django-import-export bulk mode (use_bulk, batch_size 1000, "
        "skip_diff, force_init_instance)",
    }

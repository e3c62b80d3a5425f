"""The Django admin for IT: every workers model, searchable and filterable.

Models with history use SimpleHistoryAdmin, so the admin shows (and records)
who changed what. Monthly records are saved through workers.services so the
records_saved signal reaches assistance, exactly as for the import and the
entry grid.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from workers.forms.base import ModelForm
from workers.models import (
    AdvancedStandard,
    ColumnMapping,
    Disqualification,
    ImportBatch,
    ProductionRecord,
    ShortfallClassification,
    Worker,
    Workshop,
)


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    form = ModelForm  # text refused like the app's forms (forms_base)
    list_display = ["code", "name", "director_names"]
    search_fields = ["code", "name", "managers__username"]
    list_filter = ["managers"]
    filter_horizontal = ["managers"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("managers")

    @admin.display(description=_("directors"))
    def director_names(self, workshop):
        return ", ".join(user.get_username() for user in workshop.managers.all())


@admin.register(Worker)
class WorkerAdmin(SimpleHistoryAdmin):
    form = ModelForm  # text refused like the app's forms (forms_base)
    list_display = [
        "employee_no",
        "name",
        "workshop",
        "trade",
        "political_status",
        "is_activist",
        "active",
        "user",
    ]
    list_filter = ["workshop", "political_status", "is_activist", "active", "trade"]
    search_fields = ["employee_no", "name", "trade", "user__username"]
    list_select_related = ["workshop", "user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 100


@admin.register(AdvancedStandard)
class AdvancedStandardAdmin(SimpleHistoryAdmin):
    form = ModelForm  # text refused like the app's forms (forms_base)
    list_display = ["effective_from", "threshold_pct", "set_by", "set_at"]
    list_filter = ["effective_from"]
    search_fields = ["effective_from", "set_by__username"]
    readonly_fields = ["set_by", "set_at"]
    date_hierarchy = "effective_from"

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        obj.set_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Disqualification)
class DisqualificationAdmin(SimpleHistoryAdmin):
    form = ModelForm  # text refused like the app's forms (forms_base)
    list_display = ["worker", "month", "reason", "decided_by", "decided_at"]
    list_filter = ["reason", "month", "worker__workshop"]
    search_fields = ["worker__employee_no", "worker__name", "note"]
    list_select_related = ["worker", "decided_by"]
    autocomplete_fields = ["worker"]
    readonly_fields = ["decided_by", "decided_at"]
    date_hierarchy = "month"

    def save_model(self, request, obj, form, change):
        obj.decided_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ProductionRecord)
class ProductionRecordAdmin(SimpleHistoryAdmin):
    form = ModelForm  # text refused like the app's forms (forms_base)
    list_display = [
        "worker",
        "month",
        "quota",
        "output",
        "unit",
        "attainment",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["month", "worker__workshop", "unit"]
    search_fields = ["worker__employee_no", "worker__name"]
    list_select_related = ["worker", "updated_by"]
    autocomplete_fields = ["worker"]
    readonly_fields = [
        "attainment",
        "entered_by",
        "entered_at",
        "updated_by",
        "updated_at",
    ]
    date_hierarchy = "month"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The service finds a record by worker and month: changing them
            # would create a second record instead of moving this one.
            fields += ["worker", "month"]
        return fields

    def save_model(self, request, obj, form, change):
        # Through the records service, so history is written and the
        # records_saved signal reaches assistance (cases are synced).
        from workers.services import RecordInput, save_records

        save_records(
            rows=[
                RecordInput(
                    worker_id=obj.worker_id,
                    month=obj.month,
                    quota=obj.quota,
                    output=obj.output,
                    unit=obj.unit,
                )
            ],
            by=request.user,
            source="admin",
        )
        saved = ProductionRecord.objects.get(worker_id=obj.worker_id, month=obj.month)
        # The admin's log entry and redirect need the saved row's key.
        obj.pk = saved.pk


@admin.register(ShortfallClassification)
class ShortfallClassificationAdmin(SimpleHistoryAdmin):
    form = ModelForm  # text refused like the app's forms (forms_base)
    list_display = ["worker", "month", "cause", "classified_by", "classified_at"]
    list_filter = ["cause", "month", "worker__workshop"]
    search_fields = ["worker__employee_no", "worker__name", "note"]
    list_select_related = ["worker", "classified_by"]
    autocomplete_fields = ["worker"]
    readonly_fields = ["classified_by", "classified_at", "version"]
    date_hierarchy = "month"

    def save_model(self, request, obj, form, change):
        obj.classified_by = request.user
        if change:
            # Forms elsewhere refuse a save based on an older version.
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """The column matchings secretaries confirmed; delete one to be asked
    again for files with those headers."""

    list_display = ["kind", "mapping", "saved_by", "saved_at"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "headers_key", "headers", "mapping", "saved_by"]

    def has_add_permission(self, request):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Read-only: a batch is a record of what was uploaded and imported."""

    list_display = ["uploaded_at", "kind", "filename", "uploaded_by", "status"]
    list_filter = ["kind", "status", "uploaded_at"]
    search_fields = ["filename", "sha256", "uploaded_by__username"]
    list_select_related = ["uploaded_by"]
    date_hierarchy = "uploaded_at"
    # The file and the preview kept of it hold the rows (notes included).
    exclude = ["content", "summary"]
    readonly_fields = [
        "kind",
        "filename",
        "sha256",
        "options",
        "mapping",
        "uploaded_by",
        "uploaded_at",
        "status",
        "background",
        "phase",
        "progress_done",
        "progress_total",
        "heartbeat_at",
        "retry",
        "counts",
        "error",
        "finished_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "summary")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

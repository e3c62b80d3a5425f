"""Read-only admin for help cases and demonstrations.

Cases change only through assistance.services (each change writes a
CaseEvent and keeps the one-active-case and measured-success rules), so the
admin lets IT look, not edit; the case pages are where people work. Staff
who are not superusers see what their permissions allow, like everywhere.
"""

from __future__ import annotations

from django.contrib import admin

from assistance.models import AssistanceCase, CaseEvent, Demonstration, MachineCheck


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "kind", "from_status", "to_status", "month", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AssistanceCase)
class AssistanceCaseAdmin(ReadOnlyAdmin):
    list_display = ["worker", "month", "cause", "measure", "status", "opened_at"]
    list_filter = ["status", "cause", "measure", "month", "worker__workshop"]
    search_fields = ["worker__employee_no", "worker__name"]
    list_select_related = ["worker"]
    # Notes (close reason) stay on the case page, for its readers.
    exclude = ["close_reason"]
    inlines = [CaseEventInline]


@admin.register(Demonstration)
class DemonstrationAdmin(ReadOnlyAdmin):
    list_display = ["date", "technique", "demonstrator", "workshop", "place"]
    list_filter = ["workshop", "date"]
    search_fields = ["technique", "demonstrator__name"]
    list_select_related = ["demonstrator", "workshop"]


@admin.register(MachineCheck)
class MachineCheckAdmin(ReadOnlyAdmin):
    """Checks are recorded from /cases/checks/ (an ``applies`` writes the
    worker's mastery too): the admin only shows them."""

    list_display = ["worker", "demonstration", "result", "checked_on", "checked_by"]
    list_filter = ["result", "checked_on", "worker__workshop"]
    search_fields = ["worker__employee_no", "worker__name"]
    list_select_related = ["worker", "demonstration", "checked_by"]

"""django.contrib.admin with the project's site (factory.admin_site).

Also the project's names of two packages' apps (INSTALLED_APPS names
these classes), so that the whole admin reads in the reader's language.
A module of its own: an app module may declare one AppConfig only, and the
site's module imports the admin, which needs the app registry ready.
"""

import axes.apps
import django_tasks_db.apps
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CatchUpAdminConfig(AdminConfig):
    default_site = "factory.admin_site.CatchUpAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscover: every app's admin module is loaded
        # Two columns of axes' attempts list are bare methods, headed by
        # their English names; give them translated headings.
        from axes.admin import AccessAttemptAdmin

        AccessAttemptAdmin.status.short_description = _("status")
        AccessAttemptAdmin.expiration.short_description = _("Expires At")


class AxesConfig(axes.apps.AppConfig):
    """django-axes under a name the admin can translate (it ships no
    Chinese; its strings are in factory.vendor_strings)."""

    verbose_name = _("Login protection")


class TasksDatabaseConfig(django_tasks_db.apps.TasksAppConfig):
    """The task queue's results under a translated name in the admin."""

    verbose_name = _("Background tasks")

"""django.contrib.admin with the project's site (factory.admin_site).

A module of its own: an app module may declare one AppConfig only, and the
site's module imports the admin, which needs the app registry ready.
"""

from django.contrib.admin.apps import AdminConfig


class CatchUpAdminConfig(AdminConfig):
    default_site = "factory.admin_site.CatchUpAdminSite"

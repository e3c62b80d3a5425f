"""The project's admin site: Django's, opened only to workers.roles.may_use_admin.

Installed as the default site by factory.admin_apps.CatchUpAdminConfig (in
INSTALLED_APPS instead of django.contrib.admin), so every ModelAdmin of
every app registers on it as usual.
"""

from __future__ import annotations

from django.contrib import admin

from workers.roles import may_use_admin


class CatchUpAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        # A refused staff member gets the admin's login page, which says
        # they are logged in but not authorised.
        return super().has_permission(request) and may_use_admin(request.user)

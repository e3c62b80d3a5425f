"""The project's admin site: Django's, opened only to workers.roles.may_use_admin.

Installed as the default site by factory.admin_apps.CatchUpAdminConfig (in
INSTALLED_APPS instead of django.contrib.admin), so every ModelAdmin of
every app registers on it as usual.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workers.roles import may_use_admin


class CatchUpAdminSite(admin.AdminSite):
    # The name in both languages, as on the factory's notices: the admin is
    # read by the secretary and by the engineer who set it up.
    site_header = "Catch Up 赶先进"
    site_title = "Catch Up 赶先进"
    index_title = _("Administration")

    def has_permission(self, request) -> bool:
        # A refused staff member gets the admin's login page, which says
        # they are logged in but not authorised.
        return super().has_permission(request) and may_use_admin(request.user)

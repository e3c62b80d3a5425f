from django.contrib import admin
from django.urls import include, path

from factory import accounts, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Before Django's own: the old password counts towards the lockout.
    path(
        "accounts/password_change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workers/", include("workers.urls")),
    path("cases/", include("assistance.urls")),
    path("", include("factory.report_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "factory.views.permission_denied"
handler404 = "factory.views.page_not_found"
handler500 = "factory.views.server_error"

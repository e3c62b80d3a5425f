"""Every route: the project's own (start page, health, accounts, language),
the apps' (workers, assistance), and the factory's figures — dashboards, the
movement report, the monthly bulletin and exports — under the "reports"
namespace."""

from django.contrib import admin
from django.urls import include, path, register_converter

from factory import accounts, health
from factory.views import campaigns, dashboard, exports, home, reports
from workers.urls import experience_patterns


class MonthConverter:
    """YYYY-MM in a path; whether it is a real month is the view's business."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


register_converter(MonthConverter, "yyyymm")

report_patterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "dashboard/workshops/<str:code>/",
        dashboard.workshop_dashboard,
        name="workshop_dashboard",
    ),
    path("dashboard/export/<slug:table>.<slug:fmt>", exports.export, name="export"),
    path("reports/movement.json", reports.movement_json, name="movement_json"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("reports/", reports.bulletin_index, name="bulletin_index"),
    path("reports/<yyyymm:month>/", reports.bulletin, name="bulletin"),
    path(
        "reports/<yyyymm:month>/revisions/<int:revision>/",
        reports.bulletin,
        name="bulletin_revision",
    ),
    path("reports/<yyyymm:month>/publish/", reports.publish, name="publish"),
    path(
        "reports/<yyyymm:month>/complete/",
        reports.month_completion,
        name="month_completion",
    ),
]

urlpatterns = [
    path("", home.home, name="home"),
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
    path("experiences/", include((experience_patterns, "experiences"))),
    path("cases/", include("assistance.urls")),
    path("", include((report_patterns, "reports"))),
    path("admin/", admin.site.urls),
]

handler403 = "factory.views.errors.permission_denied"
handler404 = "factory.views.errors.page_not_found"
handler500 = "factory.views.errors.server_error"

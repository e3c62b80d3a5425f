"""Dashboards, the movement report, the monthly bulletin and exports."""

from django.urls import path, register_converter

from factory import views_dashboard, views_exports, views_reports


class MonthConverter:
    """YYYY-MM in a path; whether it is a real month is the view's business."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


register_converter(MonthConverter, "yyyymm")

app_name = "reports"
urlpatterns = [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path(
        "dashboard/workshops/<str:code>/",
        views_dashboard.workshop_dashboard,
        name="workshop_dashboard",
    ),
    path(
        "dashboard/export/<slug:table>.<slug:fmt>",
        views_exports.export,
        name="export",
    ),
    path("reports/movement.json", views_reports.movement_json, name="movement_json"),
    path("reports/", views_reports.bulletin_index, name="bulletin_index"),
    path("reports/<yyyymm:month>/", views_reports.bulletin, name="bulletin"),
    path(
        "reports/<yyyymm:month>/revisions/<int:revision>/",
        views_reports.bulletin,
        name="bulletin_revision",
    ),
    path("reports/<yyyymm:month>/publish/", views_reports.publish, name="publish"),
    path(
        "reports/<yyyymm:month>/complete/",
        views_reports.month_completion,
        name="month_completion",
    ),
]

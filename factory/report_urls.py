"""Dashboards, the movement report and the bulletin (filled by later issues)."""

app_name = "reports"
urlpatterns: list = []

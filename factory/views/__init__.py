"""The factory's pages: the start page, the dashboards, the bulletin, the JSON
report and the exports (routes in factory/urls.py)."""

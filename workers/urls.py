from django.urls import path

from workers import views, views_import, views_records

app_name = "workers"
urlpatterns = [
    path("", views.worker_list, name="worker_list"),
    path("new/", views.worker_create, name="worker_create"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("workshops/", views.workshop_list, name="workshop_list"),
    path("workshops/new/", views.workshop_create, name="workshop_create"),
    path("workshops/<int:pk>/edit/", views.workshop_edit, name="workshop_edit"),
    path("import/", views_import.import_index, name="import_index"),
    path("import/<slug:kind>/", views_import.import_upload, name="import_upload"),
    path(
        "import/<slug:kind>/template.<str:fmt>",
        views_import.import_template,
        name="import_template",
    ),
    path("import/batch/<int:pk>/", views_import.import_batch, name="import_batch"),
    path(
        "import/batch/<int:pk>/confirm/",
        views_import.import_confirm,
        name="import_confirm",
    ),
    path(
        "import/batch/<int:pk>/progress/",
        views_import.import_progress,
        name="import_progress",
    ),
    path(
        "import/batch/<int:pk>/columns/",
        views_import.import_columns,
        name="import_columns",
    ),
    path(
        "import/batch/<int:pk>/retry/",
        views_import.import_retry,
        name="import_retry",
    ),
    path(
        "import/batch/<int:pk>/failed-rows.csv",
        views_import.import_failed_rows,
        name="import_failed_rows",
    ),
    # Monthly records (views_records): entry grid, ranking, standard.
    path("records/entry/", views_records.records_entry, name="records_entry"),
    path("ranking/", views_records.ranking, name="ranking"),
    path("standard/", views_records.standard, name="standard"),
    path(
        "disqualifications/",
        views_records.disqualification_list,
        name="disqualification_list",
    ),
    path(
        "disqualifications/<int:pk>/withdraw/",
        views_records.disqualification_withdraw,
        name="disqualification_withdraw",
    ),
]

from django.urls import path

from workers.views import experiences, imports, quota_reviews, records, roster
from workers.views.experience_matrix import experience_matrix_page

app_name = "workers"
urlpatterns = [
    path("", roster.worker_list, name="worker_list"),
    path("new/", roster.worker_create, name="worker_create"),
    path("<int:pk>/", roster.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", roster.worker_edit, name="worker_edit"),
    # A check of the worker's mastery of an advanced experience.
    path("<int:pk>/mastery/", experiences.worker_check, name="worker_check"),
    path("workshops/", roster.workshop_list, name="workshop_list"),
    path("workshops/new/", roster.workshop_create, name="workshop_create"),
    path("workshops/<int:pk>/edit/", roster.workshop_edit, name="workshop_edit"),
    path("import/", imports.import_index, name="import_index"),
    path("import/<slug:kind>/", imports.import_upload, name="import_upload"),
    path(
        "import/<slug:kind>/template.<str:fmt>",
        imports.import_template,
        name="import_template",
    ),
    path("import/batch/<int:pk>/", imports.import_batch, name="import_batch"),
    path(
        "import/batch/<int:pk>/confirm/",
        imports.import_confirm,
        name="import_confirm",
    ),
    path(
        "import/batch/<int:pk>/progress/",
        imports.import_progress,
        name="import_progress",
    ),
    path(
        "import/batch/<int:pk>/columns/",
        imports.import_columns,
        name="import_columns",
    ),
    path(
        "import/batch/<int:pk>/retry/",
        imports.import_retry,
        name="import_retry",
    ),
    path(
        "import/batch/<int:pk>/failed-rows.csv",
        imports.import_failed_rows,
        name="import_failed_rows",
    ),
    # Monthly records (workers.roster.records): entry grid, ranking, standard.
    path("records/entry/", records.records_entry, name="records_entry"),
    path("ranking/", records.ranking, name="ranking"),
    path("standard/", records.standard, name="standard"),
    path(
        "disqualifications/",
        records.disqualification_list,
        name="disqualification_list",
    ),
    path(
        "disqualifications/<int:pk>/withdraw/",
        records.disqualification_withdraw,
        name="disqualification_withdraw",
    ),
    # Trade groups whose quota may be wrong (workers.quota_review).
    path("quota-reviews/", quota_reviews.quota_reviews, name="quota_reviews"),
]

# The catalogue of advanced experiences (workers.models.experience), served
# at /experiences/ (DESIGN.md) under its own namespace by factory/urls.py.
experience_patterns = [
    path("", experiences.experience_list, name="experience_list"),
    path("new/", experiences.experience_create, name="experience_create"),
    # Who has mastered what, a workshop at a time (workers.experience_matrix).
    path("matrix/", experience_matrix_page, name="experience_matrix"),
    path("<int:pk>/", experiences.experience_detail, name="experience_detail"),
    path("<int:pk>/edit/", experiences.experience_edit, name="experience_edit"),
    path("<int:pk>/mastery/", experiences.experience_check, name="experience_check"),
]

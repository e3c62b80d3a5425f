from django.urls import path

from workers import views

app_name = "workers"
urlpatterns = [
    path("", views.worker_list, name="worker_list"),
]

"""The app's URLs plus the baseline of the load test: a trivial view."""

from django.http import HttpResponse
from django.urls import path

from factory.urls import handler403, handler404, handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def trivial(request):
    """What Django itself costs per request: every middleware, no work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial, name="bench_trivial"), *urlpatterns]

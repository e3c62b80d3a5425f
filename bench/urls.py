"""The app's URLs plus the baselines of the load test (bench settings only).

- ``/bench/trivial``: what Django itself costs per request (every
  middleware, no session read, no work);
- ``/bench/trivial-auth``: the issue's baseline, a ``@login_required`` view
  that returns a constant — the session and the user are loaded, nothing else;
- ``/bench/frame``: a logged-in page that renders only ``base.html`` (the
  403 template, answered 200 so that wrk counts it as a success): the frame
  every page pays.

Never included by factory.urls: production has none of these.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from factory.urls import handler403, handler404, handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def trivial(request):
    """What Django itself costs per request: every middleware, no work."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def trivial_auth(request):
    """The baseline of a logged-in page: session and user, no template."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def frame(request):
    """base.html and nothing else: the navigation, the language form, CSP."""
    return render(request, "403.html")


urlpatterns = [
    path("bench/trivial", trivial, name="bench_trivial"),
    path("bench/trivial-auth", trivial_auth, name="bench_trivial_auth"),
    path("bench/frame", frame, name="bench_frame"),
    *urlpatterns,
]

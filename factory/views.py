from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from factory.roles import is_helper, is_manager, is_secretary


@login_required
def home(request):
    """Send each role to its work; a user with no role gets an explanation."""
    user = request.user
    if is_secretary(user) or is_manager(user):
        return render(
            request,
            "factory/home.html",
            {"is_secretary": is_secretary(user), "is_manager": is_manager(user)},
        )
    if is_helper(user):
        return render(request, "factory/home.html", {"is_helper": True})
    return render(request, "factory/home.html", {"no_role": True})


@never_cache
def healthz(request):
    """For load balancers: is the database reachable? No personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    return render(request, "500.html", status=500)

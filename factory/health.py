"""/healthz for load balancers: can this host reach its database and cache?

django-health-check runs the probes: a ``SELECT 1`` on a connection of its
own (nothing read or written) and a set/get of a throw-away cache key, each
with a time limit, so a hung database gives an answer in seconds instead of a
hung health check. Only its checks are used, not its view: the answer here is
always JSON with the same keys, 503 when anything failed, and no error text
(the library logs the details; whoever can reach the URL sees none).

The library's checks are coroutines. They run on an event loop of their own,
in a thread of their own, so this stays an ordinary view: it needs no running
loop and never meets one (a test process may have one, e.g. Playwright's).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from health_check.checks import Cache, Database

# Name in the answer → probe.
CHECKS = {
    "database": Database(alias="default"),
    "cache": Cache(alias="default"),
}


async def _run_checks() -> dict[str, bool]:
    results = await asyncio.gather(*(check.get_result() for check in CHECKS.values()))
    return {
        name: result.error is None for name, result in zip(CHECKS, results, strict=True)
    }


def check_health() -> dict[str, bool]:
    """Run every probe; {name: healthy}."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _run_checks()).result()


@never_cache
@require_safe  # GET and HEAD: a probe changes nothing and takes no form.
def healthz(request):
    """{"status": "ok", "database": "ok", "cache": "ok"}, or the same with 503."""
    results = check_health()
    body = {
        name: "ok" if healthy else "unavailable" for name, healthy in results.items()
    }
    healthy = all(results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **body}, status=200 if healthy else 503
    )

"""/healthz for load balancers: can this host reach its database and cache?

django-health-check runs the probes: a ``SELECT 1`` on a connection of its
own (nothing read or written) and a set/get of a throw-away cache key, each
with a time limit, so a hung database gives an answer in seconds instead of a
hung health check. This view only fixes the answer's shape: always JSON, the
same keys every time, 503 when anything failed, and no error text — the
details go to the log, never to whoever can reach the URL.
"""

from __future__ import annotations

import asyncio

from django.http import JsonResponse
from health_check.checks import Cache, Database
from health_check.views import HealthCheckView

# Name in the answer → probe.
CHECKS = {
    "database": Database(alias="default"),
    "cache": Cache(alias="default"),
}


class HealthzView(HealthCheckView):
    """Answer {"status": "ok", "database": "ok", "cache": "ok"} or a 503."""

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in CHECKS.values())
            )
        body = {
            name: "unavailable" if result.error else "ok"
            for name, result in zip(CHECKS, results, strict=True)
        }
        healthy = all(value == "ok" for value in body.values())
        body = {"status": "ok" if healthy else "error", **body}
        return JsonResponse(body, status=200 if healthy else 503)

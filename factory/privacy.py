"""No page of ours is kept in a browser's or a proxy's cache.

Every page behind the login shows personal data (names, attainment, causes,
private notes) and every download holds it; a shared workshop computer's
browser cache, or a caching proxy, must not keep a copy for the next person.
So every response that passes this middleware says
``Cache-Control: no-store, private``. Static files are answered by
WhiteNoise above it and keep their long cache lifetimes.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response

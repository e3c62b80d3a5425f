"""A NUL in the query string is refused for every page, in one place.

No parameter of ours may hold a NUL character, and PostgreSQL refuses one in
any string ("A string literal cannot contain NUL characters"): a view that
passes the parameter on to a query answers with a 500. Rather than each view
remembering the check (a route added later would forget it), this middleware
answers every such request with a 400 page that names the parameter.
tests/security/test_get_parameters.py sends NUL, a lone surrogate and very
long values to every parameter every route reads.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


class RefuseNulInQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                return self._refuse(request, key)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, key: str):
        message = _(
            "The address holds a character that cannot be read (NUL) in "
            "“%(name)s”. Correct the address, or go back and try again."
        ) % {"name": key.replace(NUL, "␀")[:100]}
        context = {"message": message}
        return render(request, "factory/bad_query.html", context, status=400)

"""The pages of a list: the links to the other pages keep its filters."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict


def query_without_page(request: HttpRequest) -> QueryDict:
    """The request's query string but its ``page``: what a list's page links
    start from, so that every page shows the same filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query

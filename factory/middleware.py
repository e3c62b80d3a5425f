"""The database is down: answer a friendly 503 page, and recover by itself.

PostgreSQL is the system of record; when it cannot be reached (stopped,
restarted, the network between the hosts cut) every page must say so plainly
instead of showing the generic error page, and the very next request after
the database is back must work without restarting anything.
"""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("catchup.availability")

# What psycopg2 and sqlite3 raise (wrapped by Django) when the server cannot be
# reached or the connection died: refused, server closed the connection,
# terminated by the administrator, connection already closed. A deadlock, a
# statement timeout or a locked SQLite file are OperationalErrors too; for
# them as well, "nothing was saved, try again in a moment" is the truth.
DATABASE_DOWN = (OperationalError, InterfaceError)

# Load balancers and browsers may retry after this many seconds.
RETRY_AFTER_SECONDS = 30

_FLAG = "_catchup_database_down"


def database_unavailable_response(request) -> HttpResponse:
    """The stand-alone 503 page, in the language the visitor asked for.

    Rendered without the request so that no context processor runs: they read
    the user, i.e. the session, i.e. the database that just failed.
    """
    language = translation.get_language_from_request(request)
    # Only a GET is safe to repeat; a form sent again is the visitor's choice.
    retry_url = request.get_full_path() if request.method == "GET" else "/"
    with translation.override(language):
        html = loader.get_template("503.html").render({"retry_url": retry_url})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def close_broken_connections() -> None:
    """Drop every connection that no longer answers.

    Django would also do it when the request finishes, but only for
    connections that saw an error; closing here makes sure the next request
    of this worker opens a fresh one, whatever the failure was.
    """
    for connection in connections.all(initialized_only=True):
        if connection.connection is None or connection.in_atomic_block:
            continue
        try:
            usable = connection.is_usable()
        except Exception:  # a dead socket may fail in any way
            usable = False
        if not usable:
            connection.close()


@receiver(got_request_exception, dispatch_uid="catchup.database_down_flag")
def _remember_database_failure(sender, request=None, **kwargs):
    # Exceptions raised outside the view (in another middleware, or while a
    # response is saved) never reach process_exception: Django turns them into
    # the 500 page first. Remember the cause so the middleware can answer 503.
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_DOWN):
        setattr(request, _FLAG, True)


class DatabaseUnavailableMiddleware:
    """Turn "the database cannot be reached" into a translated 503 page.

    Placed near the top of MIDDLEWARE (after WhiteNoise, so static files keep
    being served) so that it also covers failures in the session and
    authentication middleware below it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _FLAG, False):
            return self._unavailable(request, None)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exception) -> HttpResponse:
        # The first line names the failure (refused, terminated); the rest
        # may quote SQL, which has no place in a log of outages.
        lines = str(exception or "see the error above").strip().splitlines()
        logger.warning(
            "Database unavailable for %s %s: %s",
            request.method,
            request.path,
            lines[0] if lines else type(exception).__name__,
        )
        close_broken_connections()
        return database_unavailable_response(request)

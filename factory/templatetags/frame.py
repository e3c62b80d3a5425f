"""The frame's main navigation, drawn from a table.

Every page draws the navigation, so it is the frame's largest part: written
as template markup it took a quarter of a cached dashboard's time (an
``{% if %}``, a ``{% translate %}`` and a URL a link; make bench, "the
frame"). Here each entry is a row — who sees it, where it leads, its label,
its id — and the links are joined in one pass. The flags come from
``factory.context_processors.navigation``; every view checks access again.
An app that adds a page adds its row here.

Its stylesheets and scripts are named by ``{% asset %}``: ``{% static %}``
once per file and process (a file's address does not change while the
process runs), where ``{% static %}`` itself took a fifth of the frame's
rendering (15 µs a file, six files).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from html import escape

from django import template
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

register = template.Library()

Flags = dict[str, bool]


def _reader(nav: Flags) -> bool:
    return bool(nav.get("secretary") or nav.get("manager"))


def _secretary(nav: Flags) -> bool:
    return bool(nav.get("secretary"))


def _director_only(nav: Flags) -> bool:
    return bool(nav.get("manager") and not nav.get("secretary"))


def _helper(nav: Flags) -> bool:
    return bool(nav.get("helper"))


def _admin(nav: Flags) -> bool:
    return bool(nav.get("admin"))


# (who sees it, URL name, label, the link's id), in the bar's order.
NAVIGATION: tuple[tuple[Callable[[Flags], bool], str, object, str], ...] = (
    (_reader, "workers:worker_list", _("Roster"), "nav-roster"),
    (_secretary, "workers:import_index", _("Import"), "nav-import"),
    (_secretary, "workers:records_entry", _("Enter records"), "nav-records-entry"),
    (_reader, "workers:ranking", _("Ranking"), "nav-ranking"),
    (_reader, "reports:dashboard", _("Dashboard"), "nav-dashboard"),
    (_reader, "reports:bulletin_index", _("Bulletin"), "nav-bulletin"),
    (_helper, "assistance:my_cases", _("My cases"), "nav-my-cases"),
    (
        _secretary,
        "assistance:classification_queue",
        _("Classification"),
        "nav-classify",
    ),
    (_secretary, "assistance:case_list", _("Help cases"), "nav-cases"),
    (_director_only, "assistance:overview", _("Help cases"), "nav-cases"),
    (
        _reader,
        "assistance:demonstration_list",
        _("Demonstrations"),
        "nav-demonstrations",
    ),
    (
        _reader,
        "experiences:experience_list",
        _("Advanced experiences"),
        "nav-experiences",
    ),
    (_admin, "admin:index", _("Administration"), "nav-admin"),
)

_LINK = '<li class="nav-item"><a class="nav-link" href="{}" id="{}">{}</a></li>'


@register.simple_tag(takes_context=True)
def main_navigation(context) -> str:
    """The ``<li>`` entries of the main navigation for this user's role."""
    nav = context.get("nav")
    urls = context.get("frame_urls")
    if not nav or urls is None:
        # No role (anonymous), or a template drawn without a request's
        # context processors: no entries, never an error page's error.
        return ""
    # Escaped here (the standard library's escape: format_html's lazy-aware
    # one cost twice as much); the ids are the table's own.
    return mark_safe(  # noqa: S308
        "\n".join(
            _LINK.format(
                escape(urls[name.replace(":", "_")]), link_id, escape(str(label))
            )
            for shown, name, label, link_id in NAVIGATION
            if shown(nav)
        )
    )


@register.simple_tag
def asset(path: str) -> str:
    """The address of the static file ``path``, as ``{% static %}`` gives it."""
    return _asset_url(path, get_script_prefix())


@functools.cache
def _asset_url(path: str, prefix: str) -> str:
    # By script prefix too: a relative STATIC_URL is served under it.
    return static(path)


def _forget_assets(*, setting: str, **kwargs) -> None:
    # Tests that change where static files are served from.
    if setting in {"STATIC_URL", "STORAGES", "STATIC_ROOT", "FORCE_SCRIPT_NAME"}:
        _asset_url.cache_clear()


setting_changed.connect(_forget_assets, dispatch_uid="factory.frame.assets")

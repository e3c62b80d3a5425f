"""Report pages rendered once per page key and data generation, and served
from the cache (docs/ARCHITECTURE.md, "Cached pages").

A report page (the factory and workshop dashboards, the bulletin) is the
frame of base.html — the navigation of the reader's role, the language form,
the user's name, CSRF tokens, messages: drawn for every request — around the
page's own blocks (title, head, content, scripts). Those depend on the data
— every month's generation token, since the month picker lists every month —
and on the *page key*: the page and its workshop, the month and the compared
month as asked, live or published and the revision, the reader's scope
(every workshop, or exactly these), whether names are shown, and the
language. The key is made of these cheap inputs alone, and the blocks are
kept under it with the generation they were rendered at, read in the same
round trip as the tokens: a request whose blocks are current computes no
figure and reads no bundle, and draws only the frame around them. Otherwise
the view builds the page's context (the figures come from their own caches,
keyed by their months' tokens, so it is a few milliseconds unless the data
changed), renders the blocks, keeps them, and is then served the same way:
a cached page and a fresh one are the same bytes.

No per-request value may be kept in the blocks. The two a report page needs
inside them, the CSRF token and the request's path (the "mark the month
complete" form posts both), are rendered as placeholders that each request
replaces with its own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.context import make_context
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode
from django.test.signals import template_rendered
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from factory.figures.cache import CACHE_TIMEOUT, ReportCache, layer_on

_PREFIX = "catchup:page"
FRAME_TEMPLATE = "factory/cached_page.html"


def _holes() -> dict[str, str]:
    """Placeholders for the per-request values: letters and digits only (so
    escaping leaves them alone), derived from the secret key (so no text of
    the data can hold one)."""
    return _holes_for(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _holes_for(secret: str) -> dict[str, str]:
    digest = salted_hmac(
        "factory.figures.page_cache", "holes", secret=secret
    ).hexdigest()
    return {
        "csrf_token": f"pagehole{digest[:20]}csrf",
        "here": f"pagehole{digest[:20]}here",
    }


def page_key(page: str, *parts: object, codes, named: bool) -> str:
    """The key of a page's blocks: ``page`` and ``parts`` say which page and
    what was asked of it (workshop, month, compared month, live, revision);
    the reader's scope, the naming, the language and the factory's name are
    added here. The data's generation is not in the key but kept with the
    blocks (one read with the tokens, and one entry per page however often
    the data changes)."""
    scope = "*" if codes is None else ",".join(sorted(codes))
    # The factory's name is in the blocks (the bulletin's header): a name
    # set or changed must not be served the old one from a shared cache.
    text = ":".join(
        str(part)
        for part in (
            page,
            *parts,
            scope,
            int(bool(named)),
            get_language(),
            settings.FACTORY_NAME,
        )
    )
    # Workshop codes may be Chinese; some cache backends want ASCII keys.
    return f"{_PREFIX}:{hashlib.sha1(text.encode()).hexdigest()}"


def _render_blocks(template_name: str, context: dict, request) -> dict[str, str]:
    """The child template's own top-level blocks, each rendered as Django
    renders a block that nothing overrides (the parent is not rendered)."""
    template = get_template(template_name).template
    extends = next(node for node in template.nodelist if isinstance(node, ExtendsNode))
    context = make_context(context, request, autoescape=template.engine.autoescape)
    with context.render_context.push_state(template), context.bind_template(template):
        context.template_name = template.name
        if template_rendered.has_listeners():
            # What Template.render reports under the test runner (the test
            # client's response.context): the blocks bypass it.
            template_rendered.send(sender=template, template=template, context=context)
        return {
            node.name: node.render(context)
            for node in extends.nodelist
            if isinstance(node, BlockNode)
        }


def render_page(
    request,
    rc: ReportCache,
    template_name: str,
    key: str,
    build_context: Callable[[], dict],
):
    """The page ``template_name`` (which extends base.html), its blocks from
    the cache under ``key`` if they were rendered from the data as it is now
    (every month's tokens, read with them), else rendered from
    ``build_context()`` and kept."""
    holes = _holes()
    stored = rc.read_with_tokens([key]).get(key) if layer_on("pages") else None
    # Every month's tokens: the blocks were rendered from data read under
    # them (or later), so they are never older than the data now.
    generation = rc.generation(None)
    if isinstance(stored, tuple) and stored[0] == generation:
        blocks = stored[1]
    else:
        context = build_context()
        blocks = _render_blocks(template_name, {**context, **holes}, request)
        if layer_on("pages"):
            cache.set(key, (generation, blocks), CACHE_TIMEOUT)
    values = {
        holes["csrf_token"]: lambda: get_token(request),
        holes["here"]: lambda: escape(request.get_full_path()),
    }
    filled = {}
    for name, text in blocks.items():
        for hole, value in values.items():
            if hole in text:
                text = text.replace(hole, value())
        # Rendered by the template engine; the values put in are escaped.
        filled[name] = mark_safe(text)  # noqa: S308
    return render(request, FRAME_TEMPLATE, {"blocks": filled, "page_key": key})

"""``{% once a b … %}…{% endonce %}``: a fragment of the page frame rendered
once per process, per language and per value of its variables.

For the parts of base.html that every request draws the same way for the same
role and language — static files' addresses, reversed URLs, translated
labels, the navigation of a role — and that cost most of a light page when
rendered again each time (make bench; docs/PERFORMANCE.md). Kept in process
memory: a dict lookup, no pickling and no key digest, as opposed to
``{% cache %}``. Only for a few values of its variables (a role's flags, not a
user's name), and never for anything per request (CSRF tokens, the path, the
user, messages). Off with DEBUG (templates reload there); emptied when a
setting changes (tests).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Far more than the frame's fragments × languages × roles: a guard against a
# fragment that varies on too much, not a size that is ever reached.
_LIMIT = 4096
_rendered: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _rendered.clear()


class OnceNode(template.Node):
    # Not searched for blocks: every page's ExtendsNode walks base.html's
    # nodes to find them, and a block in here could not be overridden anyway.
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, vary_on: list):
        self.nodelist = nodelist
        self.vary_on = vary_on

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = (
            self,
            get_language(),
            *(variable.resolve(context) for variable in self.vary_on),
        )
        found = _rendered.get(key)
        if found is None:
            found = mark_safe(self.nodelist.render(context))  # noqa: S308
            if len(_rendered) >= _LIMIT:
                _rendered.clear()
            _rendered[key] = found
        return found


@register.tag
def once(parser, token):
    """{% once [variable ...] %} ... {% endonce %}"""
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    vary_on = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    return OnceNode(nodelist, vary_on)

import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from factory.role_cache import role_of
from factory.templatetags.frame import NAVIGATION
from workers.roles import is_secretary, may_use_admin


def factory_title() -> dict:
    """The factory's name for titles, footers and the bulletin: the
    FACTORY_NAME setting, or the product's own name while it is unset
    (``factory_named`` False: the secretary's home asks for it)."""
    named = bool(settings.FACTORY_NAME)
    return {
        "factory_name": settings.FACTORY_NAME if named else _("Catch Up"),
        "factory_named": named,
    }


# Every URL the frame links to: it draws them on every page, and a {% url %}
# costs about 70 µs (14 a page, a seventh of the frame's time).
FRAME_URLS = (
    "home",
    "password_change",
    "logout",
    "set_language",
    *dict.fromkeys(name for _shown, name, _label, _id in NAVIGATION),
)


@functools.cache
def _frame_urls(prefix: str) -> dict[str, str]:
    """The frame's URLs by name ("workers:ranking" as "workers_ranking"),
    reversed once per process and script prefix: none takes an argument."""
    return {name.replace(":", "_"): reverse(name) for name in FRAME_URLS}


def frame_urls(request) -> dict:
    return {"frame_urls": _frame_urls(get_script_prefix())}


def navigation(request):
    """What the navigation bar may offer this user (views still check).

    The flags come from the user's cached Role (factory.role_cache): no query
    on a request whose role is already known.
    """
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    if role is None:
        return {**factory_title(), "nav": {}}
    secretary = is_secretary(user)
    return {
        **factory_title(),
        "nav": {
            "secretary": secretary,
            "manager": role.manager,
            "helper": role.helper,
            "admin": may_use_admin(user),
        },
    }

from django.conf import settings

from factory.role_cache import role_of
from workers.roles import is_secretary, may_use_admin


def navigation(request):
    """What the navigation bar may offer this user (views still check).

    The flags come from the user's cached Role (factory.role_cache): no query
    on a request whose role is already known.
    """
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    if role is None:
        return {"factory_name": settings.FACTORY_NAME, "nav": {}}
    secretary = is_secretary(user)
    return {
        "factory_name": settings.FACTORY_NAME,
        "nav": {
            "secretary": secretary,
            "manager": role.manager,
            "helper": role.helper,
            "admin": may_use_admin(user),
        },
    }

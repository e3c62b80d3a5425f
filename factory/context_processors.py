from django.conf import settings

from factory.roles import is_helper, is_manager, is_secretary
from workers.roles import may_use_admin


def navigation(request):
    """What the navigation bar may offer this user (views still check)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"factory_name": settings.FACTORY_NAME, "nav": {}}
    return {
        "factory_name": settings.FACTORY_NAME,
        "nav": {
            "secretary": is_secretary(user),
            "manager": is_manager(user),
            "helper": is_helper(user),
            "admin": may_use_admin(user),
        },
    }

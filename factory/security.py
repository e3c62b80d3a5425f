"""Small hooks for the security packages (django-axes)."""


def axes_username(request, credentials) -> str | None:
    """Count failed logins per lower-cased username.

    Django's usernames are case-sensitive, but a lockout that "Secretary" and
    "SECRETARY" each reset would let an attacker multiply their attempts.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if username else username

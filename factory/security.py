"""Small hooks for the security packages (django-axes), and deploy checks
that keep the hardening from being switched off by a stray setting.

The checks run with ``manage.py check --deploy`` (tag "security", deploy
only); with ``--fail-level WARNING`` (README, CI) any of them stops a
deployment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Headers a client writes itself; trusting one without a proxy in front
# lets an attacker choose the address that django-axes counts.
_CLIENT_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_CLIENT_IP")
_UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "*", "data:")


def axes_username(request, credentials) -> str | None:
    """Count failed logins per lower-cased username.

    Django's usernames are case-sensitive, but a lockout that "Secretary" and
    "SECRETARY" each reset would let an attacker multiply their attempts.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if username else username


@register(Tags.security, deploy=True)
def check_login_lockout(app_configs=None, **kwargs) -> list[Warning]:
    problems = []
    if not getattr(settings, "AXES_ENABLED", True):
        problems.append(
            Warning(
                "AXES_ENABLED is off: failed logins are not limited.",
                hint="Remove AXES_ENABLED=0 from the production environment.",
                id="catchup.W001",
            )
        )
    limit = getattr(settings, "AXES_FAILURE_LIMIT", 3)
    if not isinstance(limit, int) or limit > 10:
        problems.append(
            Warning(
                f"AXES_FAILURE_LIMIT is {limit!r}: more than 10 guesses per account.",
                id="catchup.W002",
            )
        )
    order = list(getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", []) or [])
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None)
    if any(header in order for header in _CLIENT_HEADERS) and not proxies:
        problems.append(
            Warning(
                "django-axes reads the client address from a header the client "
                "can forge, without a trusted proxy count.",
                hint="Keep AXES_IPWARE_META_PRECEDENCE_ORDER = ['REMOTE_ADDR'], "
                "or set PROXY_COUNT to the number of proxies in front.",
                id="catchup.W003",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_script_policy(app_configs=None, **kwargs) -> list[Warning]:
    """The CSP must forbid inline and eval'd scripts (templates put data in
    json_script and code in static files), and inline styles."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES", {})
    scripts = directives.get("script-src", directives.get("default-src"))
    if not scripts:
        return [
            Warning(
                "The Content-Security-Policy has no script-src or default-src.",
                id="catchup.W004",
            )
        ]
    problems = []
    unsafe = [source for source in scripts if source in _UNSAFE_SCRIPT_SOURCES]
    if unsafe:
        problems.append(
            Warning(
                f"The Content-Security-Policy allows {', '.join(unsafe)} scripts.",
                hint="Move the script to static/js/ and pass data with json_script.",
                id="catchup.W005",
            )
        )
    styles = directives.get("style-src", directives.get("default-src")) or []
    if "'unsafe-inline'" in styles:
        problems.append(
            Warning(
                "The Content-Security-Policy allows inline styles.",
                hint="Use a class in static/css/catchup.css, or set the style "
                "from static/js through the CSSOM (docs/DEPLOY.md).",
                id="catchup.W006",
            )
        )
    return problems

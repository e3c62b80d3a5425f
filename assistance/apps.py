from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Help cases")

    def ready(self):
        # The one place where news from workers reaches assistance.
        from assistance import receivers  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Workers and records")

    def ready(self):
        # Saves and deletes of the data behind the figures are announced
        # (workers.changes): the one way the figures learn of a change.
        from workers import changes

        changes.connect()

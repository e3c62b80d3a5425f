from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactoryConfig(AppConfig):
    name = "factory"
    verbose_name = _("Factory")

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_sync_groups, sender=self)

        # Cached figures are refreshed when the data behind them changes,
        # and the monthly summaries kept current in the same transaction.
        from factory.figures import summaries
        from factory.figures.cache import connect_signals

        connect_signals()
        summaries.connect_signals()
        summaries.connect_completeness()
        post_migrate.connect(summaries.build_if_missing, sender=self)

        # Logins and failed logins to the "catchup.audit" log; the deploy
        # checks of the hardening (factory.security) register on import.
        from factory import audit, security  # noqa: F401

        audit.connect_signals()

        # Sessions end when an account is switched off or on again.
        from factory import accounts

        accounts.connect_signals()

        # Cached permissions and role flags are forgotten when they change.
        from factory import role_cache

        role_cache.connect_signals()

        # The entry grid (workers) says when a month it saves is published.
        from factory.models import MonthSnapshot
        from workers import publication

        publication.read_publications_from(MonthSnapshot.objects.publication_of)


def _sync_groups(sender, **kwargs):
    # Runs after the permissions of every app were created (factory is the
    # last of our apps in INSTALLED_APPS but post_migrate runs per app, so
    # make sure all permissions exist first).
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from factory.roles import sync_role_groups

    for app_config in global_apps.get_app_configs():
        create_permissions(
            app_config, verbosity=0, using=kwargs.get("using", "default")
        )
    sync_role_groups(Group, Permission)

"""python manage.py seed_demo [--reset]: load the demo factory, print the logins."""

from django.conf import settings
from django.core.management.base import BaseCommand

from factory.demo.build import seed_demo
from factory.demo.specs import FACTORY_NAME


class Command(BaseCommand):
    help = (
        "Load the demo factory (workshops, roster, January–March 1956 records, "
        "February classifications and help cases, advanced experiences with "
        "their demonstrations and checks) and print the demo logins. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo's workers, records, cases and users first.",
        )

    def handle(self, *args, reset: bool = False, **options):
        result = seed_demo(reset=reset)
        if result.created:
            made = ", ".join(f"{n} {what}" for what, n in result.created.items())
            self.stdout.write(f"Demo factory loaded: {made}.")
        else:
            self.stdout.write("Demo factory already loaded; nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins for {FACTORY_NAME}:")
        width = max(len(spec.username) for spec in result.logins)
        for spec in result.logins:
            self.stdout.write(
                f"  {spec.username:<{width}}  {spec.password:<20}  {spec.describe}"
            )
        self.stdout.write(
            "Passwords are set when a demo user is created; "
            "`seed_demo --reset` restores them."
        )
        if settings.FACTORY_NAME != FACTORY_NAME:
            # The name is a setting, not data: the seed cannot store it.
            self.stdout.write(
                "Pages take the factory's name from the environment: serve the "
                f"demo with FACTORY_NAME={FACTORY_NAME} (make demo does)."
            )

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from palermo.organizations.demo import (
    demo_logins,
    demo_organizations_remove,
    demo_organizations_seed,
)
from palermo.reviews.demo import demo_remove, demo_seed
from palermo.submissions.demo import demo_submissions_remove, demo_submissions_seed


class Command(BaseCommand):
    help = "Add clearly labelled demo records (or remove them with --remove). Development only."

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="Delete every demo record.")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run although DEBUG is off (tests, a staging site). Never on a public site.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "Refusing to add demo data with DEBUG off: demo records must never reach a "
                "public site. Pass --allow-without-debug for a staging copy."
            )
        if options["remove"]:
            removed = demo_remove() + demo_submissions_remove() + demo_organizations_remove()
            self.stdout.write(f"Removed {removed} demo records.")
            return
        done = demo_seed() + demo_organizations_seed() + demo_submissions_seed()
        for line in done:
            self.stdout.write(f"added {line}")
        self.stdout.write(f"{len(done)} demo records added (existing ones kept).")
        self.stdout.write(
            "Demo logins (sign in at /accounts/login/; every account is marked demo):"
        )
        for line in demo_logins():
            self.stdout.write(line)

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from palermo.submissions.models import FormToken


class Command(BaseCommand):
    help = (
        "Delete used form tokens older than --days (default 30). A token only has to outlive "
        "the re-posts of its form (double click, back button, retry); every save and "
        "autosave adds one, so run this daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError(
                "--days must be at least 1: a form posted again today must still find its token"
            )
        cutoff = timezone.now() - dt.timedelta(days=options["days"])
        deleted, _ = FormToken.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} form tokens older than {options['days']} days deleted")

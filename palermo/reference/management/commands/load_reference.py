from pathlib import Path

from django.core.management.base import BaseCommand

from palermo.common.loading import LoadReport
from palermo.reference.services import DATA_DIR as REFERENCE_DATA
from palermo.reference.services import reference_load
from palermo.reviews.services import DATA_DIR as REVIEWS_DATA
from palermo.reviews.services import workplan_load


class Command(BaseCommand):
    help = (
        "Load the curated reference data (instruments, articles, clusters, States, "
        "participation) and the review workplan. Safe to run again: reports 0 changes "
        "when nothing changed, and keeps coordinators' corrections unless told otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reference-dir", type=Path, default=REFERENCE_DATA)
        parser.add_argument("--reviews-dir", type=Path, default=REVIEWS_DATA)
        parser.add_argument(
            "--overwrite-corrections",
            action="store_true",
            help="Replace coordinators' corrections with the file's values (kept in history).",
        )

    def handle(self, *args, **options):
        report = LoadReport()
        overwrite = options["overwrite_corrections"]
        reference_load(
            data_dir=options["reference_dir"], overwrite_corrections=overwrite, report=report
        )
        workplan_load(
            data_dir=options["reviews_dir"], overwrite_corrections=overwrite, report=report
        )
        for line in report.lines():
            self.stdout.write(line)

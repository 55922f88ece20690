import datetime as dt
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from palermo.common.loading import LoadReport
from palermo.common.models import validate_sources
from palermo.reference.models import Instrument
from palermo.reference.services import participation_import_untc
from palermo.reference.untc import (
    UntcFormatError,
    parse_untc_csv,
    parse_untc_xml,
    untc_xml_status_date,
)

# A UNTC file name starts with the treaty's chapter number: "XVIII-12-a.en.xml".
_SERIES_IN_NAME = re.compile(r"^(?P<series>[IVXL]+-\d+(?:-[a-z])?)(?:\.[a-z]{2})?\.(?:xml|csv)$")


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not a date like 2024-05-04.") from None


class Command(BaseCommand):
    help = (
        "Refresh an instrument's party status from the UN Treaty Collection: the treaty's "
        "MTDSG XML file or its status page's participants table saved as CSV. Safe to run "
        "again; keeps coordinators' corrections unless told otherwise. "
        "See docs/reference-data.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The UNTC XML file or the CSV table.")
        parser.add_argument(
            "--instrument", required=True, help="Our instrument code: untoc, tip, som, firearms."
        )
        parser.add_argument(
            "--source-url",
            required=True,
            help="Where the file comes from (http or https); stored as each row's source.",
        )
        parser.add_argument(
            "--as-of",
            type=str,
            help="The status date of the file (YYYY-MM-DD), e.g. the page's 'status as at'. "
            "Required unless the XML states its own date.",
        )
        parser.add_argument(
            "--format", choices=["xml", "csv"], help="Default: from the file's extension."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--overwrite-corrections",
            action="store_true",
            help="Replace coordinators' corrections with the file's values (kept in history).",
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        instrument = self._instrument(options["instrument"])
        source_url = options["source_url"]
        try:
            validate_sources(source_url)
        except ValidationError as error:
            raise CommandError(f"--source-url: {' '.join(error.messages)}") from None
        file_format = options["format"] or self._format_from_name(path)
        self._check_series(path, instrument)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None

        try:
            if file_format == "xml":
                rows = parse_untc_xml(data)
                file_date = untc_xml_status_date(data)
            else:
                rows = parse_untc_csv(self._decode(data, path))
                file_date = None
        except UntcFormatError as error:
            raise CommandError(f"{path}: {error}") from None

        as_of = _iso_date(options["as_of"]) if options["as_of"] else file_date
        if as_of is None:
            raise CommandError(
                "--as-of is required: give the status date of the file (YYYY-MM-DD), as shown "
                "on the UNTC page ('Status as at')."
            )
        if file_date and as_of != file_date:
            self.stderr.write(
                f"Note: the file says it is as at {file_date}; using --as-of {as_of}."
            )

        report = LoadReport()
        # The dry run goes through the same writes and validation, then rolls them back, so
        # its report is exactly what a real run would do.
        with transaction.atomic():
            try:
                outcome = participation_import_untc(
                    instrument=instrument,
                    rows=rows,
                    source_url=source_url,
                    as_of=as_of,
                    overwrite_corrections=options["overwrite_corrections"],
                    report=report,
                )
            except ValidationError as error:
                raise CommandError(f"A row failed validation: {' '.join(error.messages)}") from None
            if options["dry_run"]:
                transaction.set_rollback(True)

        self.stdout.write(
            f"{instrument.abbreviation} ({instrument.treaty_series}): {len(rows)} participants "
            f"read from {path.name}, as of {as_of.isoformat()}."
        )
        for line in report.lines():
            self.stdout.write(line)
        for name in outcome.unmatched:
            self.stdout.write(f"unmatched name (not imported): {name}")
        for item in outcome.duplicates:
            self.stdout.write(f"duplicate (not imported): {item}")
        for item in outcome.absent:
            self.stdout.write(f"not in the file (left alone): {item}")
        self.stdout.write(
            f"{len(outcome.unmatched)} unmatched names, {len(outcome.absent)} of our rows "
            "not in the file"
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")

    def _instrument(self, code: str) -> Instrument:
        try:
            return Instrument.objects.get(code=code)
        except Instrument.DoesNotExist:
            codes = ", ".join(Instrument.objects.values_list("code", flat=True)) or "none loaded"
            raise CommandError(
                f"--instrument: no instrument {code!r} (known: {codes}). "
                "Run load_reference first if there are none."
            ) from None

    def _format_from_name(self, path: Path) -> str:
        suffix = path.suffix.casefold()
        if suffix in {".xml", ".csv"}:
            return suffix[1:]
        raise CommandError(
            f"Cannot tell the format of {path.name} from its extension; give --format xml or csv."
        )

    def _check_series(self, path: Path, instrument: Instrument) -> None:
        # Importing the TIP file as UNTOC would silently overwrite 190 rows; the UNTC file
        # name says which treaty it is, so a mismatch is stopped here.
        match = _SERIES_IN_NAME.match(path.name)
        if (
            match
            and instrument.treaty_series
            and (match["series"].casefold() != instrument.treaty_series.casefold())
        ):
            raise CommandError(
                f"{path.name} is the UNTC file of {match['series']}, but --instrument "
                f"{instrument.code} is {instrument.treaty_series}."
            )

    def _decode(self, data: bytes, path: Path) -> str:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError(
                f"{path}: not UTF-8 text. Save the table as 'CSV UTF-8' and try again."
            ) from None

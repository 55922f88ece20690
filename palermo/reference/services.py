"""Writes to the reference spine."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from palermo.common.enums import Confidence, DatePrecision, Origin
from palermo.common.loading import LoadReport, read_csv, sync_rows
from palermo.common.models import validate_sources
from palermo.reference.enums import ParticipationStatus
from palermo.reference.models import (
    Article,
    Cluster,
    Instrument,
    Participation,
    RegionalGroup,
    State,
    Topic,
)
from palermo.reference.untc import UntcRow, match_states

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONAL_GROUPS = [
    ("african", "African States", "Africa"),
    ("asia-pacific", "Asia-Pacific States", "APG"),
    ("eastern-european", "Eastern European States", "EEG"),
    ("latin-american-caribbean", "Latin American and Caribbean States", "GRULAC"),
    ("weog", "Western European and other States", "WEOG"),
]


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def reference_load(
    *, data_dir: Path = DATA_DIR, overwrite_corrections: bool = False, report: LoadReport
) -> None:
    """Load instruments, clusters, articles, regional groups, States and participation from
    the curated CSV files. Idempotent; coordinator corrections are kept unless
    `overwrite_corrections`. Each change is a history version with reason load_reference."""
    opts = {"report": report, "overwrite_corrections": overwrite_corrections}
    default_language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE

    instruments = sync_rows(
        Instrument,
        (
            {
                "code": r["code"],
                "abbreviation": r["abbreviation"],
                f"title_{default_language}": r["title"],
                "adopted_by": r["adopted_by"],
                "treaty_series": r["treaty_series"],
                "order": int(r["order"]),
                "sources": r["sources"],
                "confidence": r["confidence"],
            }
            for r in read_csv(data_dir / "instruments.csv")
        ),
        key=lambda v: (v["code"],),
        instance_key=lambda o: (o.code,),
        **opts,
    )
    clusters = sync_rows(
        Cluster,
        (
            {
                "numeral": r["numeral"],
                f"name_{default_language}": r["name"],
                "review_order": int(r["review_order"]),
                "numeral_confidence": r["numeral_confidence"],
                "name_confidence": r["name_confidence"],
                "order_confidence": r["order_confidence"],
                "sources": r["sources"],
                "note": r["note"],
            }
            for r in read_csv(data_dir / "clusters.csv")
        ),
        key=lambda v: (v["numeral"],),
        instance_key=lambda o: (o.numeral,),
        **opts,
    )
    sync_rows(
        Article,
        (
            {
                "instrument_id": instruments[(r["instrument"],)].pk,
                "number": int(r["number"]),
                f"title_{default_language}": r["title"],
                "sources": r["sources"],
                "confidence": r["confidence"],
                "cluster_id": clusters[(r["cluster"],)].pk if r["cluster"] else None,
                "cluster_confidence": r["cluster_confidence"],
                "cluster_sources": r["cluster_sources"],
                "cluster_note": r["cluster_note"],
            }
            for r in read_csv(data_dir / "articles.csv")
        ),
        key=lambda v: (v["instrument_id"], v["number"]),
        instance_key=lambda o: (o.instrument_id, o.number),
        **opts,
    )
    groups = sync_rows(
        RegionalGroup,
        (
            {"code": code, f"name_{default_language}": name, "abbreviation": abbreviation}
            for code, name, abbreviation in REGIONAL_GROUPS
        ),
        key=lambda v: (v["code"],),
        instance_key=lambda o: (o.code,),
        **opts,
    )
    states = sync_rows(
        State,
        (
            {
                "code": r["code"],
                "is_iso_code": r["is_iso_code"] == "yes",
                "m49": r["m49"],
                f"name_{default_language}": r["name"],
                "kind": r["kind"],
                "regional_group_id": groups[(r["regional_group"],)].pk
                if r["regional_group"]
                else None,
                "regional_group_confidence": r["regional_group_confidence"],
                "regional_group_sources": r["regional_group_sources"],
                "regional_group_note": r["regional_group_note"],
            }
            for r in read_csv(data_dir / "states.csv")
        ),
        key=lambda v: (v["code"],),
        instance_key=lambda o: (o.code,),
        **opts,
    )
    sync_rows(
        Topic,
        (
            {
                "code": r["code"],
                "pillar": r["pillar"],
                f"name_{default_language}": r["name"],
                "sources": r["sources"],
                "confidence": r["confidence"],
            }
            for r in read_csv(data_dir / "topics.csv")
        ),
        key=lambda v: (v["code"],),
        instance_key=lambda o: (o.code,),
        **opts,
    )
    sync_rows(
        Participation,
        (
            {
                "state_id": states[(r["state"],)].pk,
                "instrument_id": instruments[(r["instrument"],)].pk,
                "status": r["status"],
                "action": r["action"],
                "date": _date(r["date"]),
                "date_precision": r["date_precision"],
                "as_of": r["as_of"],
                "sources": r["sources"],
                "confidence": r["confidence"],
                "note": r["note"],
            }
            for r in read_csv(data_dir / "participation.csv")
        ),
        key=lambda v: (v["state_id"], v["instrument_id"]),
        instance_key=lambda o: (o.state_id, o.instrument_id),
        **opts,
    )


@dataclass
class UntcImportOutcome:
    """What a UNTC import could not apply, for the operator to follow up by hand."""

    # Participant names that match none of our States (nor an alias): not imported.
    unmatched: list[str] = field(default_factory=list)
    # A second row for a State already in the file: not imported.
    duplicates: list[str] = field(default_factory=list)
    # Our participation rows for the instrument whose State is not in the file: left alone.
    absent: list[str] = field(default_factory=list)


@transaction.atomic
def participation_import_untc(
    *,
    instrument: Instrument,
    rows: Iterable[UntcRow],
    source_url: str,
    as_of: dt.date,
    overwrite_corrections: bool = False,
    report: LoadReport,
) -> UntcImportOutcome:
    """Make the instrument's participation agree with a UNTC participants table.

    A consent date makes the State a party with that action; a signature alone a signatory
    (action left blank, as in the curated data). Every imported row gets `source_url`,
    confidence H (the depositary is the primary source) and `as_of`; its note is cleared, as
    notes explain the previous, secondary sources. Only this instrument is touched; States
    missing from the file are left alone and listed in the outcome, as are names that match
    no State. Idempotent, and coordinator corrections are kept unless
    `overwrite_corrections` (see palermo/common/loading.py)."""
    validate_sources(source_url)
    language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    states = list(State.objects.all())
    by_code, unmatched, duplicates = match_states(
        rows, {getattr(state, f"name_{language}"): state.code for state in states}
    )
    state_ids = {state.code: state.pk for state in states}
    values = [
        {
            "state_id": state_ids[code],
            "instrument_id": instrument.pk,
            "status": ParticipationStatus.PARTY if row.is_party else ParticipationStatus.SIGNATORY,
            "action": row.action,
            "date": row.consent or row.signature,
            "date_precision": DatePrecision.DAY,
            "as_of": as_of.isoformat(),
            "sources": source_url,
            "confidence": Confidence.HIGH,
            "note": "",
        }
        for code, row in by_code.items()
    ]
    sync_rows(
        Participation,
        values,
        key=lambda v: (v["state_id"], v["instrument_id"]),
        instance_key=lambda o: (o.state_id, o.instrument_id),
        report=report,
        overwrite_corrections=overwrite_corrections,
        queryset=Participation.objects.filter(instrument=instrument),
        origin=Origin.UNTC,
        reason="import_treaty_status",
    )
    imported = {state_ids[code] for code in by_code}
    absent = (
        Participation.objects.filter(instrument=instrument)
        .exclude(state_id__in=imported)
        .select_related("state")
        .order_by("state__name")
    )
    return UntcImportOutcome(
        unmatched=unmatched,
        duplicates=duplicates,
        absent=[f"{p.state} ({p.get_status_display()})" for p in absent],
    )

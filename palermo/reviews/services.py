"""Writes to the review tracker."""

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import translation

from palermo.common.loading import LoadReport, parse_bool, read_csv, sync_rows
from palermo.reference.models import Cluster, State
from palermo.reviews.models import CountryReview, GroupMembership, Phase, ReviewGroup

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def workplan_load(
    *, data_dir: Path = DATA_DIR, overwrite_corrections: bool = False, report: LoadReport
) -> None:
    """Load review groups, phases and known group memberships, then make sure every member
    State has a country review for each phase of its group. Idempotent."""
    opts = {"report": report, "overwrite_corrections": overwrite_corrections}
    groups = sync_rows(
        ReviewGroup,
        (
            {
                "number": int(r["number"]),
                "start_date": dt.date.fromisoformat(r["start_date"]),
                "start_precision": r["start_precision"],
                "start_is_derived": parse_bool(r["start_is_derived"]),
                "sources": r["sources"],
                "confidence": r["confidence"],
                "note": r["note"],
            }
            for r in read_csv(data_dir / "review_groups.csv")
        ),
        key=lambda v: (v["number"],),
        instance_key=lambda o: (o.number,),
        **opts,
    )
    clusters = {c.numeral: c.pk for c in Cluster.objects.all()}
    phases = sync_rows(
        Phase,
        (
            {
                "group_id": groups[(int(r["group"]),)].pk,
                "number": int(r["number"]),
                "cluster_id": clusters[r["cluster"]],
                "expected_start": dt.date.fromisoformat(r["expected_start"]),
                "expected_end": dt.date.fromisoformat(r["expected_end"]),
                "is_derived": parse_bool(r["is_derived"]),
                "sources": r["sources"],
                "confidence": r["confidence"],
                "basis": r["basis"],
            }
            for r in read_csv(data_dir / "phases.csv")
        ),
        key=lambda v: (v["group_id"], v["number"]),
        instance_key=lambda o: (o.group_id, o.number),
        **opts,
    )
    states = {s.code: s.pk for s in State.objects.all()}
    memberships = sync_rows(
        GroupMembership,
        (
            {
                "state_id": states[r["state"]],
                "group_id": groups[(int(r["group"]),)].pk,
                "sources": r["sources"],
                "confidence": r["confidence"],
                "note": r["note"],
            }
            for r in read_csv(data_dir / "group_memberships.csv")
        ),
        key=lambda v: (v["state_id"],),
        instance_key=lambda o: (o.state_id,),
        **opts,
    )
    wanted = {
        (membership.state_id, phase.pk)
        for membership in memberships.values()
        for phase in phases.values()
        if phase.group_id == membership.group_id
    }
    have = set(CountryReview.objects.values_list("state_id", "phase_id"))
    missing = sorted(wanted - have)
    for state_id, phase_id in missing:
        review = CountryReview(state_id=state_id, phase_id=phase_id)
        review._change_reason = "load_reference: created"
        review.save()
    with translation.override("en"):
        label = str(CountryReview._meta.verbose_name_plural)
    report.created[label] += len(missing)
    report.unchanged[label] += len(wanted & have)

"""Published report editions (snapshots), as open data: what each one is, when it was
published, its files, and exactly which submission versions it used. The compiled content
itself is at the edition's `json` address (it can be megabytes)."""

import datetime as dt

from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from palermo.api.pagination import Pages
from palermo.api.schemas import listing, one
from palermo.reports.enums import ReportKind
from palermo.reports.queries import published_snapshots

router = Router(tags=["reports"])


class SnapshotFiles(Schema):
    html: str
    pdf: str
    docx: str
    csv: str
    content: str  # the compiled content as JSON
    inputs: str


class SnapshotOut(Schema):
    id: int
    kind: str
    title: str
    edition: int
    state: str | None
    cluster: str | None
    phase: int | None
    language: str
    as_of: dt.date
    published_at: dt.datetime
    content_sha256: str
    files: SnapshotFiles

    @staticmethod
    def resolve_state(snapshot):
        return snapshot.state.code if snapshot.state_id else None

    @staticmethod
    def resolve_cluster(snapshot):
        return snapshot.cluster.numeral if snapshot.cluster_id else None

    @staticmethod
    def resolve_files(snapshot):
        pk = snapshot.pk
        return {
            "html": reverse("reports:snapshot_detail", args=[pk]),
            "pdf": reverse("reports:snapshot_pdf", args=[pk]),
            "docx": reverse("reports:snapshot_docx", args=[pk]),
            "csv": reverse("reports:snapshot_csv", args=[pk]),
            "content": reverse("reports:snapshot_json", args=[pk]),
            "inputs": reverse("reports:snapshot_inputs", args=[pk]),
        }


class SnapshotInputOut(Schema):
    reference: str
    version: int = Field(..., alias="number")
    sha256: str = Field(..., alias="content_sha256")


class SnapshotDetailOut(SnapshotOut):
    note: str
    inputs: list[SnapshotInputOut]

    @staticmethod
    def resolve_inputs(snapshot):
        return list(snapshot.inputs.order_by("reference"))


class SnapshotFilter(Schema):
    kind: str = Field("", description="`brief`, `cluster` or `global`.")
    state: str = Field("", description="For country briefs: the State's code, e.g. `NGA`.")
    cluster: str = Field("", description="For cluster syntheses: the numeral, e.g. `II`.")


@router.get(
    "/reports",
    response=listing(SnapshotOut),
    summary="List published report editions",
    description="Published, immutable report editions (country briefs, cluster syntheses, "
    "the global report), newest first, as on the /reports/ page. Filters: `kind`, `state`, "
    "`cluster`. Each lists the addresses of its HTML, PDF, DOCX, CSV, JSON and inputs.",
)
@paginate(Pages)
def list_reports(request, filters: Query[SnapshotFilter]):
    if filters.kind and filters.kind not in ReportKind.values:
        raise HttpError(400, f"Unknown report kind “{filters.kind[:20]}”.")
    found = published_snapshots(kind=filters.kind)
    if filters.state:
        found = found.filter(state__code=filters.state.upper()[:3])
    if filters.cluster:
        found = found.filter(cluster__numeral=filters.cluster.upper()[:4])
    return found


@router.get(
    "/reports/{snapshot_id}",
    response=one(SnapshotDetailOut),
    summary="One published report edition, with its inputs",
    description="The edition and exactly which submission versions it was compiled from "
    "(reference, version, SHA-256 of the version's canonical content). Not found while it "
    "is being built.",
)
def get_report(request, snapshot_id: int):
    # Beyond a 64-bit id nothing can exist, and SQLite would raise on the comparison.
    if not 0 < snapshot_id < 2**63:
        raise Http404
    found = published_snapshots().filter(pk=snapshot_id).first()
    if found is None:
        raise Http404
    return found

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.reference.models import Cluster, State
from palermo.reports import forms, permissions, queries, services
from palermo.reports import render as formats
from palermo.reports.enums import FeedbackStatus, ReportKind, SnapshotStatus
from palermo.reports.exports import neutralise as neutralise_formula
from palermo.reports.models import FeedbackEntry, ReportSnapshot
from palermo.reviews.calendar import review_today
from palermo.submissions import permissions as submission_permissions
from palermo.submissions.models import Recommendation

# The submission pages' own lookup: the same visibility rules (membership, co-signing,
# coordinators, embargo) decide who may open a recommendation's ledger.
from palermo.submissions.views import _submission

KINDS = {kind.value: kind for kind in ReportKind}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _language() -> str:
    # Snapshot and live report texts are written in the reader's interface language.
    return (get_language() or "en").lower()


def _file(body: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _csv(content: dict, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in formats.report_csv_rows(content):
        writer.writerow([neutralise_formula(v) if isinstance(v, str) else v for v in row])
    return _file(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8", filename=filename
    )


def _json(content: dict, filename: str) -> HttpResponse:
    response = JsonResponse(content, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _page_context(content: dict, **extra) -> dict:
    # The page's JSON twin: the same report's JSON download (C11: every public page has one).
    twin = next((name for fmt, name in extra.get("downloads", []) if fmt == "json"), None)
    if twin:
        extra["json_twin_url"] = reverse(twin, args=extra.get("download_args", [])) + extra.get(
            "download_query", ""
        )
    return {
        "report": formats.report_view(content),
        "method": formats.method_text(content),
        "facts": formats.facts_view(content),
        **extra,
    }


# --- Live reports: compiled from what is public now --------------------------------------


def _download(content: dict, fmt: str, stem: str) -> HttpResponse:
    """A live report in one of its file formats (PDF and DOCX: country briefs only)."""
    if fmt == "pdf":
        return _file(
            formats.report_pdf(content), content_type="application/pdf", filename=f"{stem}.pdf"
        )
    if fmt == "docx":
        return _file(formats.report_docx(content), content_type=DOCX, filename=f"{stem}.docx")
    if fmt == "csv":
        return _csv(content, f"{stem}.csv")
    return _json(content, f"{stem}.json")


def _live_page(request, content: dict, *, publish: dict, **extra):
    """The page of a live report, with the form that publishes it as an edition for
    coordinators."""
    form = (
        forms.SnapshotForm(initial=publish)
        if permissions.can_publish_report(request.user)
        else None
    )
    return render(
        request, "reports/report_page.html", _page_context(content, publish_form=form, **extra)
    )


def _state(code: str) -> State:
    try:
        return State.objects.select_related("regional_group", "group_membership__group").get(
            code=code.upper()
        )
    except State.DoesNotExist:
        raise Http404 from None


def state_brief(request, code: str, fmt: str = "html"):
    state = _state(code)
    phase = request.GET.get("phase", "")
    if phase and not (phase.isascii() and phase.isdigit() and len(phase) <= 2):
        from palermo.common.views import bad_filter  # the shared 400 page

        return bad_filter(request, _("A review phase is a number, e.g. 4."))
    try:
        content = services.report_live(
            kind=ReportKind.COUNTRY_BRIEF,
            today=review_today(),
            language=_language(),
            state=state,
            phase=int(phase) if phase else None,
        )
    except queries.NoSuchPhase:
        raise Http404 from None
    review = content["context"]["review"]
    stem = f"palermo-hub-brief-{state.code}-{content['as_of']}"
    if phase:
        stem = f"palermo-hub-brief-{state.code}-phase-{phase}-{content['as_of']}"
    if fmt != "html":
        return _download(content, fmt, stem)
    return _live_page(
        request,
        content,
        publish={
            "kind": ReportKind.COUNTRY_BRIEF,
            "state": state.code,
            "phase": review["phase"] if review else None,
        },
        state=state,
        downloads=[
            ("pdf", "reports:state_brief_pdf"),
            ("docx", "reports:state_brief_docx"),
            ("csv", "reports:state_brief_csv"),
            ("json", "reports:state_brief_json"),
        ],
        download_args=[state.code],
        download_query=f"?phase={phase}" if phase else "",
        snapshots=queries.published_snapshots(kind=ReportKind.COUNTRY_BRIEF).filter(
            state=state, phase=review["phase"] if review else None
        ),
    )


def cluster_synthesis(request, numeral: str, fmt: str = "html"):
    cluster = get_object_or_404(Cluster, numeral=numeral)
    content = services.report_live(
        kind=ReportKind.CLUSTER_SYNTHESIS,
        today=review_today(),
        language=_language(),
        cluster=cluster,
    )
    stem = f"palermo-hub-cluster-{cluster.numeral}-{content['as_of']}"
    if fmt != "html":
        return _download(content, fmt, stem)
    return _live_page(
        request,
        content,
        publish={"kind": ReportKind.CLUSTER_SYNTHESIS, "cluster": cluster.numeral},
        downloads=[("csv", "reports:cluster_csv"), ("json", "reports:cluster_json")],
        download_args=[cluster.numeral],
        snapshots=queries.published_snapshots(kind=ReportKind.CLUSTER_SYNTHESIS).filter(
            cluster=cluster
        ),
    )


def global_report(request, fmt: str = "html"):
    content = services.report_live(
        kind=ReportKind.GLOBAL_REPORT, today=review_today(), language=_language()
    )
    stem = f"palermo-hub-global-{content['as_of']}"
    if fmt != "html":
        return _download(content, fmt, stem)
    return _live_page(
        request,
        content,
        publish={"kind": ReportKind.GLOBAL_REPORT},
        downloads=[("csv", "reports:global_csv"), ("json", "reports:global_json")],
        download_args=[],
        snapshots=queries.published_snapshots(kind=ReportKind.GLOBAL_REPORT),
    )


# --- Published snapshots -----------------------------------------------------------------


def report_list(request):
    kind = request.GET.get("kind", "")
    if kind and kind not in KINDS:
        from palermo.common.views import bad_filter  # the shared 400 page

        return bad_filter(request, _("Unknown report kind “%(value)s”.") % {"value": kind[:20]})
    return render(
        request,
        "reports/report_list.html",
        {
            "snapshots": queries.published_snapshots(kind=kind),
            "kind": kind,
            "kinds": ReportKind.choices,
            "clusters": Cluster.objects.order_by("numeral"),
            "pending": ReportSnapshot.objects.exclude(status=SnapshotStatus.READY).defer(
                "pdf", "docx", "content"
            )[:20]
            if permissions.can_publish_report(request.user)
            else [],
            "publish_form": forms.SnapshotForm()
            if permissions.can_publish_report(request.user)
            else None,
        },
    )


def _snapshot(request, pk: int) -> ReportSnapshot:
    snapshot = get_object_or_404(ReportSnapshot.objects.select_related("state", "cluster"), pk=pk)
    # Until it is published, a snapshot is the coordinators' business.
    if not snapshot.is_ready and not permissions.can_publish_report(request.user):
        raise Http404
    return snapshot


def snapshot_detail(request, pk: int):
    snapshot = _snapshot(request, pk)
    if not snapshot.is_ready:
        return render(request, "reports/snapshot_progress.html", {"snapshot": snapshot})
    return render(
        request,
        "reports/report_page.html",
        _page_context(
            snapshot.content,
            snapshot=snapshot,
            downloads=[
                ("pdf", "reports:snapshot_pdf"),
                ("docx", "reports:snapshot_docx"),
                ("csv", "reports:snapshot_csv"),
                ("json", "reports:snapshot_json"),
                ("inputs", "reports:snapshot_inputs"),
            ],
            download_args=[snapshot.pk],
            inputs_count=snapshot.inputs.count(),
        ),
    )


def _snapshot_stem(snapshot: ReportSnapshot) -> str:
    return f"palermo-hub-{snapshot.kind}-{snapshot.pk}-edition-{snapshot.edition}"


def snapshot_file(request, pk: int, fmt: str):
    snapshot = _snapshot(request, pk)
    if not snapshot.is_ready:
        raise Http404
    stem = _snapshot_stem(snapshot)
    if fmt == "pdf":
        return _file(bytes(snapshot.pdf), content_type="application/pdf", filename=f"{stem}.pdf")
    if fmt == "docx":
        return _file(
            bytes(snapshot.docx),
            content_type=DOCX,
            filename=f"{stem}.docx",
        )
    if fmt == "csv":
        return _csv(snapshot.content, f"{stem}.csv")
    return _json(snapshot.content, f"{stem}.json")


def snapshot_inputs(request, pk: int):
    """Exactly which submission versions the snapshot used: enough to reproduce it."""
    snapshot = _snapshot(request, pk)
    if not snapshot.is_ready:
        raise Http404
    return JsonResponse(
        {
            "snapshot": snapshot.pk,
            "kind": snapshot.kind,
            "edition": snapshot.edition,
            "published_at": snapshot.published_at.isoformat(),
            "content_sha256": snapshot.content_sha256,
            "inputs": [
                {"reference": i.reference, "version": i.number, "sha256": i.content_sha256}
                for i in snapshot.inputs.order_by("reference")
            ],
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


@require_POST
@login_required
def snapshot_publish(request):
    if not permissions.can_publish_report(request.user):
        raise Http404
    form = forms.SnapshotForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/snapshot_form.html", {"form": form}, status=400)
    snapshot = services.snapshot_request(
        kind=form.cleaned_data["kind"],
        state=form.cleaned_data.get("state"),
        cluster=form.cleaned_data.get("cluster"),
        phase=form.cleaned_data.get("phase"),
        note=form.cleaned_data["note"],
        language=_language(),
        by=request.user,
        today=review_today(),
    )
    messages.success(request, _("The report is being built; this page shows its progress."))
    return redirect(snapshot)


# --- Feedback ledger ---------------------------------------------------------------------


def _recommendation(request, reference: str, number: int):
    submission, membership = _submission(request, reference.upper())
    recommendation = (
        Recommendation.objects.filter(submission=submission)
        .prefetch_related("articles__instrument")
        .order_by("position")[number - 1 : number]
        .first()
        if number >= 1
        else None
    )
    if recommendation is None:
        raise Http404
    return submission, membership, recommendation


def recommendation_detail(request, reference: str, number: str):
    number = int(number)
    submission, membership, recommendation = _recommendation(request, reference, number)
    may_confirm = permissions.can_confirm_feedback(request.user)
    may_propose = permissions.can_propose_feedback(request.user, membership)
    entries = FeedbackEntry.objects.filter(recommendation=recommendation)
    if not (may_confirm or may_propose):
        entries = entries.filter(status=FeedbackStatus.CONFIRMED)
    form = None
    if (may_confirm or may_propose) and submission_permissions.is_public(
        submission, today=review_today()
    ):
        form = forms.FeedbackForm()
    if request.method == "POST":
        if form is None:
            raise Http404
        form = forms.FeedbackForm(request.POST)
        if form.is_valid():
            services.feedback_record(
                recommendation=recommendation,
                by=request.user,
                confirmed=may_confirm,
                **form.cleaned_data,
            )
            messages.success(
                request,
                _("Recorded.")
                if may_confirm
                else _("Thank you: a coordinator will check it before it is shown."),
            )
            return redirect(request.path)
    return render(
        request,
        "reports/recommendation_detail.html",
        {
            "submission": submission,
            "recommendation": recommendation,
            "number": number,
            "entries": entries.select_related("recorded_by"),
            "form": form,
            "may_confirm": may_confirm,
        },
    )


@login_required
def feedback_queue(request):
    if not permissions.can_confirm_feedback(request.user):
        raise Http404
    if request.method == "POST":
        entry = get_object_or_404(FeedbackEntry, pk=request.POST.get("entry", "0") or 0)
        decision = request.POST.get("decision")
        if decision not in {"confirm", "reject"}:
            return render(request, "reports/feedback_queue.html", {"entries": []}, status=400)
        services.feedback_review(entry=entry, by=request.user, confirm=decision == "confirm")
        messages.success(request, _("Saved."))
        return redirect("reports:feedback_queue")
    entries = (
        FeedbackEntry.objects.filter(status=FeedbackStatus.PROPOSED)
        .select_related("recommendation__submission", "recorded_by")
        .order_by("recorded_at")
    )
    return render(request, "reports/feedback_queue.html", {"entries": entries})

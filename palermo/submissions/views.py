import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from palermo.accounts.permissions import is_coordinator
from palermo.common.filters import read_filter_values
from palermo.common.pdf import render_pdf
from palermo.common.views import bad_filter
from palermo.organizations.enums import Language, OrganizationType
from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Cluster, Instrument, State
from palermo.reviews.calendar import review_today
from palermo.submissions import (
    anonymous,
    coalitions,
    forms,
    permissions,
    queries,
    receipts,
    services,
)
from palermo.submissions.enums import SubmissionStatus, Transition
from palermo.submissions.identity import public_author
from palermo.submissions.models import CoSigner, Submission

PAGE_SIZE = 25


def _membership(user, organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def _submission(request, reference: str):
    """The submission and the viewer's membership in its lead organization, or 404 when the
    viewer may not know it exists (someone else's draft is a 404, not a 403). Members of an
    organization invited to co-sign may read it (request.cosign is their membership)."""
    try:
        submission = queries.submission_for_page(reference)
    except Submission.DoesNotExist:
        raise Http404 from None
    membership = (
        _membership(request.user, submission.organization) if submission.organization else None
    )
    request.cosign = (
        coalitions.cosigner_membership(request.user, submission) if membership is None else None
    )
    if request.cosign is None and not permissions.can_view_submission(
        request.user, submission, membership, today=review_today()
    ):
        raise Http404
    return submission, membership


def submission_list(request):
    try:
        filters = queries.parse_submission_filters(request.GET)
    except queries.FilterError as error:
        return bad_filter(request, error)
    page = Paginator(
        queries.published_submissions(filters, today=review_today()), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    for submission in page.object_list:
        submission.public_author = public_author(submission)
    return render(
        request,
        "submissions/submission_list.html",
        {
            "page": page,
            "filters": filters,
            "states": State.objects.order_by("name"),
            "instruments": Instrument.objects.all(),
            "clusters": Cluster.objects.all(),
            "languages": Language.choices,
            "types": OrganizationType.choices,
        },
    )


@login_required
def my_submissions(request):
    return render(
        request,
        "submissions/my_submissions.html",
        {"submissions": queries.submissions_of_organizations(request.user)},
    )


def _formsets(request, submission=None):
    if request.method == "POST":
        return (
            forms.RecommendationFormSet(request.POST, prefix="rec"),
            forms.SourceFormSet(request.POST, prefix="src"),
        )
    return (
        forms.RecommendationFormSet(
            prefix="rec", initial=forms.initial_recommendations(submission) if submission else None
        ),
        forms.SourceFormSet(
            prefix="src", initial=forms.initial_sources(submission) if submission else None
        ),
    )


def _save_failed(request, context):
    """The database refused the write (locked, full disk): keep the text, say why."""
    messages.error(
        request,
        _(
            "Your text could not be saved just now (the server is busy or "
            "out of space). Nothing was lost: it is still in the form below. "
            "Try again in a moment."
        ),
    )
    return render(request, "submissions/submission_form.html", context, status=503)


@login_required
def submission_new(request):
    memberships = [
        m
        for m in Membership.objects.filter(user=request.user).select_related("organization")
        if permissions.can_start_submission(m)
    ]
    if not memberships:
        raise PermissionDenied
    slug = request.POST.get("organization") or request.GET.get("organization")
    membership = next((m for m in memberships if m.organization.slug == slug), memberships[0])
    initial = {}
    if code := request.GET.get("state"):
        initial["state"] = State.objects.filter(code=code.upper()).first()
    form = forms.SubmissionForm(request.POST or None, initial=initial)
    recommendations, sources = _formsets(request)
    context = {
        "form": form,
        "recommendations": recommendations,
        "sources": sources,
        "memberships": memberships,
        "organization": membership.organization,
    }
    if request.method == "POST" and all(
        [form.is_valid(), recommendations.is_valid(), sources.is_valid()]
    ):
        try:
            result = services.submission_create(
                organization=membership.organization,
                by=request.user,
                data=form.submission_data(),
                recommendations=forms.rows(recommendations),
                sources=forms.rows(sources),
                form_token=form.cleaned_data["form_token"],
            )
        except OperationalError:
            return _save_failed(request, context)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Draft %(reference)s saved (version 1).")
                % {"reference": result.submission.reference},
            )
            return redirect(result.submission)
    return render(request, "submissions/submission_form.html", context)


def _was_public(withdrawn: Submission) -> bool:
    """Withdrawn after its embargo ended, so the public saw it and is owed a notice; one
    withdrawn under embargo never was public, and its title must not appear now."""
    if withdrawn.embargo_until is None:
        return True
    event = withdrawn.events.filter(to_status=SubmissionStatus.WITHDRAWN).order_by("-at").first()
    return withdrawn.embargo_until <= review_today(event.at if event else None)


def submission_detail(request, reference: str):
    try:
        submission, membership = _submission(request, reference)
    except Http404:
        # Once published, a withdrawal leaves a public notice with its reason, but none of
        # the content (authors may have withdrawn for their safety).
        withdrawn = Submission.objects.filter(
            reference=reference, status=SubmissionStatus.WITHDRAWN, published_at__isnull=False
        ).first()
        if withdrawn is None or not _was_public(withdrawn):
            raise
        return render(request, "submissions/withdrawal_notice.html", {"submission": withdrawn})
    private = permissions.can_see_private_parts(
        request.user, submission, membership or request.cosign
    )
    actions = (
        [
            (action, label)
            for action, label in Transition.choices
            if submission.status in services.TRANSITIONS[action][0]
            and permissions.can_transition(request.user, submission, membership, action)
        ]
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "submissions/submission_detail.html",
        {
            "submission": submission,
            "membership": membership,
            "private": private,
            "author": public_author(submission),
            "can_edit": permissions.can_edit_submission(request.user, submission, membership),
            "actions": actions,
            "transition_form": forms.TransitionForm(),
            "comment_form": forms.CommentForm() if private else None,
            "comments": submission.comments.select_related("author") if private else [],
            "events": submission.events.select_related("by") if private else [],
            "versions": submission.versions.select_related("saved_by") if private else [],
            "receipts": submission.receipts.all() if private else [],
            # Versions and receipt files are the lead organization's and the coordinators'
            # (submission_versions, receipt_download): co-signers read the page without them.
            "records": permissions.can_see_private_parts(request.user, submission, membership),
            "attachments": submission.attachments.all(),
            "cosigners": submission.cosigners.select_related("organization") if private else [],
            "public_cosigners": coalitions.public_cosigners(submission),
            "suggestions": coalitions.who_else_works_on_this(submission)
            if permissions.can_edit_submission(request.user, submission, membership)
            or (
                membership
                and submission.status != SubmissionStatus.WITHDRAWN
                and permissions.can_start_submission(membership)
            )
            else [],
            "cosign": request.cosign,
            "is_public": permissions.is_public(submission, today=review_today()),
        },
    )


def _editable_submission(request, reference: str) -> Submission:
    """The submission if the viewer may edit it now. Someone who may not know it exists gets
    a 404; a member who may not edit it (their role, or it is no longer a draft) gets
    PermissionDenied."""
    submission, membership = _submission(request, reference)
    if not permissions.can_edit_submission(request.user, submission, membership):
        if membership is None:
            raise Http404
        raise PermissionDenied
    return submission


def _edit_forms(request, submission, data):
    """The edit form and its recommendation and source formsets."""
    form = forms.SubmissionForm(data, instance=Submission.objects.get(pk=submission.pk))
    return (form, *_formsets(request, submission))


def _edit_save(
    request, submission, form, recommendations, sources, *, base_version=None, form_token=None
) -> services.SaveResult:
    """The one write of an edit, pressed Save or autosaved."""
    return services.submission_save(
        submission=submission,
        by=request.user,
        data=form.submission_data(),
        recommendations=forms.rows(recommendations),
        sources=forms.rows(sources),
        base_version=base_version
        if base_version is not None
        else form.cleaned_data["base_version"] or 0,
        form_token=form_token or form.cleaned_data["form_token"],
    )


@login_required
def submission_edit(request, reference: str):
    submission = _editable_submission(request, reference)
    form, recommendations, sources = _edit_forms(request, submission, request.POST or None)
    context = {
        "form": form,
        "recommendations": recommendations,
        "sources": sources,
        "submission": submission,
        "organization": submission.organization,
    }
    if request.method == "POST" and all(
        [form.is_valid(), recommendations.is_valid(), sources.is_valid()]
    ):
        try:
            result = _edit_save(request, submission, form, recommendations, sources)
        except services.EditConflict as conflict:
            # Re-offer the person's own text, now based on the newest version, so a second
            # save is a deliberate choice over what the other person wrote.
            data = request.POST.copy()
            data["base_version"] = conflict.current.number
            rebased = forms.SubmissionForm(data, instance=Submission.objects.get(pk=submission.pk))
            rebased.is_valid()
            return render(
                request,
                "submissions/submission_conflict.html",
                {
                    **context,
                    "form": rebased,
                    "current": conflict.current,
                    "yours": {
                        "title": form.cleaned_data["title"],
                        "summary": form.cleaned_data["summary"],
                        "law": form.cleaned_data["law"],
                        "practice": form.cleaned_data["practice"],
                    },
                },
                status=409,
            )
        except OperationalError:
            return _save_failed(request, context)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.changed:
                messages.success(
                    request,
                    _("Saved as version %(version)s.") % {"version": result.submission.version},
                )
            else:
                messages.info(request, _("Nothing changed; no new version."))
            return redirect(result.submission)
    return render(request, "submissions/submission_form.html", context)


def _form_errors(form, recommendations, sources) -> tuple[dict[str, list[str]], str]:
    """The errors of the edit form and its formsets: by field name as the browser posts it
    ("title", "rec-0-text"), and as one line a person can read."""
    errors: dict[str, list[str]] = {}
    lines: list[str] = []

    def add(key: str, label: str, messages_: list[str]) -> None:
        errors[key] = list(messages_)
        text = " ".join(messages_)
        lines.append(
            _("%(field)s: %(errors)s") % {"field": label, "errors": text} if label else text
        )

    def add_form(bound, row: str = "") -> None:
        for name, field_errors in bound.errors.items():
            label = str(bound.fields[name].label) if name in bound.fields else ""
            add(
                bound.add_prefix(name),
                ", ".join(part for part in (row, label) if part),
                field_errors,
            )

    add_form(form)
    for formset, row_label, title in (
        (recommendations, _("Recommendation %(n)s"), _("Recommendations")),
        (sources, _("Source %(n)s"), _("Sources")),
    ):
        if formset.non_form_errors():
            add(formset.prefix, str(title), formset.non_form_errors())
        for number, row in enumerate(formset.forms, start=1):
            add_form(row, row_label % {"n": number})
    return errors, "; ".join(lines)


def _autosave_refused() -> JsonResponse:
    return JsonResponse(
        {
            "message": _(
                "This submission can no longer be edited here (it was sent on, or your "
                "role changed). Your text is still in the form: copy it before you reload."
            )
        },
        status=403,
    )


@require_POST
def submission_autosave(request, reference: str):
    """The edit form saved in the background by static/js/autosave.js: the same forms,
    checks and service as submission_edit, answered in JSON (contract in
    docs/architecture.md, "Drafts, versions and autosave"). Not behind login_required: a
    visitor gets the same 404 as anyone who may not know the draft exists."""
    try:
        submission = _editable_submission(request, reference)
    except PermissionDenied:
        return _autosave_refused()
    form, recommendations, sources = _edit_forms(request, submission, request.POST)
    if not all([form.is_valid(), recommendations.is_valid(), sources.is_valid()]):
        errors, message = _form_errors(form, recommendations, sources)
        return JsonResponse({"message": message, "errors": errors}, status=400)
    try:
        result = _edit_save(request, submission, form, recommendations, sources)
        if result.replayed:
            # This token's earlier autosave was written but its answer never reached the
            # browser, which sent the token again with newer text: save that text on top of
            # the version the earlier autosave left (a conflict if someone saved since).
            result = _edit_save(
                request,
                submission,
                form,
                recommendations,
                sources,
                base_version=result.version,
                form_token=forms.new_form_token(),
            )
    except services.EditConflict as conflict:
        return JsonResponse(
            {
                "message": _(
                    "Someone else saved version %(version)s of this draft while you were "
                    "editing. Nothing was overwritten; autosave has stopped."
                )
                % {"version": conflict.current.number},
                "version": conflict.current.number,
            },
            status=409,
        )
    except PermissionDenied:  # it stopped being a draft between the check and the lock
        return _autosave_refused()
    except OperationalError:
        return JsonResponse(
            {"message": _("The server is busy or out of space. Nothing was lost.")}, status=503
        )
    except ValidationError as error:
        return JsonResponse(
            {"message": " ".join(error.messages), "errors": {"__all__": error.messages}},
            status=400,
        )
    saved = result.submission.versions.get(number=result.version)
    return JsonResponse(
        {
            "version": result.version,
            "saved_at": saved.saved_at.isoformat(),
            "changed": result.changed,
            # The token just used is spent: the form's next save, autosaved or not, needs a
            # new one.
            "form_token": forms.new_form_token(),
        }
    )


def submission_versions(request, reference: str):
    submission, membership = _submission(request, reference)
    if not permissions.can_see_private_parts(request.user, submission, membership):
        raise Http404
    versions = list(submission.versions.select_related("saved_by"))
    older = newer = None
    diff = []
    try:
        a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
    except ValueError:
        return bad_filter(request, _("Versions are numbers."))
    if a and b:
        by_number = {v.number: v for v in versions}
        if a not in by_number or b not in by_number:
            raise Http404
        older, newer = by_number[min(a, b)], by_number[max(a, b)]
        diff = services.versions_diff(older, newer)
    return render(
        request,
        "submissions/submission_versions.html",
        {
            "submission": submission,
            "versions": versions,
            "older": older,
            "newer": newer,
            "diff": diff,
        },
    )


@login_required
@require_POST
def submission_transition(request, reference: str, action: str):
    submission, membership = _submission(request, reference)
    if action not in Transition.values:
        raise Http404
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(submission)
    note = form.cleaned_data["note"]
    try:
        services.submission_transition(
            submission=submission, action=action, by=request.user, membership=membership, note=note
        )
    except PermissionDenied:
        if membership is None and not is_coordinator(request.user):
            raise Http404 from None
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": Transition(action).label})
    return redirect(submission)


@login_required
@require_POST
def comment_add(request, reference: str):
    submission, membership = _submission(request, reference)
    if not permissions.can_comment(request.user, submission, membership or request.cosign):
        raise Http404
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                submission=submission, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(submission)


@login_required
def moderation_queue(request):
    if not is_coordinator(request.user):
        raise Http404
    status = request.GET.get("status", SubmissionStatus.SUBMITTED)
    if status not in permissions.COORDINATOR_VISIBLE:
        return bad_filter(request, _("Unknown status “%(value)s”.") % {"value": status[:20]})
    try:
        values = read_filter_values(request.GET, ("state", "cluster"), ValueError)
    except ValueError as error:
        return bad_filter(request, error)
    state, cluster = values["state"], values["cluster"]
    page = Paginator(
        queries.coordinator_queue(status=status, state=state, cluster=cluster), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "submissions/moderation_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                (value, label)
                for value, label in SubmissionStatus.choices
                if value in permissions.COORDINATOR_VISIBLE
            ],
            "state": state,
            "cluster": cluster,
        },
    )


def receipt_download(request, reference: str, pk: int):
    submission, membership = _submission(request, reference)
    if not permissions.can_see_private_parts(request.user, submission, membership):
        raise Http404
    receipt = get_object_or_404(submission.receipts, pk=pk)
    response = JsonResponse(
        receipt.document(), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{submission.reference}-v{receipt.version}.json"'
    )
    return response


def receipt_pdf(request, reference: str, pk: int):
    """The same receipt as a printable PDF, with the JSON to paste at /verify/."""
    submission, membership = _submission(request, reference)
    if not permissions.can_see_private_parts(request.user, submission, membership):
        raise Http404
    receipt = get_object_or_404(submission.receipts, pk=pk)
    content = render_pdf(
        "submissions/receipt_pdf.html",
        {
            "receipt": receipt,
            "document": json.dumps(receipt.document(), indent=2, ensure_ascii=False),
            "verify_url": settings.SITE_URL + "/verify/",
        },
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{submission.reference}-v{receipt.version}.pdf"'
    )
    return response


VERDICT_MESSAGES = {
    receipts.Verdict.MALFORMED: _lazy("This is not a Palermo Hub receipt (or it is damaged)."),
    receipts.Verdict.UNKNOWN_KEY: _lazy(
        "Not authentic: it claims a signing key this hub has never used."
    ),
    receipts.Verdict.TAMPERED: _lazy("Not authentic: the receipt was changed after it was signed."),
    receipts.Verdict.NO_SUCH_VERSION: _lazy(
        "The signature is authentic, but this hub holds no such submission version."
    ),
    receipts.Verdict.CONTENT_DIFFERS: _lazy(
        "The signature is authentic, but the stored version's content differs from the "
        "receipt's hash. Contact the network secretariat."
    ),
    receipts.Verdict.MATCHES_OLDER_VERSION: _lazy(
        "Authentic, and it matches the stored version. A newer version has been saved since."
    ),
    receipts.Verdict.MATCHES_CURRENT_VERSION: _lazy(
        "Authentic, and it matches the current stored version."
    ),
}


def verify(request):
    """Anyone can check a receipt: paste it or upload the file. Nothing is stored."""
    result = error = None
    if request.method == "POST":
        text = request.POST.get("receipt", "")
        upload = request.FILES.get("receipt_file")
        if upload is not None:
            raw = upload.read(20_001)
            text = raw.decode("utf-8", errors="replace") if len(raw) <= 20_000 else ""
        if not text.strip():
            error = _("Paste a receipt, or choose its file (at most 20 kB).")
        else:
            try:
                document = json.loads(text[:20_000])
            except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
                document = None
            result = receipts.receipt_verify(document)
    return render(
        request,
        "submissions/verify.html",
        {
            "result": result,
            "error": error,
            "message": VERDICT_MESSAGES[result.verdict] if result else None,
        },
        status=400 if error else 200,
    )


ANONYMOUS_SESSION_KEY = "palermo_anonymous_submission"


def anonymous_submit(request):
    """Send without an account. Works without JavaScript; stores no address."""
    form = forms.AnonymousSubmissionForm(request.POST or None)
    recommendations, sources = _formsets(request)
    context = {"form": form, "recommendations": recommendations, "sources": sources}
    if request.method == "POST" and all(
        [form.is_valid(), recommendations.is_valid(), sources.is_valid()]
    ):
        if not anonymous.allow(request, "submit", limit=5, seconds=3600):
            messages.error(
                request,
                _(
                    "Too many submissions from this connection in the last "
                    "hour. Your text is still below; try again later."
                ),
            )
            return render(request, "submissions/anonymous_form.html", context, status=429)
        try:
            submission, passphrase = anonymous.anonymous_submit(
                data=form.submission_data(),
                recommendations=forms.rows(recommendations),
                sources=forms.rows(sources),
                form_token=form.cleaned_data["form_token"],
            )
        except OperationalError:
            messages.error(
                request,
                _(
                    "Your text could not be sent just now. Nothing was lost: "
                    "it is still below. Try again in a moment."
                ),
            )
            return render(request, "submissions/anonymous_form.html", context, status=503)
        if passphrase is None:  # the same form posted twice: the first one went through
            return render(
                request,
                "submissions/anonymous_sent.html",
                {"submission": submission, "passphrase": None},
            )
        receipt = submission.receipts.get()
        return render(
            request,
            "submissions/anonymous_sent.html",
            {
                "submission": submission,
                "passphrase": passphrase,
                "receipt_json": json.dumps(receipt.document(), indent=2, ensure_ascii=False),
            },
        )
    return render(request, "submissions/anonymous_form.html", context)


def anonymous_return(request):
    """Come back with the reference and the passphrase (sent by POST, never in a URL)."""
    submission = None
    if pk := request.session.get(ANONYMOUS_SESSION_KEY):
        submission = Submission.objects.filter(pk=pk).first()
    form = forms.ReturnForm(request.POST or None)
    if request.method == "POST" and "passphrase" in request.POST:
        if not anonymous.allow(request, "return", limit=10, seconds=3600):
            form.add_error(None, _("Too many attempts from this connection. Try again in an hour."))
        elif form.is_valid():
            found = anonymous.anonymous_find(
                form.cleaned_data["reference"], form.cleaned_data["passphrase"]
            )
            if found is None:
                form.add_error(None, _("This reference and passphrase do not match."))
            else:
                request.session.cycle_key()
                request.session[ANONYMOUS_SESSION_KEY] = found.pk
                return redirect("submissions:anonymous_return")
    if submission is None:
        return render(
            request,
            "submissions/anonymous_return.html",
            {"form": form},
            status=400 if form.errors else 200,
        )
    return render(
        request,
        "submissions/anonymous_status.html",
        {
            "submission": submission,
            "comments": submission.comments.select_related("author"),
            "comment_form": forms.CommentForm(),
            "receipts": submission.receipts.all(),
        },
    )


@require_POST
def anonymous_comment(request):
    pk = request.session.get(ANONYMOUS_SESSION_KEY)
    submission = Submission.objects.filter(pk=pk).first() if pk else None
    if submission is None:
        return redirect("submissions:anonymous_return")
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                submission=submission, by=None, body=form.cleaned_data["body"], by_sender=True
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Added. The coordinators will see it."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("submissions:anonymous_return")


@require_POST
def anonymous_leave(request):
    request.session.pop(ANONYMOUS_SESSION_KEY, None)
    request.session.cycle_key()
    return redirect("submissions:anonymous_return")


@login_required
@require_POST
def cosigner_invite(request, reference: str):
    submission, membership = _submission(request, reference)
    slug = request.POST.get("organization", "")
    # PostgreSQL refuses NUL in a query parameter: such a slug names no organization.
    organization = Organization.objects.filter(slug=slug).first() if "\x00" not in slug else None
    try:
        if organization is None:
            raise ValidationError(_("Choose an organization to invite."))
        coalitions.cosigner_invite(
            submission=submission, organization=organization, by=request.user, membership=membership
        )
    except PermissionDenied:
        if membership is None and request.cosign is None:
            raise Http404 from None
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is invited to co-sign.") % {"name": organization.name}
        )
    return redirect(submission)


def _withdrawal_note(request) -> str:
    """The co-signer's reason, checked like a workflow note (length, invisible characters)."""
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(" ".join(e for errs in form.errors.values() for e in errs))
    return form.cleaned_data["note"]


@login_required
@require_POST
def cosigner_answer(request, reference: str, answer: str):
    submission, _membership = _submission(request, reference)
    cosigner = (
        submission.cosigners.filter(organization__memberships__user=request.user).first()
        if request.cosign
        else None
    )
    if cosigner is None or answer not in {"accept", "decline", "withdraw"}:
        raise Http404
    try:
        if answer == "withdraw":
            coalitions.cosigner_withdraw(
                cosigner=cosigner,
                by=request.user,
                membership=request.cosign,
                note=_withdrawal_note(request),
            )
        else:
            coalitions.cosigner_respond(
                cosigner=cosigner,
                accept=answer == "accept",
                by=request.user,
                membership=request.cosign,
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Recorded."))
    return redirect(submission)


@login_required
def cosigning_invitations(request):
    """Submissions other organizations asked the viewer's organizations to co-sign."""
    invitations = (
        CoSigner.objects.filter(organization__memberships__user=request.user)
        .select_related("submission__state", "submission__organization", "organization")
        .order_by("-invited_at")
    )
    return render(request, "submissions/cosigning_invitations.html", {"invitations": invitations})


@login_required
@require_POST
def attachment_upload(request, reference: str):
    submission, membership = _submission(request, reference)
    if not permissions.can_edit_submission(request.user, submission, membership):
        if membership is None:
            raise Http404
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
        return redirect(submission)
    try:
        attachment = services.attachment_add(
            submission=submission,
            by=request.user,
            data=upload.read(settings.ATTACHMENT_MAX_BYTES + 1),
        )
    except ValidationError as error:
        messages.error(
            request,
            _("The file was not attached: %(reason)s") % {"reason": " ".join(error.messages)},
        )
    except OperationalError:
        messages.error(request, _("The file could not be saved just now. Try again."))
    else:
        removed = [_(label) for label in attachment.removed_metadata]
        if removed:
            messages.info(
                request,
                _(
                    "Attached as %(name)s. Hidden information it carried was "
                    "removed from the copy others download: %(items)s."
                )
                % {"name": attachment.safe_filename, "items": ", ".join(removed)},
            )
        else:
            messages.success(
                request,
                _("Attached as %(name)s; it carried no hidden information we know of.")
                % {"name": attachment.safe_filename},
            )
    return redirect(submission)


def attachment_download(request, reference: str, pk: int):
    """The sanitised copy, never shown inline and sandboxed if a browser tried."""
    submission, _membership = _submission(request, reference)
    attachment = get_object_or_404(submission.attachments, pk=pk)
    path = services.attachments_root() / attachment.clean_path
    if not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.safe_filename,
        content_type=attachment.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

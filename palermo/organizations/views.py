import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.accounts.permissions import has_mfa
from palermo.common.views import bad_filter
from palermo.organizations import forms, permissions, queries, services
from palermo.organizations.enums import Language, MemberRole, OrganizationType
from palermo.organizations.models import ExpertProfile, Organization
from palermo.reference.models import Instrument, RegionalGroup, State, Topic

PAGE_SIZE = 25


def _organization(request, slug: str):
    """The organization and the viewer's membership, or 404 when the viewer may not even
    know it exists (a pending organization of someone else answers 404, not 403)."""
    try:
        organization = queries.organization_for_page(slug)
    except Organization.DoesNotExist:
        raise Http404 from None
    membership = queries.membership_for(request.user, organization)
    if not permissions.can_view_organization(request.user, organization, membership):
        raise Http404
    return organization, membership


def _deny(request, organization, membership):
    """Member pages: people with no tie to the organization get 404 (they learn nothing),
    members and coordinators without the needed role get 403."""
    if membership is None and not permissions.can_view_members(
        request.user, organization, membership
    ):
        raise Http404
    raise PermissionDenied


def _mfa_gate(request, organization, membership):
    """Organizations may require a second factor of their members for member pages."""
    if membership is not None and organization.require_mfa and not has_mfa(request.user):
        messages.warning(
            request,
            _("%(name)s requires a second factor of its members. Set one up to continue.")
            % {"name": organization.name},
        )
        return redirect("mfa_activate_totp")
    return None


def organization_list(request):
    try:
        filters = queries.parse_registry_filters(request.GET)
    except queries.FilterError as error:
        return bad_filter(request, error)
    page = Paginator(queries.public_organizations(filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organizations/organization_list.html",
        {
            "page": page,
            "filters": filters,
            "types": OrganizationType.choices,
            "states": State.objects.order_by("name"),
            "regions": RegionalGroup.objects.all(),
            "instruments": Instrument.objects.all(),
            "topics": Topic.objects.all(),
        },
    )


def organization_detail(request, slug: str):
    organization, membership = _organization(request, slug)
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            "membership": membership,
            "can_edit": permissions.can_edit_organization(request.user, organization, membership),
            "can_view_members": permissions.can_view_members(
                request.user, organization, membership
            ),
            "decision": organization.decisions.first() if membership else None,
            "languages": [
                Language(code).label for code in organization.languages if code in Language.values
            ],
        },
    )


def organization_logo(request, slug: str):
    organization, _membership = _organization(request, slug)
    if not organization.logo:
        raise Http404
    path = services.logo_dir() / organization.logo
    if not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        content_type=("image/png" if organization.logo.endswith(".png") else "image/jpeg"),
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Only a public organization's logo may sit in shared caches: a pending or unlisted
    # one is shown to its members and coordinators only.
    response["Cache-Control"] = (
        "public, max-age=3600" if organization.is_public else "private, max-age=3600"
    )
    return response


@login_required
def organization_create(request):
    form = forms.OrganizationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(by=request.user, data=form.profile_data())
        _tell_removed_metadata(request, form)
        messages.success(
            request,
            _(
                "Your organization was created. The network secretariat "
                "will verify it; you will hear from us by e-mail."
            ),
        )
        return redirect(organization)
    return render(request, "organizations/organization_form.html", {"form": form})


def _tell_removed_metadata(request, form):
    if form.removed_metadata:
        messages.info(
            request,
            _("Your logo carried hidden information, which we removed: %(items)s.")
            % {"items": ", ".join(form.removed_metadata)},
        )


@login_required
def organization_edit(request, slug: str):
    organization, membership = _organization(request, slug)
    if not permissions.can_edit_organization(request.user, organization, membership):
        _deny(request, organization, membership)
    if gate := _mfa_gate(request, organization, membership):
        return gate
    # A ModelForm writes the submitted values into its instance while validating; give it
    # a copy, so the service still sees what changed (message, audit record, look-alike
    # check on renames) and an invalid form does not show the rejected name as the title.
    form = forms.OrganizationForm(
        request.POST or None,
        request.FILES or None,
        instance=copy.copy(organization),
        is_owner=permissions.can_manage_members(request.user, organization, membership),
    )
    if request.method == "POST" and form.is_valid():
        changed = services.organization_update(
            organization=organization, by=request.user, data=form.profile_data()
        )
        _tell_removed_metadata(request, form)
        messages.success(request, _("Saved.") if changed else _("Nothing changed."))
        return redirect(organization)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "organization": organization},
    )


@login_required
def organization_members(request, slug: str):
    organization, membership = _organization(request, slug)
    if not permissions.can_view_members(request.user, organization, membership):
        _deny(request, organization, membership)
    if gate := _mfa_gate(request, organization, membership):
        return gate
    can_manage = permissions.can_manage_members(request.user, organization, membership)
    return render(
        request,
        "organizations/organization_members.html",
        {
            "organization": organization,
            "membership": membership,
            "can_manage": can_manage,
            "members": queries.members_of(organization),
            "invitations": organization.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            )
            if can_manage
            else [],
            "invite_form": forms.InvitationForm() if can_manage else None,
            "roles": MemberRole.choices,
        },
    )


def _manage(request, slug: str):
    organization, membership = _organization(request, slug)
    if not permissions.can_manage_members(request.user, organization, membership):
        _deny(request, organization, membership)
    if organization.require_mfa and not has_mfa(request.user):
        raise PermissionDenied  # the members page itself sends them to set one up
    return organization, membership


@login_required
@require_POST
def member_invite(request, slug: str):
    organization, _membership = _manage(request, slug)
    form = forms.InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                organization=organization,
                by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. It is valid for seven days.")
                % {"email": form.cleaned_data["email"]},
            )
    else:
        messages.error(
            request,
            _("The invitation was not sent: %(errors)s")
            % {"errors": " ".join(e for errs in form.errors.values() for e in errs)},
        )
    return redirect("organizations:organization_members", slug=organization.slug)


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    organization, _membership = _manage(request, slug)
    invitation = get_object_or_404(organization.invitations, pk=pk)
    services.invitation_revoke(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("organizations:organization_members", slug=organization.slug)


@login_required
@require_POST
def member_role(request, slug: str, pk: int):
    organization, _membership = _manage(request, slug)
    target = get_object_or_404(organization.memberships, pk=pk)
    form = forms.RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a role."))
        services.membership_change_role(
            membership=target, role=form.cleaned_data["role"], by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Role changed."))
    return redirect("organizations:organization_members", slug=organization.slug)


@login_required
@require_POST
def member_remove(request, slug: str, pk: int):
    organization, _membership = _manage(request, slug)
    target = get_object_or_404(organization.memberships, pk=pk)
    try:
        services.membership_remove(membership=target, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Member removed."))
    return redirect("organizations:organization_members", slug=organization.slug)


@login_required
@require_POST
def ownership_transfer(request, slug: str, pk: int):
    organization, membership = _manage(request, slug)
    target = get_object_or_404(organization.memberships, pk=pk)
    try:
        services.ownership_transfer(organization=organization, to=target, by=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ownership transferred. You are now an editor."))
    return redirect("organizations:organization_members", slug=organization.slug)


@login_required
@require_POST
def organization_leave(request, slug: str):
    organization, membership = _organization(request, slug)
    if membership is None:
        raise Http404
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("organizations:organization_members", slug=organization.slug)
    messages.success(request, _("You left %(name)s.") % {"name": organization.name})
    return redirect("organizations:my_organizations")


def invitation_accept(request, token: str):
    """Shown from the e-mailed link. Joining needs a POST from a signed-in person whose
    address the invitation was sent to."""
    try:
        invitation = services.invitation_find(token)
    except services.InvitationError as error:
        return render(
            request,
            "organizations/invitation_accept.html",
            {"error": str(error)},
            status=410 if error.code in {"expired", "used", "revoked"} else 404,
        )
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.invitation_accept(token=token, by=request.user)
        except services.InvitationError as error:
            return render(
                request,
                "organizations/invitation_accept.html",
                {"error": str(error), "invitation": invitation},
                status=400,
            )
        messages.success(
            request, _("Welcome to %(name)s.") % {"name": invitation.organization.name}
        )
        return redirect("organizations:organization_members", slug=invitation.organization.slug)
    return render(request, "organizations/invitation_accept.html", {"invitation": invitation})


@login_required
def my_organizations(request):
    return render(
        request,
        "organizations/my_organizations.html",
        {"memberships": queries.organizations_of(request.user)},
    )


def _coordinator(request):
    if not permissions.can_verify_organizations(request.user):
        raise Http404


@login_required
def verification_queue(request):
    _coordinator(request)
    status = request.GET.get("status", "pending")
    if status not in {"pending", "verified", "rejected"}:
        return bad_filter(request, _("Unknown status “%(value)s”.") % {"value": status[:40]})
    page = Paginator(queries.verification_queue(status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organizations/verification_queue.html",
        {"page": page, "status": status, "form": forms.DecisionForm()},
    )


@login_required
def organization_decide(request, slug: str):
    _coordinator(request)
    organization = get_object_or_404(Organization, slug=slug)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.organization_decide(
            organization=organization,
            by=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Decision recorded for %(name)s; its owners were told.")
            % {"name": organization.name},
        )
        return redirect("organizations:verification_queue")
    return render(
        request,
        "organizations/organization_decide.html",
        {
            "organization": queries.organization_for_page(slug),
            "form": form,
            "decisions": organization.decisions.select_related("decided_by"),
            "history": organization.history.select_related("history_user")[:20],
        },
    )


def expert_list(request):
    may_search = permissions.can_search_experts(
        request.user, queries.verified_membership_count(request.user)
    )
    filters = queries.ExpertFilters()
    if may_search:
        try:
            filters = queries.parse_expert_filters(request.GET)
        except queries.FilterError as error:
            return bad_filter(request, error)
    page = Paginator(queries.published_experts(filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organizations/expert_list.html",
        {
            "page": page,
            "filters": filters,
            "may_search": may_search,
            "instruments": Instrument.objects.all(),
            "topics": Topic.objects.all(),
            "regions": RegionalGroup.objects.all(),
            "languages": Language.choices,
        },
    )


def _published_expert(public_id) -> ExpertProfile:
    return get_object_or_404(
        ExpertProfile.objects.prefetch_related(
            "instruments", "topics", "regions", "articles__instrument"
        ),
        public_id=public_id,
        is_published=True,
        user__is_active=True,
    )


def expert_detail(request, public_id):
    expert = _published_expert(public_id)
    return render(
        request,
        "organizations/expert_detail.html",
        {
            "expert": expert,
            "may_contact": permissions.can_search_experts(
                request.user, queries.verified_membership_count(request.user)
            )
            and expert.user_id != request.user.pk,
            "languages": [Language(c).label for c in expert.languages if c in Language.values],
        },
    )


@login_required
def expert_edit(request):
    profile = ExpertProfile.objects.filter(user=request.user).first()
    form = forms.ExpertProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        profile = services.expert_profile_save(user=request.user, data=data)
        messages.success(
            request,
            _("Your expert profile is published.")
            if profile.is_published
            else _("Your expert profile is saved and not published."),
        )
        return redirect("organizations:expert_edit")
    return render(request, "organizations/expert_form.html", {"form": form, "profile": profile})


@login_required
@require_POST
def expert_withdraw(request):
    profile = get_object_or_404(ExpertProfile, user=request.user)
    services.expert_withdraw(profile=profile, by=request.user)
    messages.success(request, _("Your expert profile is withdrawn: nobody can see it now."))
    return redirect("organizations:expert_edit")


@login_required
def expert_contact(request, public_id):
    expert = _published_expert(public_id)
    if not permissions.can_search_experts(
        request.user, queries.verified_membership_count(request.user)
    ):
        raise PermissionDenied
    form = forms.ExpertContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_contact(
                expert=expert,
                by=request.user,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Your message was sent. The expert has your e-mail "
                    "address and may answer you directly."
                ),
            )
            return redirect(expert)
    return render(
        request,
        "organizations/expert_contact.html",
        {"expert": expert, "form": form, "max_logo": settings.LOGO_MAX_BYTES},
    )

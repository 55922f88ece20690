"""Reads for organizations and experts, shared by the pages and the API. Each runs a
fixed number of queries whatever the number of rows."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from palermo.common.filters import read_filter_values
from palermo.organizations.enums import OrganizationType, VerificationStatus
from palermo.organizations.models import ExpertProfile, Membership, Organization
from palermo.reference.models import Instrument, RegionalGroup, State, Topic


class FilterError(ValueError):
    """A filter value that names nothing; its message is shown to the user (400)."""


@dataclass(frozen=True)
class RegistryFilters:
    country: str = ""
    region: str = ""
    type: str = ""
    instrument: str = ""
    expertise: str = ""  # a topic code
    q: str = ""

    def is_empty(self) -> bool:
        return not any(vars(self).values())


def parse_registry_filters(params: QueryDict | dict) -> RegistryFilters:
    values = read_filter_values(
        params, ("country", "region", "type", "instrument", "expertise", "q"), FilterError
    )
    checks = [
        (
            "country",
            lambda v: State.objects.filter(code=v.upper()).exists(),
            _("Unknown country “%(value)s”."),
        ),
        (
            "region",
            lambda v: RegionalGroup.objects.filter(code=v).exists(),
            _("Unknown region “%(value)s”."),
        ),
        (
            "type",
            lambda v: v in OrganizationType.values,
            _("Unknown organization type “%(value)s”."),
        ),
        (
            "instrument",
            lambda v: Instrument.objects.filter(code=v).exists(),
            _("Unknown instrument “%(value)s”."),
        ),
        (
            "expertise",
            lambda v: Topic.objects.filter(code=v).exists(),
            _("Unknown area of expertise “%(value)s”."),
        ),
    ]
    for name, valid, message in checks:
        if values[name] and not valid(values[name]):
            raise FilterError(message % {"value": values[name][:60]})
    if len(values["q"]) > 100:
        raise FilterError(_("The search text is too long (100 characters at most)."))
    values["country"] = values["country"].upper()
    return RegistryFilters(**values)


def _profile_prefetches() -> list:
    return [
        Prefetch("countries", queryset=State.objects.only("code", "name", "name_en")),
        "regions",
        "instruments",
        "topics",
    ]


def public_organizations(filters: RegistryFilters) -> QuerySet[Organization]:
    """Listed, verified organizations, filtered. The registry page and the API."""
    found = Organization.objects.filter(
        is_listed=True, verification_status=VerificationStatus.VERIFIED
    ).select_related("headquarters")
    if filters.country:
        found = found.filter(
            Q(countries__code=filters.country) | Q(headquarters__code=filters.country)
        )
    if filters.region:
        found = found.filter(regions__code=filters.region)
    if filters.type:
        found = found.filter(kind=filters.type)
    if filters.instrument:
        found = found.filter(instruments__code=filters.instrument)
    if filters.expertise:
        found = found.filter(topics__code=filters.expertise)
    if filters.q:
        found = found.filter(Q(name__icontains=filters.q) | Q(name_latin__icontains=filters.q))
    # The slug breaks ties between equal names, so pages never overlap.
    return found.distinct().prefetch_related(*_profile_prefetches()).order_by("name", "slug")


def organization_for_page(slug: str) -> Organization:
    return (
        Organization.objects.select_related("headquarters", "possible_duplicate_of")
        .prefetch_related(*_profile_prefetches(), "articles__instrument")
        .get(slug=slug)
    )


def membership_for(user, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, organization=organization)
        .first()
    )


def members_of(organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("-role", "joined_at")


def organizations_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization")


def verified_membership_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Membership.objects.filter(
        user=user, organization__verification_status=VerificationStatus.VERIFIED
    ).count()


def verification_queue(*, status: str = VerificationStatus.PENDING) -> QuerySet[Organization]:
    return (
        Organization.objects.filter(verification_status=status)
        .select_related("headquarters", "possible_duplicate_of", "created_by")
        .annotate(member_count=Count("memberships"))
        .order_by("created_at")
    )


@dataclass(frozen=True)
class ExpertFilters:
    instrument: str = ""
    expertise: str = ""
    region: str = ""
    language: str = ""
    q: str = ""

    def is_empty(self) -> bool:
        return not any(vars(self).values())


def parse_expert_filters(params: QueryDict | dict) -> ExpertFilters:
    from palermo.organizations.enums import Language

    values = read_filter_values(
        params, ("instrument", "expertise", "region", "language", "q"), FilterError
    )
    if values["instrument"] and not Instrument.objects.filter(code=values["instrument"]).exists():
        raise FilterError(
            _("Unknown instrument “%(value)s”.") % {"value": values["instrument"][:60]}
        )
    if values["expertise"] and not Topic.objects.filter(code=values["expertise"]).exists():
        raise FilterError(
            _("Unknown area of expertise “%(value)s”.") % {"value": values["expertise"][:60]}
        )
    if values["region"] and not RegionalGroup.objects.filter(code=values["region"]).exists():
        raise FilterError(_("Unknown region “%(value)s”.") % {"value": values["region"][:60]})
    if values["language"] and values["language"] not in Language.values:
        raise FilterError(_("Unknown language “%(value)s”.") % {"value": values["language"][:60]})
    if len(values["q"]) > 100:
        raise FilterError(_("The search text is too long (100 characters at most)."))
    return ExpertFilters(**values)


def published_experts(filters: ExpertFilters | None = None) -> QuerySet[ExpertProfile]:
    found = ExpertProfile.objects.filter(is_published=True, user__is_active=True)
    filters = filters or ExpertFilters()
    if filters.instrument:
        found = found.filter(instruments__code=filters.instrument)
    if filters.expertise:
        found = found.filter(topics__code=filters.expertise)
    if filters.region:
        found = found.filter(regions__code=filters.region)
    if filters.language:
        # JSON containment is not portable to SQLite; a quoted code cannot match a
        # longer one ("en" vs "ens") because codes are stored as JSON strings.
        found = found.filter(languages__icontains=f'"{filters.language}"')
    if filters.q:
        found = found.filter(
            Q(name__icontains=filters.q)
            | Q(headline__icontains=filters.q)
            | Q(affiliation__icontains=filters.q)
        )
    return (
        found.distinct()
        .prefetch_related("instruments", "topics", "regions")
        .order_by("name", "public_id")
    )

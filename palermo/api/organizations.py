from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from palermo.api.pagination import Pages
from palermo.api.schemas import listing, one
from palermo.organizations import queries
from palermo.organizations.models import ExpertProfile

router = Router(tags=["organizations and experts"])


class OrganizationOut(Schema):
    """Exactly what the public registry page shows: never members or internal state."""

    slug: str
    name: str
    name_latin: str
    type: str
    headquarters: str | None
    countries: list[str]
    regions: list[str]
    languages: list[str]
    instruments: list[str]
    topics: list[str]
    ecosoc_status: str
    website: str
    description: str
    url: str
    is_demo: bool

    @staticmethod
    def resolve_type(org):
        return org.kind

    @staticmethod
    def resolve_headquarters(org):
        return org.headquarters.code if org.headquarters else None

    @staticmethod
    def resolve_countries(org):
        return [c.code for c in org.countries.all()]

    @staticmethod
    def resolve_regions(org):
        return [r.code for r in org.regions.all()]

    @staticmethod
    def resolve_instruments(org):
        return [i.code for i in org.instruments.all()]

    @staticmethod
    def resolve_topics(org):
        return [t.code for t in org.topics.all()]

    @staticmethod
    def resolve_url(org):
        return org.get_absolute_url()


class RegistryFilter(Schema):
    country: str = Field(
        "", description="A State code: organizations working in it or based there."
    )
    region: str = Field("", description="A UN regional group code the organization works in.")
    type: str = Field("", description="The organization type, e.g. `ngo` or `academia`.")
    instrument: str = Field("", description="An instrument code the organization works on.")
    expertise: str = Field("", description="A topic code (crime market or resilience area).")
    q: str = Field("", description="Part of the name (or its Latin transliteration).")


@router.get(
    "/organizations",
    response=listing(OrganizationOut),
    summary="List listed, verified organizations",
    description="The public registry: organizations verified by the network secretariat "
    "that chose to be listed, by name. Same filters as the /organizations/ page: "
    "`country`, `region`, `type`, `instrument`, `expertise`, `q`. Members are never part "
    "of the API.",
)
@paginate(Pages)
def list_organizations(request, filters: Query[RegistryFilter]):
    try:
        parsed = queries.parse_registry_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return queries.public_organizations(parsed)


@router.get(
    "/organizations/{slug}",
    response=one(OrganizationOut),
    summary="One listed, verified organization",
    description="An organization by its slug, as on its page /organizations/{slug}/. Not "
    "found unless it is verified and listed.",
)
def get_organization(request, slug: str):
    found = queries.public_organizations(queries.RegistryFilters()).filter(slug=slug).first()
    if found is None:
        raise Http404
    return found


class ExpertOut(Schema):
    id: str
    name: str
    headline: str
    affiliation: str
    availability: str
    instruments: list[str]
    topics: list[str]
    regions: list[str]
    languages: list[str]
    url: str
    is_demo: bool

    @staticmethod
    def resolve_id(expert):
        return str(expert.public_id)

    @staticmethod
    def resolve_instruments(expert):
        return [i.code for i in expert.instruments.all()]

    @staticmethod
    def resolve_topics(expert):
        return [t.code for t in expert.topics.all()]

    @staticmethod
    def resolve_regions(expert):
        return [r.code for r in expert.regions.all()]

    @staticmethod
    def resolve_url(expert):
        return expert.get_absolute_url()


@router.get(
    "/experts",
    response=listing(ExpertOut, filtered=False),
    summary="List published expert profiles",
    description="People who chose to publish an expert profile, by name: what the /experts/ "
    "page shows a visitor. Contact details are never part of the API.",
)
@paginate(Pages)
def list_experts(request):
    return queries.published_experts()


@router.get(
    "/experts/{expert_id}",
    response=one(ExpertOut),
    summary="One published expert profile",
    description="A profile by the `id` the list gives, as on its page /experts/{id}/. Not "
    "found unless published. Contact details are never part of the API.",
)
def get_expert(request, expert_id: str):
    try:
        return queries.published_experts().get(public_id=expert_id)
    except (ExpertProfile.DoesNotExist, ValidationError):
        raise Http404 from None

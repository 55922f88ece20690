from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from palermo.organizations import queries

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
    country: str = ""
    region: str = ""
    type: str = ""
    instrument: str = ""
    expertise: str = ""
    q: str = ""


@router.get(
    "/organizations",
    response=list[OrganizationOut],
    summary="List listed, verified organizations",
    description="Same filters as the /organizations/ page.",
)
@paginate(PageNumberPagination, page_size=25)
def list_organizations(request, filters: Query[RegistryFilter]):
    try:
        parsed = queries.parse_registry_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return queries.public_organizations(parsed)


@router.get(
    "/organizations/{slug}", response=OrganizationOut, summary="One listed, verified organization"
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
    response=list[ExpertOut],
    summary="List published expert profiles",
    description="Contact details are never part of the API.",
)
@paginate(PageNumberPagination, page_size=25)
def list_experts(request):
    return queries.published_experts()

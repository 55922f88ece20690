"""Reads for submissions, shared by pages and API. Fixed query counts."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from palermo.common.filters import read_filter_values
from palermo.organizations.enums import Language, OrganizationType
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.submissions.enums import Addressee, IdentityTier, Priority, SubmissionStatus
from palermo.submissions.models import Recommendation, Submission


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class SubmissionFilters:
    state: str = ""
    instrument: str = ""
    article: str = ""  # "untoc-5"
    cluster: str = ""
    language: str = ""
    type: str = ""

    def is_empty(self) -> bool:
        return not any(vars(self).values())


def parse_submission_filters(params: QueryDict | dict) -> SubmissionFilters:
    values = read_filter_values(
        params, ("state", "instrument", "article", "cluster", "language", "type"), FilterError
    )
    values["state"] = values["state"].upper()
    if values["state"] and not State.objects.filter(code=values["state"]).exists():
        raise FilterError(_("Unknown State “%(value)s”.") % {"value": values["state"][:20]})
    if values["instrument"] and not Instrument.objects.filter(code=values["instrument"]).exists():
        raise FilterError(
            _("Unknown instrument “%(value)s”.") % {"value": values["instrument"][:20]}
        )
    if values["article"]:
        code, _sep, number = values["article"].rpartition("-")
        if not (
            number.isascii()  # "²".isdigit() is true, but int("²") fails
            and number.isdigit()
            and Article.objects.filter(instrument__code=code, number=int(number)).exists()
        ):
            raise FilterError(
                _("Unknown article “%(value)s”; write it like untoc-5.")
                % {"value": values["article"][:20]}
            )
    if values["cluster"] and not Cluster.objects.filter(numeral=values["cluster"]).exists():
        raise FilterError(_("Unknown cluster “%(value)s”.") % {"value": values["cluster"][:8]})
    if values["language"] and values["language"] not in Language.values:
        raise FilterError(_("Unknown language “%(value)s”.") % {"value": values["language"][:8]})
    if values["type"] and values["type"] not in OrganizationType.values:
        raise FilterError(
            _("Unknown organization type “%(value)s”.") % {"value": values["type"][:20]}
        )
    return SubmissionFilters(**values)


def _with_related(found: QuerySet[Submission]) -> QuerySet[Submission]:
    # public_author() reads the headquarters' regional group (pseudonymous) and the author
    # (attributed, show_authors): joined here, or the lists run a query per row.
    return found.select_related(
        "state",
        "organization__headquarters__regional_group",
        "cluster",
        "created_by",
    ).prefetch_related("instruments", "articles__instrument")


def published_submissions(filters: SubmissionFilters, *, today) -> QuerySet[Submission]:
    """Public: published and past any embargo."""
    found = Submission.objects.filter(status=SubmissionStatus.PUBLISHED).filter(
        Q(embargo_until__isnull=True) | Q(embargo_until__lte=today)
    )
    if filters.state:
        found = found.filter(state__code=filters.state)
    if filters.instrument:
        found = found.filter(instruments__code=filters.instrument)
    if filters.article:
        code, _sep, number = filters.article.rpartition("-")
        found = found.filter(articles__instrument__code=code, articles__number=int(number))
    if filters.cluster:
        found = found.filter(cluster__numeral=filters.cluster)
    if filters.language:
        found = found.filter(language=filters.language)
    if filters.type:
        # Only where the organization is named: for pseudonymous and anonymous submissions
        # the type, with the State, would narrow down who wrote it.
        found = found.filter(
            organization__kind=filters.type,
            tier__in=[IdentityTier.ATTRIBUTED, IdentityTier.COALITION],
        )
    return _with_related(found.distinct()).order_by("-published_at", "-id")


def submissions_of_organizations(user) -> QuerySet[Submission]:
    return _with_related(Submission.objects.filter(organization__memberships__user=user)).order_by(
        "-updated_at"
    )


def coordinator_queue(*, status: str, state: str = "", cluster: str = "") -> QuerySet[Submission]:
    found = Submission.objects.filter(status=status)
    if status == SubmissionStatus.WITHDRAWN:  # never a draft withdrawn before it was sent
        found = found.filter(submitted_at__isnull=False)
    if state:
        found = found.filter(state__code=state.upper())
    if cluster:
        found = found.filter(cluster__numeral=cluster)
    return _with_related(found).order_by("submitted_at", "id")


def submission_for_page(reference: str) -> Submission:
    return (
        Submission.objects.select_related("state", "organization", "cluster", "review__phase")
        .prefetch_related(
            "instruments",
            "articles__instrument",
            "recommendations__articles__instrument",
            "sources",
        )
        .get(reference=reference)
    )


# --- Published recommendations (open data) ---------------------------------------------------


@dataclass(frozen=True)
class RecommendationFilters:
    state: str = ""
    article: str = ""  # "untoc-5": the recommendation names this article
    addressee: str = ""
    priority: str = ""


def parse_recommendation_filters(params: QueryDict | dict) -> RecommendationFilters:
    # State and article read exactly as on the submissions list, with the same messages.
    shared = parse_submission_filters(
        {"state": params.get("state") or "", "article": params.get("article") or ""}
    )
    values = read_filter_values(params, ("addressee", "priority"), FilterError)
    if values["addressee"] and values["addressee"] not in Addressee.values:
        raise FilterError(_("Unknown addressee “%(value)s”.") % {"value": values["addressee"][:20]})
    if values["priority"] and values["priority"] not in Priority.values:
        raise FilterError(_("Unknown priority “%(value)s”.") % {"value": values["priority"][:20]})
    return RecommendationFilters(state=shared.state, article=shared.article, **values)


def published_recommendations(filters: RecommendationFilters, *, today) -> QuerySet[Recommendation]:
    """The recommendations of public submissions (the same rule as published_submissions),
    newest submission first, then in their order within it. With what public_author()
    reads, so the authors are named by identity tier in a fixed number of queries."""
    public = published_submissions(SubmissionFilters(state=filters.state), today=today)
    found = Recommendation.objects.filter(submission__in=public.values("pk"))
    if filters.article:
        code, _sep, number = filters.article.rpartition("-")
        found = found.filter(articles__instrument__code=code, articles__number=int(number))
    if filters.addressee:
        found = found.filter(addressee=filters.addressee)
    if filters.priority:
        found = found.filter(priority=filters.priority)
    return (
        found.distinct()
        .select_related(
            "submission__state",
            "submission__organization__headquarters__regional_group",
            "submission__created_by",
        )
        .prefetch_related("articles__instrument")
        .order_by("-submission__published_at", "-submission_id", "position", "id")
    )

from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from palermo.api.pagination import Mapped, Pages
from palermo.api.schemas import (
    ArticleOut,
    ClusterOut,
    ClusterRef,
    InstrumentOut,
    RegionalGroupOut,
    listing,
    one,
)
from palermo.common.models import split_sources
from palermo.reference import queries
from palermo.reference.models import Article, Cluster, Instrument, RegionalGroup

router = Router(tags=["reference"])


def instrument_out(instrument: Instrument) -> InstrumentOut:
    return InstrumentOut(
        code=instrument.code,
        abbreviation=instrument.abbreviation,
        title=instrument.title,
        adopted_by=instrument.adopted_by,
        treaty_series=instrument.treaty_series,
        article_count=instrument.article_count,
        url=instrument.get_absolute_url(),
        sources=instrument.source_urls,
        confidence=instrument.confidence,
    )


def article_code(article: Article) -> str:
    return f"{article.instrument.code}-{article.number}"


def article_out(article: Article) -> ArticleOut:
    cluster = article.cluster
    return ArticleOut(
        instrument=article.instrument.code,
        number=article.number,
        title=article.title,
        url=article.get_absolute_url(),
        cluster=ClusterRef(
            numeral=cluster.numeral, name=cluster.name, name_confidence=cluster.name_confidence
        )
        if cluster
        else None,
        cluster_confidence=article.cluster_confidence or None,
        cluster_sources=split_sources(article.cluster_sources),
        sources=article.source_urls,
        confidence=article.confidence,
    )


def cluster_out(cluster: Cluster) -> ClusterOut:
    return ClusterOut(
        numeral=cluster.numeral,
        name=cluster.name,
        review_order=cluster.review_order,
        numeral_confidence=cluster.numeral_confidence,
        name_confidence=cluster.name_confidence,
        order_confidence=cluster.order_confidence,
        is_confirmed=cluster.is_confirmed,
        sources=split_sources(cluster.sources),
        note=cluster.note,
        articles=[article_code(a) for a in cluster.articles.all()],
        url=cluster.get_absolute_url(),
    )


def regional_group_out(group: RegionalGroup) -> RegionalGroupOut:
    return RegionalGroupOut(
        code=group.code,
        name=group.name,
        abbreviation=group.abbreviation,
        states=[s.code for s in group.states.all()],
        url=f"{reverse('reviews:state_list')}?region={group.code}",
    )


@router.get(
    "/instruments",
    response=listing(InstrumentOut, filtered=False),
    summary="List the instruments",
    description="The Convention and its three Protocols, in their usual order, with the "
    "number of articles of each. The /instruments/ page.",
)
@paginate(Pages)
def list_instruments(request):
    return Mapped(queries.instruments_with_counts(), instrument_out)


@router.get(
    "/instruments/{code}",
    response=one(InstrumentOut),
    summary="One instrument",
    description="An instrument by its code: `untoc`, `tip`, `som` or `firearms`. Its "
    "articles are at /api/v1/articles?instrument={code}.",
)
def get_instrument(request, code: str):
    instrument = queries.instruments_with_counts().filter(code=code).first()
    if instrument is None:
        raise Http404
    return instrument_out(instrument)


class ArticleFilter(Schema):
    instrument: str = Field("", description="An instrument code, e.g. `tip`.")
    cluster: str = Field(
        "",
        description="A cluster numeral (I, II, III, IV), or `none` for the articles whose "
        "cluster no source confirms yet.",
    )


@router.get(
    "/articles",
    response=listing(ArticleOut),
    summary="List articles, filtered by instrument and cluster",
    description="Articles by instrument, then number. `cluster` takes I, II, III, IV, or "
    "`none` for articles whose cluster is not yet confirmed by a source.",
)
@paginate(Pages)
def list_articles(request, filters: Query[ArticleFilter]):
    try:
        found = queries.articles(instrument=filters.instrument, cluster=filters.cluster)
    except queries.ArticleFilterError as error:
        raise HttpError(400, str(error)) from None
    return Mapped(found, article_out)


@router.get(
    "/instruments/{code}/articles/{number}",
    response=one(ArticleOut),
    summary="One article",
    description="An article by its instrument's code and its number, with its review "
    "cluster when a source confirms one. The page /instruments/{code}/articles/{number}/.",
)
def get_article(request, code: str, number: int):
    try:
        article = queries.articles(instrument=code).get(number=number)
    except (queries.ArticleFilterError, Article.DoesNotExist):
        raise Http404 from None
    return article_out(article)


@router.get(
    "/clusters",
    response=listing(ClusterOut, filtered=False),
    summary="List the review clusters",
    description="The four thematic clusters in the order of the phases that review them, "
    "each with the articles a source assigns to it (like `untoc-5`). The numeral, the "
    "name and the phase order each have their own confidence. The /clusters/ page.",
)
@paginate(Pages)
def list_clusters(request):
    return Mapped(queries.clusters_with_articles(), cluster_out)


@router.get(
    "/clusters/{numeral}",
    response=one(ClusterOut),
    summary="One review cluster",
    description="A cluster by its numeral: I, II, III or IV.",
)
def get_cluster(request, numeral: str):
    cluster = queries.clusters_with_articles().filter(numeral=numeral).first()
    if cluster is None:
        raise Http404
    return cluster_out(cluster)


@router.get(
    "/regional-groups",
    response=listing(RegionalGroupOut, filtered=False),
    summary="List the UN regional groups",
    description="The five UN regional groups by name, each with the codes of its States. "
    "Their codes are the `region` filter of the State, review and organization lists.",
)
@paginate(Pages)
def list_regional_groups(request):
    return Mapped(queries.regional_groups(), regional_group_out)


@router.get(
    "/regional-groups/{code}",
    response=one(RegionalGroupOut),
    summary="One UN regional group",
    description="A regional group by its code, e.g. `african` or `weog`.",
)
def get_regional_group(request, code: str):
    group = queries.regional_groups().filter(code=code).first()
    if group is None:
        raise Http404
    return regional_group_out(group)

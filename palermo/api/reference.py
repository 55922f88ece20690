from django.http import Http404
from ninja import Router
from ninja.errors import HttpError

from palermo.api.schemas import ArticleOut, ClusterRef, InstrumentOut
from palermo.common.models import split_sources
from palermo.reference import queries
from palermo.reference.models import Article, Instrument

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


@router.get("/instruments", response=list[InstrumentOut], summary="List the instruments")
def list_instruments(request):
    return [instrument_out(i) for i in queries.instruments_with_counts()]


@router.get("/instruments/{code}", response=InstrumentOut, summary="One instrument")
def get_instrument(request, code: str):
    instrument = queries.instruments_with_counts().filter(code=code).first()
    if instrument is None:
        raise Http404
    return instrument_out(instrument)


@router.get(
    "/articles",
    response=list[ArticleOut],
    summary="List articles, filtered by instrument and cluster",
    description="`cluster` takes I, II, III, IV, or `none` for articles whose cluster is not "
    "yet confirmed by a source.",
)
def list_articles(request, instrument: str = "", cluster: str = ""):
    try:
        found = queries.articles(instrument=instrument, cluster=cluster)
    except queries.ArticleFilterError as error:
        raise HttpError(400, str(error)) from None
    return [article_out(a) for a in found]


@router.get("/instruments/{code}/articles/{number}", response=ArticleOut, summary="One article")
def get_article(request, code: str, number: int):
    try:
        article = queries.articles(instrument=code).get(number=number)
    except (queries.ArticleFilterError, Article.DoesNotExist):
        raise Http404 from None
    return article_out(article)

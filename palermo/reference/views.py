from django.http import Http404
from django.shortcuts import get_object_or_404, render

from palermo.reference import queries
from palermo.reference.models import Article, Instrument
from palermo.reviews.calendar import review_today
from palermo.submissions.queries import SubmissionFilters, published_submissions


def instrument_list(request):
    return render(
        request,
        "reference/instrument_list.html",
        {"instruments": queries.instruments_with_counts()},
    )


def instrument_detail(request, code: str):
    instrument = get_object_or_404(Instrument, code=code)
    return render(
        request,
        "reference/instrument_detail.html",
        {"instrument": instrument, "articles": queries.articles(instrument=instrument.code)},
    )


def article_detail(request, code: str, number: int):
    try:
        article = queries.articles(instrument=code).get(number=number)
    except (queries.ArticleFilterError, Article.DoesNotExist):
        raise Http404 from None
    submissions = published_submissions(
        SubmissionFilters(article=f"{article.instrument.code}-{article.number}"),
        today=review_today(),
    )[:20]
    return render(
        request,
        "reference/article_detail.html",
        {"article": article, "submissions": submissions},
    )


def cluster_list(request):
    return render(
        request,
        "reference/cluster_list.html",
        {
            "clusters": queries.clusters_with_articles(),
            "unassigned": queries.articles(cluster="none"),
        },
    )

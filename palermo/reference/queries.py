"""Reads for the reference spine, shared by the pages and the API."""

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from palermo.reference.models import Article, Cluster, Instrument, RegionalGroup, State


class ArticleFilterError(ValueError):
    pass


def instruments_with_counts() -> QuerySet[Instrument]:
    return Instrument.objects.annotate(article_count=Count("articles"))


def articles(*, instrument: str = "", cluster: str = "") -> QuerySet[Article]:
    """Articles with their instrument and cluster; `cluster="none"` selects articles whose
    cluster is not yet confirmed by a source."""
    found = Article.objects.select_related("instrument", "cluster")
    if "\x00" in instrument + cluster:  # PostgreSQL refuses NUL in text: a bad filter
        raise ArticleFilterError(_("The filter contains an invalid character."))
    if instrument:
        if not Instrument.objects.filter(code=instrument).exists():
            raise ArticleFilterError(_("Unknown instrument “%(value)s”.") % {"value": instrument})
        found = found.filter(instrument__code=instrument)
    if cluster == "none":
        found = found.filter(cluster__isnull=True)
    elif cluster:
        if not Cluster.objects.filter(numeral=cluster).exists():
            raise ArticleFilterError(
                _("Unknown cluster “%(value)s”; use I, II, III, IV or none.") % {"value": cluster}
            )
        found = found.filter(cluster__numeral=cluster)
    return found


def clusters_with_articles() -> QuerySet[Cluster]:
    return Cluster.objects.prefetch_related(
        Prefetch("articles", queryset=Article.objects.select_related("instrument"))
    )


def regional_groups() -> QuerySet[RegionalGroup]:
    """The UN regional groups, each with its States by name."""
    return RegionalGroup.objects.prefetch_related(
        Prefetch("states", queryset=State.objects.order_by("name", "code"))
    ).order_by("name", "code")
